package io.magnetar.timerlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TimerRecordTest {
    @Test
    void aRecordCarriesTheDueTimeAndTheMessageUntouched() {
        ByteBuf message = Unpooled.copiedBuffer("metadata+payload", StandardCharsets.UTF_8);
        message.readerIndex(2);
        ByteBuf record = TimerRecord.encode(ByteBufAllocator.DEFAULT, 1_700_000_123_456L, message);
        try {
            assertEquals(2, message.readerIndex(), "the producer's buffer is not moved");
            assertTrue(TimerRecord.isRecord(record));
            assertEquals(1_700_000_123_456L, TimerRecord.dueAt(record));
            assertEquals("tadata+payload", TimerRecord.message(record).toString(StandardCharsets.UTF_8));
            assertFalse(TimerRecord.isRecord(message));
            assertFalse(TimerRecord.isRecord(Unpooled.wrappedBuffer(new byte[] {0x4d, 0x53})), "too short");
        } finally {
            record.release();
            message.release();
        }
    }

    @Test
    void redeliveryAndDeadLetterRecordsSayWhatTheyAre() {
        ByteBuf message = Unpooled.copiedBuffer("the message", StandardCharsets.UTF_8);
        ByteBuf redelivery = TimerRecord.encodeRedelivery(ByteBufAllocator.DEFAULT, 42L, message);
        ByteBuf deadLetter = TimerRecord.encodeDeadLetter(ByteBufAllocator.DEFAULT, 43L,
                "persistent://acme/ns/t-sub-DLQ", message);
        ByteBuf scheduled = TimerRecord.encode(ByteBufAllocator.DEFAULT, 44L, message);
        ByteBuf half = TimerRecord.encodeHalf(ByteBufAllocator.DEFAULT, 45L, message);
        try {
            assertEquals(TimerRecord.Kind.REDELIVERY, TimerRecord.kind(redelivery));
            assertEquals(TimerRecord.Kind.DEAD_LETTER, TimerRecord.kind(deadLetter));
            assertEquals(TimerRecord.Kind.SCHEDULED, TimerRecord.kind(scheduled));
            assertTrue(TimerRecord.isRecord(redelivery) && TimerRecord.isRecord(deadLetter));
            assertEquals(42L, TimerRecord.dueAt(redelivery));
            assertEquals(43L, TimerRecord.dueAt(deadLetter));
            assertEquals("persistent://acme/ns/t-sub-DLQ", TimerRecord.deadLetterTopic(deadLetter));
            assertEquals(null, TimerRecord.deadLetterTopic(redelivery));
            assertEquals(TimerRecord.Kind.HALF, TimerRecord.kind(half));
            assertEquals(45L, TimerRecord.dueAt(half));
            for (ByteBuf record : new ByteBuf[] {redelivery, deadLetter, scheduled, half}) {
                assertEquals("the message", TimerRecord.message(record).toString(StandardCharsets.UTF_8));
            }
            assertThrows(IllegalArgumentException.class, () -> TimerRecord.kind(message));
        } finally {
            redelivery.release();
            deadLetter.release();
            scheduled.release();
            half.release();
            message.release();
        }
    }
}
