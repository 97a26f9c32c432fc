package io.magnetar.schedule;

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

class ScheduleRecordTest {
    @Test
    void aRecordCarriesTheDueTimeAndTheMessageUntouched() {
        ByteBuf message = Unpooled.copiedBuffer("metadata+payload", StandardCharsets.UTF_8);
        message.readerIndex(2);
        ByteBuf record = ScheduleRecord.encode(ByteBufAllocator.DEFAULT, 1_700_000_123_456L, message);
        try {
            assertEquals(2, message.readerIndex(), "the producer's buffer is not moved");
            assertTrue(ScheduleRecord.isRecord(record));
            assertEquals(1_700_000_123_456L, ScheduleRecord.dueAt(record));
            assertEquals("tadata+payload", ScheduleRecord.message(record).toString(StandardCharsets.UTF_8));
            assertFalse(ScheduleRecord.isRecord(message));
            assertFalse(ScheduleRecord.isRecord(Unpooled.wrappedBuffer(new byte[] {0x4d, 0x53})), "too short");
        } finally {
            record.release();
            message.release();
        }
    }

    @Test
    void redeliveryAndDeadLetterRecordsSayWhatTheyAre() {
        ByteBuf message = Unpooled.copiedBuffer("the message", StandardCharsets.UTF_8);
        ByteBuf redelivery = ScheduleRecord.encodeRedelivery(ByteBufAllocator.DEFAULT, 42L, message);
        ByteBuf deadLetter = ScheduleRecord.encodeDeadLetter(ByteBufAllocator.DEFAULT, 43L,
                "persistent://acme/ns/t-sub-DLQ", message);
        ByteBuf scheduled = ScheduleRecord.encode(ByteBufAllocator.DEFAULT, 44L, message);
        ByteBuf half = ScheduleRecord.encodeHalf(ByteBufAllocator.DEFAULT, 45L, message);
        try {
            assertEquals(ScheduleRecord.Kind.REDELIVERY, ScheduleRecord.kind(redelivery));
            assertEquals(ScheduleRecord.Kind.DEAD_LETTER, ScheduleRecord.kind(deadLetter));
            assertEquals(ScheduleRecord.Kind.SCHEDULED, ScheduleRecord.kind(scheduled));
            assertTrue(ScheduleRecord.isRecord(redelivery) && ScheduleRecord.isRecord(deadLetter));
            assertEquals(42L, ScheduleRecord.dueAt(redelivery));
            assertEquals(43L, ScheduleRecord.dueAt(deadLetter));
            assertEquals("persistent://acme/ns/t-sub-DLQ", ScheduleRecord.deadLetterTopic(deadLetter));
            assertEquals(null, ScheduleRecord.deadLetterTopic(redelivery));
            assertEquals(ScheduleRecord.Kind.HALF, ScheduleRecord.kind(half));
            assertEquals(45L, ScheduleRecord.dueAt(half));
            for (ByteBuf record : new ByteBuf[] {redelivery, deadLetter, scheduled, half}) {
                assertEquals("the message", ScheduleRecord.message(record).toString(StandardCharsets.UTF_8));
            }
            assertThrows(IllegalArgumentException.class, () -> ScheduleRecord.kind(message));
        } finally {
            redelivery.release();
            deadLetter.release();
            scheduled.release();
            half.release();
            message.release();
        }
    }

    @Test
    void configDefaultsAndBadValuesNameTheKey() {
        ScheduleConfig defaults = ScheduleConfig.from(new Properties());
        assertEquals(3 * 86_400_000L, defaults.rules().maxDelayMillis());
        Properties bad = new Properties();
        bad.setProperty(ScheduleConfig.DELAY_LEVELS, "1s 2x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScheduleConfig.from(bad));
        assertTrue(e.getMessage().startsWith("magnetarDelayLevels: "), e.getMessage());
        Properties zero = new Properties();
        zero.setProperty(ScheduleConfig.MAX_DELAY_SECONDS, "0");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScheduleConfig.from(zero)).getMessage()
                .startsWith("magnetarScheduleMaxDelaySeconds"));
    }
}
