package io.magnetar.timerlog.pulsar;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.bookkeeper.mledger.Position;

/**
 * The records of one timer log that come due soon after they were stored (short delays, retry back-offs), kept
 * in memory so that their append does not read them back from BookKeeper: that read is most of a short delay's
 * lateness, and a bookie answers a lone read by reading ahead a whole batch. Bounded by one byte budget shared by
 * every topic of the broker; a record that does not fit is read from the log as usual.
 */
final class NearDueRecords {
    /** How far ahead of its due time a record is kept. */
    static final long HORIZON_MILLIS = 10_000;

    private final ConcurrentHashMap<Position, ByteBuf> records = new ConcurrentHashMap<>();
    private final AtomicLong brokerBytes;
    private final long budgetBytes;

    /**
     * @param brokerBytes bytes kept by every topic of the broker
     * @param budgetBytes at most this many in all
     */
    NearDueRecords(AtomicLong brokerBytes, long budgetBytes) {
        this.brokerBytes = brokerBytes;
        this.budgetBytes = budgetBytes;
    }

    /** Keeps a retained reference to {@code record} when it is due within the horizon and fits the budget. */
    void offer(Position position, ByteBuf record, long dueAt, long now) {
        if (dueAt - now > HORIZON_MILLIS) {
            return;
        }
        int size = record.readableBytes();
        if (brokerBytes.addAndGet(size) > budgetBytes) {
            brokerBytes.addAndGet(-size);
            return;
        }
        ByteBuf previous = records.put(position, record.retain());
        if (previous != null) {
            release(previous);
        }
    }

    /** The kept record (the caller owns the reference), or null: read it from the log. */
    ByteBuf take(Position position) {
        ByteBuf record = records.remove(position);
        if (record != null) {
            brokerBytes.addAndGet(-record.readableBytes());
        }
        return record;
    }

    int size() {
        return records.size();
    }

    /** Drops every kept record (the log still has them). */
    void clear() {
        for (Position position : records.keySet()) {
            ByteBuf record = records.remove(position);
            if (record != null) {
                release(record);
            }
        }
    }

    private void release(ByteBuf record) {
        brokerBytes.addAndGet(-record.readableBytes());
        record.release();
    }
}
