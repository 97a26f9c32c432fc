package io.magnetar.rocketmq.pulsar;

import io.magnetar.rocketmq.message.PulsarEntries;
import io.magnetar.rocketmq.message.RocketMqProperties;
import io.magnetar.rocketmq.message.SendRequest;
import io.netty.buffer.ByteBuf;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pulsar.broker.service.BrokerService;
import org.apache.pulsar.broker.service.Topic;
import org.apache.pulsar.common.api.proto.BrokerEntryMetadata;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.pulsar.common.protocol.Commands;

/**
 * Publishes a RocketMQ send through the broker's own topic object ({@link Topic#publishMessage}), exactly as a
 * Pulsar producer's messages go: the topic class in force (Magnetar's or Pulsar's), its interceptors, limits and
 * replication all apply. The queue offset of a message is its Pulsar broker-entry index (see the module README).
 */
final class MessagePublisher {
    /** Where a send landed. {@code firstOffset} is -1 when the entry carried no index (held by the topic class). */
    record Published(TopicName queueTopic, long ledgerId, long entryId, long firstOffset) {
        String messageId(int partition) {
            return ledgerId + ":" + entryId + ":" + partition;
        }
    }

    private final BrokerService brokers;
    private final AtomicLong sequence = new AtomicLong();

    MessagePublisher(BrokerService brokers) {
        this.brokers = brokers;
    }

    /**
     * @return the topic's future result; fails with {@link TopicNotFoundException} when the topic does not exist and
     *     may not be created, or with the broker's exception (e.g. not owned here)
     */
    CompletableFuture<Published> publish(TopicName queueTopic, SendRequest send, String bornHost) {
        return brokers.isAllowAutoTopicCreationAsync(queueTopic)
                .thenCompose(allowed -> Ownership.afterLookupIfNotServed(brokers.getPulsar(), queueTopic,
                        () -> brokers.getTopic(queueTopic.toString(), allowed)))
                .thenCompose(topic -> {
                    if (topic.isEmpty()) {
                        return CompletableFuture.failedFuture(new TopicNotFoundException(queueTopic.toString()));
                    }
                    return publish(topic.get(), queueTopic, send, bornHost);
                });
    }

    private CompletableFuture<Published> publish(Topic topic, TopicName queueTopic, SendRequest send,
            String bornHost) {
        long sequenceId = sequence.incrementAndGet();
        String producerName = "rocketmq-" + send.producerGroup();
        ByteBuf entry = PulsarEntries.entry(producerName, sequenceId, System.currentTimeMillis(),
                send.bornTimestamp(), send.messages(),
                bornHost == null ? Map.of() : Map.of(RocketMqProperties.BORN_HOST, bornHost));
        CompletableFuture<Published> result = new CompletableFuture<>();
        int messages = send.messages().size();
        long size = entry.readableBytes();
        topic.publishMessage(entry, new Topic.PublishContext() {
            private volatile long index = -1;

            @Override
            public String getProducerName() {
                return producerName;
            }

            @Override
            public long getSequenceId() {
                return sequenceId;
            }

            @Override
            public long getNumberOfMessages() {
                return messages;
            }

            @Override
            public long getMsgSize() {
                return size;
            }

            @Override
            public void setMetadataFromEntryData(ByteBuf entryData) {
                BrokerEntryMetadata metadata = Commands.peekBrokerEntryMetadataIfExist(entryData);
                if (metadata != null && metadata.hasIndex()) {
                    index = metadata.getIndex();
                }
            }

            @Override
            public void completed(Exception e, long ledgerId, long entryId) {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(new Published(queueTopic, ledgerId, entryId,
                            index < 0 ? -1 : index - messages + 1));
                }
            }
        });
        // publishMessage hands the buffer to the managed ledger, which retains what it keeps.
        entry.release();
        return result;
    }

    static final class TopicNotFoundException extends Exception {
        TopicNotFoundException(String topic) {
            super("topic " + topic + " does not exist and may not be created");
        }
    }
}
