package io.magnetar.shedding.pulsar;

import com.google.common.collect.ArrayListMultimap;
import com.google.common.collect.Multimap;
import io.magnetar.shedding.Move;
import io.magnetar.shedding.SheddingConfig;
import io.magnetar.shedding.SheddingCore;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.loadbalance.LoadData;
import org.apache.pulsar.broker.loadbalance.LoadSheddingStrategy;
import org.apache.pulsar.broker.loadbalance.ModularLoadManagerStrategy;
import org.apache.pulsar.policies.data.loadbalancer.BundleData;
import org.apache.pulsar.policies.data.loadbalancer.TimeAverageMessageData;

/**
 * {@link SheddingCore} behind {@code ModularLoadManagerImpl}: set both {@code loadBalancerLoadSheddingStrategy} and
 * {@code loadBalancerLoadPlacementStrategy} to this class (the load manager then uses one instance for both, so the
 * destinations planned while shedding are the ones placement returns).
 */
public final class MagnetarLoadSheddingStrategy implements LoadSheddingStrategy, ModularLoadManagerStrategy {
    /** Placement between shedding cycles re-reads the load data at most this often. */
    private static final long OBSERVE_INTERVAL_MILLIS = 10_000;

    private final LongSupplier clock;
    private final PulsarSheddingConfig settings = new PulsarSheddingConfig();
    /** Placement gets a BundleData, not a name: the load manager hands back the same objects it holds by name. */
    private final Map<BundleData, String> bundleNames = new IdentityHashMap<>();
    private SheddingCore core;
    private long lastObservedMillis = Long.MIN_VALUE;

    public MagnetarLoadSheddingStrategy() {
        this(System::currentTimeMillis);
    }

    /** With the simulator's clock. */
    public MagnetarLoadSheddingStrategy(LongSupplier clock) {
        this.clock = clock;
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
        if (now - lastObservedMillis >= OBSERVE_INTERVAL_MILLIS) {
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
        return core.place(candidates, name, throughput, now);
    }

    @Override
    public synchronized void onActiveBrokersChange(Set<String> activeBrokers) {
        if (core != null) {
            core.retainBrokers(activeBrokers, clock.getAsLong());
        }
    }

    private void indexBundleNames(LoadData loadData) {
        bundleNames.clear();
        loadData.getBundleData().forEach((name, data) -> bundleNames.put(data, name));
    }

    private SheddingCore core(ServiceConfiguration conf) {
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
