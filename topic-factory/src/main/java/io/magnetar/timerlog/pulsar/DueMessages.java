package io.magnetar.timerlog.pulsar;

import io.magnetar.retry.RetryProperties;
import io.magnetar.timerlog.TimerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;

/**
 * How a due record's message is rewritten before it is appended to its topic: a pure function of the metadata, the
 * record's kind and id, the cluster and the clock, so it is tested without a broker.
 */
final class DueMessages {

    private DueMessages() {
    }

    /**
     * A scheduled message or committed half gets {@code ORIGIN_MESSAGE_ID} = its record id (the id its producer
     * got) and loses {@code dropped} (its scheduling / half-message properties); a redelivery copy keeps its own
     * {@code ORIGIN_MESSAGE_ID}, carries its record id, and is replicated to {@code cluster} only (it is for one
     * subscription of this cluster). Either way: publish time {@code now} (the topic's TTL counts from the append),
     * no deliverAt.
     */
    static void rewriteForAppend(MessageMetadata metadata, TimerRecord.Kind kind, String recordId, String cluster,
                                 long now, Set<String> dropped) {
        metadata.clearDeliverAtTime();
        metadata.setPublishTime(now);
        if (kind == TimerRecord.Kind.REDELIVERY) {
            metadata.addProperty().setKey(RetryProperties.RECORD_ID).setValue(recordId);
            metadata.clearReplicateTo();
            metadata.addReplicateTo(cluster);
        } else {
            withoutProperties(metadata, dropped);
            metadata.addProperty().setKey(RetryProperties.ORIGIN_MESSAGE_ID).setValue(recordId);
        }
    }

    /**
     * Drops the scheduling properties of a due message, as RocketMQ does (a consumer that forwards the message, or a
     * replicator that copies it to another cluster, must not schedule it a second time), or the half-message
     * properties of a committed one.
     */
    static void withoutProperties(MessageMetadata metadata, Set<String> dropped) {
        List<KeyValue> kept = new ArrayList<>(metadata.getPropertiesCount());
        for (KeyValue kv : metadata.getPropertiesList()) {
            if (!dropped.contains(kv.getKey())) {
                kept.add(new KeyValue().copyFrom(kv));
            }
        }
        metadata.clearProperties();
        for (KeyValue kv : kept) {
            metadata.addProperty().copyFrom(kv);
        }
    }
}
