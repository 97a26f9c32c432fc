package io.magnetar.plugin;

import io.magnetar.config.MagnetarConfig;
import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.metrics.MagnetarMetrics;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.broker.PulsarService;

/**
 * What every Magnetar plugin starts with, in its own class loader: the validated configuration, its metrics
 * (bound to the broker's endpoints) and its view of the tenant feature flags (loaded before it returns).
 */
public final class PluginContext implements AutoCloseable {
    private static final long FLAG_LOAD_TIMEOUT_SECONDS = 30;

    private final MagnetarConfig config;
    private final MagnetarMetrics metrics;
    private final TenantFeatureFlags flags;

    private PluginContext(MagnetarConfig config, MagnetarMetrics metrics, TenantFeatureFlags flags) {
        this.config = config;
        this.metrics = metrics;
        this.flags = flags;
    }

    /**
     * @param component the metrics component name, e.g. {@code interceptor}
     * @throws IllegalArgumentException when a Magnetar key in broker.conf is invalid (names the key)
     */
    public static PluginContext start(PulsarService pulsar, String component) throws Exception {
        MagnetarConfig config = MagnetarConfig.from(pulsar.getConfiguration().getProperties());
        MagnetarMetrics metrics = new MagnetarMetrics(component, pulsar.getConfiguration().getClusterName());
        TenantFeatureFlags flags = new TenantFeatureFlags(pulsar.getConfigurationMetadataStore(),
                config.defaultFeatures(), metrics);
        flags.start(pulsar.getExecutor(), config.featureRefreshSeconds())
                .get(FLAG_LOAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        metrics.bind(pulsar);
        return new PluginContext(config, metrics, flags);
    }

    public MagnetarConfig config() {
        return config;
    }

    public MagnetarMetrics metrics() {
        return metrics;
    }

    public TenantFeatureFlags flags() {
        return flags;
    }

    @Override
    public void close() {
        flags.close();
        metrics.close();
    }
}
