package io.magnetar.shedding;

import io.magnetar.config.ConfigValues;
import java.util.Arrays;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The shedding strategy's settings: its own {@code magnetarShedding*} keys (from
 * {@code ServiceConfiguration.getProperties()}) plus the standard {@code loadBalancer*} values it honours. Parsed and
 * validated once; a bad value throws an {@link IllegalArgumentException} that names the key.
 *
 * @param triggerFraction a plan starts when a broker's predicted load is further than this fraction of the cluster
 *     level above or below it
 * @param targetFraction once started, moves continue until every broker is within this fraction of the level
 * @param minGap floor of both bands, in load units (0..1), so idle clusters are left alone
 * @param smoothingMillis half-life of the per-broker load model's memory, on wall-clock time
 * @param settleMillis how long after a move a broker's report is not trusted to show it
 * @param maxMovesPerCycle unload budget of one shedding cycle
 * @param dwellMillis a bundle is not moved again sooner than this after a move
 * @param drainBrokers brokers to empty (being removed)
 * @param weights resource weights used to turn a broker report into one load figure
 * @param overloadThreshold load (0..1) above which placement avoids a broker when it can
 */
public record SheddingConfig(double triggerFraction, double targetFraction, double minGap, long smoothingMillis,
                             long settleMillis, int maxMovesPerCycle, long dwellMillis, Set<String> drainBrokers,
                             ResourceWeights weights, double overloadThreshold) {

    public static final String TRIGGER_PERCENT = "magnetarSheddingTriggerPercent";
    public static final String TARGET_PERCENT = "magnetarSheddingTargetPercent";
    public static final String MIN_GAP_PERCENT = "magnetarSheddingMinGapPercent";
    public static final String SMOOTHING_SECONDS = "magnetarSheddingSmoothingSeconds";
    public static final String SETTLE_SECONDS = "magnetarSheddingSettleSeconds";
    public static final String MAX_MOVES_PER_CYCLE = "magnetarSheddingMaxMovesPerCycle";
    public static final String BUNDLE_DWELL_MINUTES = "magnetarSheddingBundleDwellMinutes";
    public static final String DRAIN_BROKERS = "magnetarSheddingDrainBrokers";

    /** Weights of {@code loadBalancerCPUResourceWeight} and friends. */
    public record ResourceWeights(double cpu, double memory, double directMemory, double bandwidthIn,
                                  double bandwidthOut) {
        public static final ResourceWeights PULSAR_DEFAULTS = new ResourceWeights(1.0, 0.0, 0.0, 1.0, 1.0);

        /** Weighted maximum of resource usages given in percent; returns a fraction. */
        public double weightedMax(double cpuPercent, double memoryPercent, double directMemoryPercent,
                                  double bandwidthInPercent, double bandwidthOutPercent) {
            double max = Math.max(cpuPercent * cpu, memoryPercent * memory);
            max = Math.max(max, directMemoryPercent * directMemory);
            max = Math.max(max, bandwidthInPercent * bandwidthIn);
            max = Math.max(max, bandwidthOutPercent * bandwidthOut);
            return max / 100.0;
        }
    }

    /** The standard keys honoured, as read from the broker's configuration. */
    public record LoadBalancerKeys(long sheddingGracePeriodMinutes, int brokerOverloadedThresholdPercentage,
                                   ResourceWeights weights) {
        public static final LoadBalancerKeys PULSAR_DEFAULTS = new LoadBalancerKeys(30, 85,
                ResourceWeights.PULSAR_DEFAULTS);
    }

    public SheddingConfig {
        if (!(targetFraction > 0 && targetFraction < triggerFraction)) {
            throw new IllegalArgumentException(TARGET_PERCENT + " must be above 0 and below " + TRIGGER_PERCENT);
        }
        drainBrokers = Set.copyOf(drainBrokers);
    }

    public static SheddingConfig defaults() {
        return from(new Properties(), LoadBalancerKeys.PULSAR_DEFAULTS);
    }

    public static SheddingConfig from(Properties properties, LoadBalancerKeys standard) {
        double trigger = ConfigValues.number(properties, TRIGGER_PERCENT, 8, 1, 100) / 100;
        double target = ConfigValues.number(properties, TARGET_PERCENT, 3, 0.5, 100) / 100;
        if (target >= trigger) {
            throw new IllegalArgumentException(TARGET_PERCENT + ": " + target * 100 + " must be below "
                    + TRIGGER_PERCENT + " (" + trigger * 100 + ")");
        }
        double minGap = ConfigValues.number(properties, MIN_GAP_PERCENT, 3, 0, 50) / 100;
        long smoothing = ConfigValues.wholeNumber(properties, SMOOTHING_SECONDS, 600, 1, 86_400) * 1000;
        long settle = ConfigValues.wholeNumber(properties, SETTLE_SECONDS, 60, 0, 3_600) * 1000;
        int maxMoves = (int) ConfigValues.wholeNumber(properties, MAX_MOVES_PER_CYCLE, 12, 1, 10_000);
        if (standard.sheddingGracePeriodMinutes() < 0) {
            throw new IllegalArgumentException("loadBalancerSheddingGracePeriodMinutes: "
                    + standard.sheddingGracePeriodMinutes() + " is negative");
        }
        long dwell = (long) (ConfigValues.number(properties, BUNDLE_DWELL_MINUTES,
                standard.sheddingGracePeriodMinutes(), 0, 10_080) * 60_000);
        String drain = properties.getProperty(DRAIN_BROKERS, "");
        Set<String> drainBrokers = Arrays.stream(drain.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        int overload = standard.brokerOverloadedThresholdPercentage();
        if (overload <= 0) {
            throw new IllegalArgumentException("loadBalancerBrokerOverloadedThresholdPercentage: " + overload
                    + " must be positive");
        }
        return new SheddingConfig(trigger, target, minGap, smoothing, settle, maxMoves, dwell, drainBrokers,
                standard.weights(), overload / 100.0);
    }
}
