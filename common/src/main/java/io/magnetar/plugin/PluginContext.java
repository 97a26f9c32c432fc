package io.magnetar.plugin;

import io.magnetar.config.MagnetarConfig;
import io.magnetar.config.MagnetarSettings;
import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.metrics.MagnetarMetrics;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.broker.PulsarService;

/**
 * What every Magnetar plugin starts with, in its own class loader: the validated configuration (all of
 * {@link MagnetarSettings}, whichever plugin starts, so that no plugin's keys depend on another being configured),
 * its metrics (bound to the broker's endpoints) and its view of the tenant feature flags (loaded before it returns).
 */
public final class PluginContext implements AutoCloseable {
    private static final long FLAG_LOAD_TIMEOUT_SECONDS = 30;

    private final MagnetarSettings settings;
    private final MagnetarMetrics metrics;
    private final TenantFeatureFlags flags;

    private PluginContext(MagnetarSettings settings, MagnetarMetrics metrics, TenantFeatureFlags flags) {
        this.settings = settings;
        this.metrics = metrics;
        this.flags = flags;
    }

    /**
     * @param component the metrics component name, e.g. {@code interceptor}
     * @throws IllegalArgumentException when a Magnetar key in broker.conf is invalid (names the key)
     */
    public static PluginContext start(PulsarService pulsar, String component) throws Exception {
        MagnetarSettings settings = MagnetarSettings.from(pulsar.getConfiguration().getProperties());
        MagnetarConfig config = settings.flags();
        MagnetarMetrics metrics = new MagnetarMetrics(component, pulsar.getConfiguration().getClusterName());
        TenantFeatureFlags flags = new TenantFeatureFlags(pulsar.getConfigurationMetadataStore(),
                config.defaultFeatures(), metrics);
        flags.start(pulsar.getExecutor(), config.featureRefreshSeconds())
                .get(FLAG_LOAD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        metrics.bind(pulsar);
        return new PluginContext(settings, metrics, flags);
    }

    public MagnetarConfig config() {
        return settings.flags();
    }

    public MagnetarSettings settings() {
        return settings;
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
