package io.magnetar.schedule.pulsar;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic factory's name before it moved to {@link io.magnetar.topic.pulsar.MagnetarTopicFactory} (it serves
 * every topic feature, not only scheduled messages). Kept so that a broker.conf written for an earlier Magnetar
 * still starts; Pulsar builds the factory once, while the broker service is constructed, so the warning is logged
 * once at start.
 *
 * @deprecated set {@code topicFactoryClassName=io.magnetar.topic.pulsar.MagnetarTopicFactory}
 */
@Deprecated
public class MagnetarTopicFactory extends io.magnetar.topic.pulsar.MagnetarTopicFactory {
    private static final Logger log = LoggerFactory.getLogger(MagnetarTopicFactory.class);

    public MagnetarTopicFactory() {
        log.warn("topicFactoryClassName={} is deprecated: set topicFactoryClassName={} (same behaviour)",
                MagnetarTopicFactory.class.getName(), io.magnetar.topic.pulsar.MagnetarTopicFactory.class.getName());
    }
}
