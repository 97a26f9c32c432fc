package io.magnetar.timerlog.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.bookkeeper.mledger.PositionFactory;
import org.junit.jupiter.api.Test;

class NearDueRecordsTest {
    private final AtomicLong brokerBytes = new AtomicLong();

    private static ByteBuf record(int size) {
        return Unpooled.buffer(size).writeZero(size);
    }

    @Test
    void keepsOnlyRecordsDueWithinTheHorizonAndHandsEachOutOnce() {
        NearDueRecords records = new NearDueRecords(brokerBytes, 1_000);
        ByteBuf soon = record(100);
        ByteBuf later = record(100);
        records.offer(PositionFactory.create(1, 1), soon, 5_000 + NearDueRecords.HORIZON_MILLIS, 5_000);
        records.offer(PositionFactory.create(1, 2), later, 5_001 + NearDueRecords.HORIZON_MILLIS, 5_000);
        assertEquals(2, soon.refCnt(), "kept: one more reference");
        assertEquals(1, later.refCnt(), "beyond the horizon: not kept");
        assertEquals(100, brokerBytes.get());

        assertSame(soon, records.take(PositionFactory.create(1, 1)));
        assertNull(records.take(PositionFactory.create(1, 1)), "taken once");
        assertNull(records.take(PositionFactory.create(1, 2)));
        assertEquals(0, brokerBytes.get());
        assertEquals(2, soon.refCnt(), "the taker owns the reference");
    }

    @Test
    void theBrokerWideBudgetIsNeverExceededAndClearGivesItBack() {
        NearDueRecords first = new NearDueRecords(brokerBytes, 250);
        NearDueRecords second = new NearDueRecords(brokerBytes, 250);
        ByteBuf a = record(100);
        ByteBuf b = record(100);
        ByteBuf c = record(100);
        first.offer(PositionFactory.create(1, 1), a, 0, 0);
        second.offer(PositionFactory.create(2, 1), b, 0, 0);
        first.offer(PositionFactory.create(1, 2), c, 0, 0);
        assertEquals(200, brokerBytes.get());
        assertEquals(1, c.refCnt(), "over the shared budget: read from the log instead");

        first.clear();
        second.clear();
        assertEquals(0, brokerBytes.get());
        assertEquals(1, a.refCnt());
        assertEquals(1, b.refCnt());
        assertEquals(0, first.size() + second.size());
    }
}
