package io.magnetar.schedule;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * An entry of a topic's schedule log: a 2-byte magic, the due time (epoch ms), then the message exactly as the
 * producer sent it (checksum, metadata, payload), so recovery reads the due time without parsing the message.
 */
public final class ScheduleRecord {
    static final short MAGIC = 0x4d53; // "MS"
    static final int HEADER_BYTES = 2 + 8;

    private ScheduleRecord() {
    }

    /** A new buffer holding the header and a copy of the message's readable bytes; the message is not touched. */
    public static ByteBuf encode(ByteBufAllocator allocator, long dueAtMillis, ByteBuf message) {
        ByteBuf record = allocator.buffer(HEADER_BYTES + message.readableBytes());
        record.writeShort(MAGIC).writeLong(dueAtMillis);
        record.writeBytes(message, message.readerIndex(), message.readableBytes());
        return record;
    }

    /** True when the buffer starts with a schedule record header. */
    public static boolean isRecord(ByteBuf entry) {
        return entry.readableBytes() >= HEADER_BYTES && entry.getShort(entry.readerIndex()) == MAGIC;
    }

    public static long dueAt(ByteBuf record) {
        return record.getLong(record.readerIndex() + 2);
    }

    /** A slice of the message inside the record (shares the record's memory and reference count). */
    public static ByteBuf message(ByteBuf record) {
        return record.slice(record.readerIndex() + HEADER_BYTES, record.readableBytes() - HEADER_BYTES);
    }
}
