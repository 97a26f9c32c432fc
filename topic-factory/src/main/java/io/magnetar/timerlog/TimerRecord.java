package io.magnetar.timerlog;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * An entry of a topic's timer log: a 2-byte magic saying what it is, the due time (epoch ms), then the message
 * (checksum, metadata, payload), so recovery reads the due time without parsing the message.
 * <ul>
 *   <li>{@link Kind#SCHEDULED}: a producer's scheduled message, exactly as sent; appended to the topic when due;</li>
 *   <li>{@link Kind#REDELIVERY}: a copy of a message a subscription's consumer failed, carrying its reconsume count
 *       and the subscription it goes back to; appended to the topic when due, seen by that subscription only;</li>
 *   <li>{@link Kind#DEAD_LETTER}: a message that ran out of reconsumes; after the magic and due time come the
 *       dead-letter topic's name (2-byte length, UTF-8), then the message; published to that topic when due.</li>
 *   <li>{@link Kind#HALF}: a transactional half message, exactly as sent; its due time is its next check-back.
 *       Appended to the topic when committed, dropped when rolled back.</li>
 * </ul>
 */
public final class TimerRecord {
    static final short MAGIC = 0x4d53; // "MS"
    static final short REDELIVERY_MAGIC = 0x4d52; // "MR"
    static final short DEAD_LETTER_MAGIC = 0x4d44; // "MD"
    static final short HALF_MAGIC = 0x4d54; // "MT"
    static final int HEADER_BYTES = 2 + 8;

    public enum Kind { SCHEDULED, REDELIVERY, DEAD_LETTER, HALF }

    private TimerRecord() {
    }

    /** A new buffer holding the header and a copy of the message's readable bytes; the message is not touched. */
    public static ByteBuf encode(ByteBufAllocator allocator, long dueAtMillis, ByteBuf message) {
        return encode(allocator, MAGIC, dueAtMillis, null, message);
    }

    public static ByteBuf encodeRedelivery(ByteBufAllocator allocator, long dueAtMillis, ByteBuf message) {
        return encode(allocator, REDELIVERY_MAGIC, dueAtMillis, null, message);
    }

    public static ByteBuf encodeHalf(ByteBufAllocator allocator, long checkAtMillis, ByteBuf message) {
        return encode(allocator, HALF_MAGIC, checkAtMillis, null, message);
    }

    public static ByteBuf encodeDeadLetter(ByteBufAllocator allocator, long dueAtMillis, String topic,
                                           ByteBuf message) {
        return encode(allocator, DEAD_LETTER_MAGIC, dueAtMillis, topic.getBytes(StandardCharsets.UTF_8), message);
    }

    private static ByteBuf encode(ByteBufAllocator allocator, short magic, long dueAtMillis, byte[] topic,
                                  ByteBuf message) {
        int topicBytes = topic == null ? 0 : 2 + topic.length;
        ByteBuf record = allocator.buffer(HEADER_BYTES + topicBytes + message.readableBytes());
        record.writeShort(magic).writeLong(dueAtMillis);
        if (topic != null) {
            record.writeShort(topic.length).writeBytes(topic);
        }
        record.writeBytes(message, message.readerIndex(), message.readableBytes());
        return record;
    }

    /** True when the buffer starts with a schedule record header. */
    public static boolean isRecord(ByteBuf entry) {
        return entry.readableBytes() >= HEADER_BYTES && kindOrNull(entry) != null;
    }

    private static Kind kindOrNull(ByteBuf entry) {
        return switch (entry.getShort(entry.readerIndex())) {
            case MAGIC -> Kind.SCHEDULED;
            case REDELIVERY_MAGIC -> Kind.REDELIVERY;
            case DEAD_LETTER_MAGIC -> Kind.DEAD_LETTER;
            case HALF_MAGIC -> Kind.HALF;
            default -> null;
        };
    }

    public static Kind kind(ByteBuf record) {
        Kind kind = kindOrNull(record);
        if (kind == null) {
            throw new IllegalArgumentException("not a schedule record");
        }
        return kind;
    }

    public static long dueAt(ByteBuf record) {
        return record.getLong(record.readerIndex() + 2);
    }

    /** The dead-letter topic of a {@link Kind#DEAD_LETTER} record, else null. */
    public static String deadLetterTopic(ByteBuf record) {
        if (kind(record) != Kind.DEAD_LETTER) {
            return null;
        }
        int length = record.getUnsignedShort(record.readerIndex() + HEADER_BYTES);
        return record.toString(record.readerIndex() + HEADER_BYTES + 2, length, StandardCharsets.UTF_8);
    }

    /** A slice of the message inside the record (shares the record's memory and reference count). */
    public static ByteBuf message(ByteBuf record) {
        int offset = HEADER_BYTES;
        if (kind(record) == Kind.DEAD_LETTER) {
            offset += 2 + record.getUnsignedShort(record.readerIndex() + HEADER_BYTES);
        }
        return record.slice(record.readerIndex() + offset, record.readableBytes() - offset);
    }
}
