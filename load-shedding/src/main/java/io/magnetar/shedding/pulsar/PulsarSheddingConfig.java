package io.magnetar.shedding.pulsar;

import io.magnetar.shedding.SheddingConfig;
import io.magnetar.shedding.SheddingConfig.LoadBalancerKeys;
import io.magnetar.shedding.SheddingConfig.ResourceWeights;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@link SheddingConfig} from a broker's configuration once per configuration object. Pulsar constructs
 * strategies reflectively and falls back silently when a constructor throws, so a bad value is not thrown: it is
 * logged once at ERROR with the key's name, and the strategy stays inactive.
 */
final class PulsarSheddingConfig {
    private static final Logger LOG = LoggerFactory.getLogger(PulsarSheddingConfig.class);

    private ServiceConfiguration source;
    private SheddingConfig parsed;

    /** The parsed settings, or null when the configuration is invalid. */
    synchronized SheddingConfig get(ServiceConfiguration conf) {
        if (conf != source) {
            source = conf;
            try {
                parsed = SheddingConfig.from(conf.getProperties(), standardKeys(conf));
                LOG.info("Magnetar load shedding active: {}", parsed);
            } catch (IllegalArgumentException e) {
                parsed = null;
                LOG.error("Magnetar load shedding is INACTIVE (no bundles will be unloaded by it): "
                        + "invalid configuration: {}", e.getMessage());
            }
        }
        return parsed;
    }

    static LoadBalancerKeys standardKeys(ServiceConfiguration conf) {
        return new LoadBalancerKeys(conf.getLoadBalancerSheddingGracePeriodMinutes(),
                conf.getLoadBalancerBrokerOverloadedThresholdPercentage(),
                new ResourceWeights(conf.getLoadBalancerCPUResourceWeight(),
                        conf.getLoadBalancerMemoryResourceWeight(),
                        conf.getLoadBalancerDirectMemoryResourceWeight(),
                        conf.getLoadBalancerBandwidthInResourceWeight(),
                        conf.getLoadBalancerBandwidthOutResourceWeight()));
    }
}
