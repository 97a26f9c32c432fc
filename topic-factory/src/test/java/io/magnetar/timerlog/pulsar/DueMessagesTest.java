package io.magnetar.timerlog.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.magnetar.schedule.ScheduleRules;
import io.magnetar.timerlog.TimerRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.junit.jupiter.api.Test;

class DueMessagesTest {

    private static MessageMetadata metadata(Map<String, String> properties) {
        MessageMetadata m = new MessageMetadata().setProducerName("p").setSequenceId(7).setPublishTime(1_000)
                .setDeliverAtTime(5_000);
        properties.forEach((k, v) -> m.addProperty().setKey(k).setValue(v));
        m.addReplicateTo("east");
        m.addReplicateTo("west");
        return m;
    }

    private static Map<String, String> properties(MessageMetadata m) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : m.getPropertiesList()) {
            out.put(kv.getKey(), kv.getValue());
        }
        return out;
    }

    @Test
    void aDueScheduledMessageLosesItsSchedulingAndGetsItsRecordIdAsOrigin() {
        MessageMetadata m = metadata(Map.of("DELAY", "3", "TIMER_DELAY_MS", "10", "color", "red"));
        DueMessages.rewriteForAppend(m, TimerRecord.Kind.SCHEDULED, "12:34:-1", "east", 9_000,
                ScheduleRules.PROPERTIES);
        assertEquals(Map.of("color", "red", "ORIGIN_MESSAGE_ID", "12:34:-1"), properties(m));
        assertFalse(m.hasDeliverAtTime());
        assertEquals(9_000, m.getPublishTime());
        assertEquals(List.of("east", "west"), m.getReplicateTosList(), "replicated as its producer asked");
    }

    @Test
    void aRedeliveryCopyKeepsItsOriginCarriesItsRecordIdAndStaysInThisCluster() {
        MessageMetadata m = metadata(Map.of("ORIGIN_MESSAGE_ID", "1:2:-1", "RECONSUMETIMES", "2"));
        DueMessages.rewriteForAppend(m, TimerRecord.Kind.REDELIVERY, "12:35:-1", "east", 9_000,
                ScheduleRules.PROPERTIES);
        assertEquals(Map.of("ORIGIN_MESSAGE_ID", "1:2:-1", "RECONSUMETIMES", "2", "MAGNETAR_RECORD_ID", "12:35:-1"),
                properties(m));
        assertEquals(List.of("east"), m.getReplicateTosList());
        assertFalse(m.hasDeliverAtTime());
        assertEquals(9_000, m.getPublishTime());
    }
}
