package io.magnetar.config;

import io.magnetar.flags.FeatureSet;
import java.util.Properties;

/**
 * Magnetar's broker.conf keys, parsed and validated once at broker start. Pulsar keeps keys it does not know in
 * {@code ServiceConfiguration.getProperties()}, which is where these come from. A bad value throws an
 * {@link IllegalArgumentException} naming the key and the value, which fails the broker start.
 */
public record MagnetarConfig(FeatureSet defaultFeatures, long featureRefreshSeconds) {
    public static final String DEFAULT_FEATURES = "magnetarDefaultFeatures";
    public static final String FEATURE_REFRESH_SECONDS = "magnetarFeatureRefreshSeconds";

    public static MagnetarConfig from(Properties properties) {
        FeatureSet defaults = FeatureSet.parse(DEFAULT_FEATURES, properties.getProperty(DEFAULT_FEATURES, ""));
        long refresh = ConfigValues.wholeNumber(properties, FEATURE_REFRESH_SECONDS, 30, 0, 86_400);
        return new MagnetarConfig(defaults, refresh);
    }
}
