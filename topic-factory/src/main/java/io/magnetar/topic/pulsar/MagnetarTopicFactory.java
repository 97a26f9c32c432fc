package io.magnetar.topic.pulsar;

import org.apache.bookkeeper.mledger.ManagedLedger;
import org.apache.pulsar.broker.service.BrokerService;
import org.apache.pulsar.broker.service.Topic;
import org.apache.pulsar.broker.service.TopicFactory;
import org.apache.pulsar.broker.service.persistent.PersistentTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code topicFactoryClassName=io.magnetar.topic.pulsar.MagnetarTopicFactory}: persistent topics become
 * {@link MagnetarTopic}s; non-persistent topics stay Pulsar's (system topics never come here). Pulsar
 * creates one instance per broker, with no start hook, so the shared {@link TopicRuntime} starts with the first
 * topic.
 */
public class MagnetarTopicFactory implements TopicFactory {
    private static final Logger log = LoggerFactory.getLogger(MagnetarTopicFactory.class);

    private volatile TopicRuntime runtime;

    /** Pulsar builds the factory while it constructs the broker service: a failed check fails the broker start. */
    public MagnetarTopicFactory() {
        TopicFactoryInternals.check();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends Topic> T create(String topic, ManagedLedger ledger, BrokerService brokerService,
                                      Class<T> topicClazz) {
        if (topicClazz != PersistentTopic.class) {
            return null;
        }
        return (T) new MagnetarTopic(topic, ledger, brokerService, runtime(brokerService));
    }

    private TopicRuntime runtime(BrokerService brokerService) {
        TopicRuntime current = runtime;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (runtime == null) {
                try {
                    runtime = new TopicRuntime(brokerService.getPulsar());
                    log.info("Magnetar scheduled messages ready: levels and timers for tenants with 'delay' on");
                } catch (Exception e) {
                    throw new IllegalStateException("Magnetar scheduled messages cannot start: " + e.getMessage(), e);
                }
            }
            return runtime;
        }
    }

    @Override
    public void close() {
        TopicRuntime current = runtime;
        if (current != null) {
            current.close();
        }
    }
}
