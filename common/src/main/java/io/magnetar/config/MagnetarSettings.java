package io.magnetar.config;

import io.magnetar.plugin.PluginContext;
import java.util.Properties;

/**
 * Every Magnetar key of broker.conf that the lib jar and the interceptor NAR read, parsed and validated together:
 * the one owner of their validation. Each plugin that has a start hook parses all of them there (the broker
 * interceptor and admin servlet through {@code PluginContext}, the deliverAt tracker factory in its
 * {@code initialize}), so a bad value fails the broker start naming the key whichever of those plugins broker.conf
 * keeps; the topic factory, which Pulsar gives no start hook, parses them again when its first topic loads.
 * The load-shedding and offloader keys are validated by their own plugins, which have start hooks of their own.
 *
 * @throws IllegalArgumentException from {@link #from} when a key is invalid (the message names the key)
 */
public record MagnetarSettings(MagnetarConfig flags, DelayedDeliveryConfig delayed, ScheduleConfig schedule,
                               TransactionConfig transaction) {

    public static MagnetarSettings from(Properties properties) {
        return new MagnetarSettings(MagnetarConfig.from(properties), DelayedDeliveryConfig.from(properties),
                ScheduleConfig.from(properties), TransactionConfig.from(properties));
    }
}
