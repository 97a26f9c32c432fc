package io.magnetar.shedding.pulsar;

import com.google.common.collect.ArrayListMultimap;
import com.google.common.collect.Multimap;
import io.magnetar.metrics.MagnetarMetrics;
import io.magnetar.shedding.Move;
import io.magnetar.shedding.SheddingConfig;
import io.magnetar.shedding.SheddingCore;
import io.magnetar.shedding.Split;
import io.prometheus.client.CollectorRegistry;
import java.util.Collection;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.loadbalance.LoadData;
import org.apache.pulsar.broker.loadbalance.LoadSheddingStrategy;
import org.apache.pulsar.broker.loadbalance.ModularLoadManagerStrategy;
import org.apache.pulsar.policies.data.loadbalancer.BundleData;
import org.apache.pulsar.policies.data.loadbalancer.TimeAverageMessageData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SheddingCore} behind {@code ModularLoadManagerImpl}: set both {@code loadBalancerLoadSheddingStrategy} and
 * {@code loadBalancerLoadPlacementStrategy} to this class (the load manager then uses one instance for both, so the
 * destinations planned while shedding are the ones placement returns).
 */
public final class MagnetarLoadSheddingStrategy implements LoadSheddingStrategy, ModularLoadManagerStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(MagnetarLoadSheddingStrategy.class);
    /** Placement between shedding cycles re-reads the load data at most this often. */
    private static final long OBSERVE_INTERVAL_MILLIS = 10_000;

    private final LongSupplier clock;
    private final boolean publishMetrics;
    private final PulsarSheddingConfig settings = new PulsarSheddingConfig();
    private MagnetarMetrics metrics;
    private LongAdder cycles;
    private final Map<Move.Reason, LongAdder> unloadsPlanned = new EnumMap<>(Move.Reason.class);
    private LongAdder placements;
    /** Placement gets a BundleData, not a name: the load manager hands back the same objects it holds by name. */
    private final Map<BundleData, String> bundleNames = new IdentityHashMap<>();
    private final SplitWarnings splitWarnings = new SplitWarnings(LOG);
    private volatile SheddingCore core;
    private long lastObservedMillis = Long.MIN_VALUE;

    /** As the broker constructs it: wall-clock time, metrics on the broker's {@code /metrics/}. */
    public MagnetarLoadSheddingStrategy() {
        this(System::currentTimeMillis, true);
    }

    /** With the simulator's clock, publishing no metrics. */
    public MagnetarLoadSheddingStrategy(LongSupplier clock) {
        this(clock, false);
    }

    private MagnetarLoadSheddingStrategy(LongSupplier clock, boolean publishMetrics) {
        this.clock = clock;
        this.publishMetrics = publishMetrics;
    }

    @Override
    public synchronized Multimap<String, String> findBundlesForUnloading(LoadData loadData,
                                                                         ServiceConfiguration conf) {
        Multimap<String, String> unloads = ArrayListMultimap.create();
        SheddingCore core = core(conf);
        if (core == null) {
            return unloads;
        }
        long now = clock.getAsLong();
        indexBundleNames(loadData);
        for (Move move : core.plan(PulsarSnapshots.of(loadData, core.config().weights(), now))) {
            unloads.put(move.from(), move.bundle());
            // The load manager logs the unload itself ("Unloading bundle"); this says why.
            LOG.info("[MagnetarLoadSheddingStrategy] Planned unload of {} from {} to {} ({})", move.bundle(),
                    move.from(), move.to(), move.reason().label());
            if (metrics != null) {
                unloadsPlanned.get(move.reason()).increment();
            }
        }
        splitWarnings.report(core.splitSuggestions(), now, core.config().dwellMillis());
        if (metrics != null) {
            cycles.increment();
        }
        lastObservedMillis = now;
        return unloads;
    }

    @Override
    public synchronized Optional<String> selectBroker(Set<String> candidates, BundleData bundleToAssign,
                                                      LoadData loadData, ServiceConfiguration conf) {
        SheddingCore core = core(conf);
        if (core == null) {
            return candidates.stream().sorted().findFirst();
        }
        long now = clock.getAsLong();
        // (lastObservedMillis starts at Long.MIN_VALUE: the subtraction alone would overflow and never observe.)
        if (lastObservedMillis == Long.MIN_VALUE || now - lastObservedMillis >= OBSERVE_INTERVAL_MILLIS) {
            indexBundleNames(loadData);
            core.observe(PulsarSnapshots.of(loadData, core.config().weights(), now));
            lastObservedMillis = now;
        }
        String name = bundleNames.get(bundleToAssign);
        if (name == null) {
            indexBundleNames(loadData); // a bundle the load manager has just added
            name = bundleNames.get(bundleToAssign);
        }
        TimeAverageMessageData shortTerm = bundleToAssign.getShortTermData();
        double throughput = shortTerm.getMsgThroughputIn() + shortTerm.getMsgThroughputOut();
        if (metrics != null) {
            placements.increment();
        }
        return core.place(candidates, name, throughput, now);
    }

    @Override
    public synchronized void onActiveBrokersChange(Set<String> activeBrokers) {
        if (core != null) {
            core.retainBrokers(activeBrokers, clock.getAsLong());
        }
    }

    /**
     * Pulsar hands a strategy no PulsarService, so these go through the JVM-wide Prometheus registry that the
     * broker's {@code /metrics/} includes.
     */
    private void publishMetrics(String cluster) {
        metrics = new MagnetarMetrics("shedding", cluster);
        cycles = metrics.counter("cycles", "Shedding cycles run by Magnetar's strategy on this broker (the leader)");
        for (Move.Reason reason : Move.Reason.values()) {
            unloadsPlanned.put(reason, metrics.counter("unloads", "Bundle unloads Magnetar's strategy asked the load "
                    + "manager for, by reason", "reason", reason.label()));
        }
        placements = metrics.counter("placements", "Bundle placements decided by Magnetar's strategy");
        metrics.gauge("config_valid", "1 when the magnetarShedding* settings are valid; 0 means the strategy is "
                + "inactive (see the broker log)", () -> core == null ? 0 : 1);
        metrics.gauge("split_suggestions", "Bundles too hot for any broker in the latest cycle (split them: see the "
                + "broker log)", () -> splitSuggestions().size());
        metrics.gauge("predicted_peak_load_percent", "Highest broker load the strategy predicts, in percent",
                () -> Math.round(predicted().stream().mapToDouble(Double::doubleValue).max().orElse(0) * 100));
        metrics.gauge("predicted_mean_load_percent", "Mean broker load the strategy predicts, in percent",
                () -> Math.round(predicted().stream().mapToDouble(Double::doubleValue).average().orElse(0) * 100));
        if (!metrics.bindPrometheusRegistry(CollectorRegistry.defaultRegistry)) {
            LOG.info("Magnetar shedding metrics are already published by another strategy instance in this JVM");
        }
    }

    /** The latest cycle's bundles too hot for any broker (empty while inactive). */
    public synchronized List<Split> splitSuggestions() {
        return core == null ? List.of() : core.splitSuggestions();
    }

    private synchronized Collection<Double> predicted() {
        return core == null ? List.of() : core.predictedLoads(clock.getAsLong()).values();
    }

    private void indexBundleNames(LoadData loadData) {
        bundleNames.clear();
        loadData.getBundleData().forEach((name, data) -> bundleNames.put(data, name));
    }

    private SheddingCore core(ServiceConfiguration conf) {
        if (publishMetrics && metrics == null) {
            publishMetrics(conf.getClusterName());
        }
        SheddingConfig config = settings.get(conf);
        if (config == null) {
            return null;
        }
        if (core == null || !core.config().equals(config)) {
            core = new SheddingCore(config);
        }
        return core;
    }
}
