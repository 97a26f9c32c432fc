package io.magnetar.shedding.pulsar;

import io.magnetar.shedding.Move;
import io.magnetar.shedding.SheddingConfig;
import io.magnetar.shedding.SheddingCore;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.loadbalance.extensions.LoadManagerContext;
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
        var snapshot = PulsarSnapshots.of(context.brokerLoadDataStore(), context.topBundleLoadDataStore(),
                config.weights(), now);
        for (Move move : core.plan(snapshot)) {
            UnloadDecision decision = new UnloadDecision();
            decision.setUnload(new Unload(move.from(), move.bundle(), Optional.of(move.to())));
            decision.succeed(UnloadDecision.Reason.Overloaded);
            decisions.add(decision);
        }
        splitWarnings.report(core.splitSuggestions(), now, config.dwellMillis());
        return decisions;
    }
}
