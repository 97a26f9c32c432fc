package io.magnetar.shedding.pulsar;

import io.magnetar.shedding.Move;
import io.magnetar.shedding.SheddingConfig;
import io.magnetar.shedding.SheddingCore;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.loadbalance.extensions.LoadManagerContext;
import org.apache.pulsar.broker.loadbalance.extensions.data.BrokerLoadData;
import org.apache.pulsar.broker.loadbalance.extensions.data.TopBundlesLoadData;
import org.apache.pulsar.broker.loadbalance.extensions.models.Unload;
import org.apache.pulsar.broker.loadbalance.extensions.models.UnloadDecision;
import org.apache.pulsar.broker.loadbalance.extensions.scheduler.NamespaceUnloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SheddingCore} behind {@code ExtensibleLoadManagerImpl}: set {@code loadBalancerLoadSheddingStrategy} to this
 * class. Every decision is a transfer to the planned broker. The extensible load manager reports only the top
 * {@code loadBalancerMaxNumberOfBundlesInBundleLoadReport} bundles per broker; the rest of a broker's throughput is
 * counted as load that cannot move.
 */
public final class MagnetarNamespaceUnloadStrategy implements NamespaceUnloadStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(MagnetarNamespaceUnloadStrategy.class);
    private final LongSupplier clock;
    private final PulsarSheddingConfig settings = new PulsarSheddingConfig();
    private final SplitWarnings splitWarnings = new SplitWarnings(LOG);
    private SheddingCore core;
    private final Map<String, BrokerLoadData> lastBrokerData = new HashMap<>();
    private final Map<String, TopBundlesLoadData> lastTopBundles = new HashMap<>();

    public MagnetarNamespaceUnloadStrategy() {
        this(System::currentTimeMillis);
    }

    /** With the simulator's clock. */
    public MagnetarNamespaceUnloadStrategy(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void initialize(PulsarService pulsar) {
        // Everything needed comes with each call's context.
    }

    @Override
    public synchronized Set<UnloadDecision> findBundlesForUnloading(LoadManagerContext context,
                                                                    Map<String, Long> recentlyUnloadedBundles,
                                                                    Map<String, Long> recentlyUnloadedBrokers) {
        Set<UnloadDecision> decisions = new HashSet<>();
        SheddingConfig config = settings.get(context.brokerConfiguration());
        if (config == null) {
            return decisions;
        }
        if (core == null || !core.config().equals(config)) {
            core = new SheddingCore(config);
        }
        long now = clock.getAsLong();
        var snapshot = PulsarSnapshots.of(brokerData(context), topBundles(context), config.weights(), now);
        for (Move move : core.plan(snapshot)) {
            LOG.info("[MagnetarNamespaceUnloadStrategy] Transferring bundle: {} from {} to {} ({})", move.bundle(),
                    move.from(), move.to(), move.reason().label());
            UnloadDecision decision = new UnloadDecision();
            decision.setUnload(new Unload(move.from(), move.bundle(), Optional.of(move.to())));
            decision.succeed(UnloadDecision.Reason.Overloaded);
            decisions.add(decision);
        }
        splitWarnings.report(core.splitSuggestions(), now, config.dwellMillis());
        return decisions;
    }

    /**
     * The load data store's contents, plus the last data seen of a broker that is still registered but missing from
     * the store: a broker's reporter tombstones its entry on every bundle it gains or releases and writes it again
     * at its next report (5 s), and a cycle in that gap must not take the broker for one that left.
     */
    private Map<String, BrokerLoadData> brokerData(LoadManagerContext context) {
        Map<String, BrokerLoadData> data = new TreeMap<>();
        context.brokerLoadDataStore().forEach(data::put);
        Set<String> registered = registeredBrokers(context);
        lastBrokerData.keySet().retainAll(registered == null ? data.keySet() : registered);
        lastBrokerData.putAll(data);
        if (registered != null) {
            for (String broker : registered) {
                if (!data.containsKey(broker) && lastBrokerData.containsKey(broker)) {
                    data.put(broker, lastBrokerData.get(broker));
                }
            }
        }
        return data;
    }

    /** The top-bundles store's contents, with the last listing seen of a registered broker whose entry is gone. */
    private Map<String, TopBundlesLoadData> topBundles(LoadManagerContext context) {
        Map<String, TopBundlesLoadData> top = new TreeMap<>();
        context.topBundleLoadDataStore().forEach(top::put);
        lastTopBundles.keySet().retainAll(lastBrokerData.keySet());
        lastTopBundles.putAll(top);
        for (String broker : lastBrokerData.keySet()) {
            if (!top.containsKey(broker) && lastTopBundles.containsKey(broker)) {
                top.put(broker, lastTopBundles.get(broker));
            }
        }
        return top;
    }

    /** The brokers the registry lists as available, or null when it cannot tell (then the store alone counts). */
    private static Set<String> registeredBrokers(LoadManagerContext context) {
        try {
            return new HashSet<>(context.brokerRegistry().getAvailableBrokersAsync().get(5, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            LOG.debug("Broker registry unavailable; using the load data store alone", e);
            return null;
        }
    }
}
