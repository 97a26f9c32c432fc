package io.magnetar.bench.shedding;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.loadbalance.extensions.BrokerRegistry;
import org.apache.pulsar.broker.loadbalance.extensions.LoadManagerContext;
import org.apache.pulsar.broker.loadbalance.extensions.data.BrokerLoadData;
import org.apache.pulsar.broker.loadbalance.extensions.data.BrokerLookupData;
import org.apache.pulsar.broker.loadbalance.extensions.data.TopBundlesLoadData;
import org.apache.pulsar.broker.loadbalance.extensions.models.Unload;
import org.apache.pulsar.broker.loadbalance.extensions.models.UnloadDecision;
import org.apache.pulsar.broker.loadbalance.extensions.scheduler.NamespaceUnloadStrategy;
import org.apache.pulsar.broker.loadbalance.extensions.store.LoadDataStore;
import org.apache.pulsar.broker.loadbalance.extensions.strategy.LeastResourceUsageWithWeight;
import org.apache.pulsar.policies.data.loadbalancer.NamespaceBundleStats;

/**
 * A {@link NamespaceUnloadStrategy} under a re-enactment of {@code ExtensibleLoadManagerImpl} 4.0.7: the broker load
 * reporter runs every 5 s (advancing the load EMA each run) and publishes when the report changed enough or 15 min
 * passed; the top-bundles reporter publishes the top {@code loadBalancerMaxNumberOfBundlesInBundleLoadReport}
 * bundles when the stats refresh; the unload scheduler runs every minute with its grace period and per-broker
 * records (the cool-down is measured from report time, as TransferShedder does); placement is the extensible load
 * manager's fixed LeastResourceUsageWithWeight.
 */
final class ExtensiblePolicy implements SheddingPolicy {
    private final String name;
    private final NamespaceUnloadStrategy strategy;
    private final LeastResourceUsageWithWeight placement = new LeastResourceUsageWithWeight();
    private final ServiceConfiguration conf;
    private final MapStore<BrokerLoadData> brokerStore = new MapStore<>();
    private final MapStore<TopBundlesLoadData> bundleStore = new MapStore<>();
    private final Map<String, BrokerLoadData> local = new HashMap<>();
    private final Map<String, BrokerLoadData> lastPublished = new HashMap<>();
    private final Map<String, Long> publishedAt = new HashMap<>();
    private final Map<String, Long> recentlyUnloadedBundles = new HashMap<>();
    private final Map<String, Long> recentlyUnloadedBrokers = new HashMap<>();
    private final Set<String> alive = new HashSet<>();
    private final LoadManagerContext context;
    private final boolean simulatedUpdatedAt;

    /**
     * @param simulatedUpdatedAt stamp {@code updatedAt} in simulated time and leave {@code reportedAt} at the
     *     previous write's time, as the real reporter's store holds them; false for TransferShedder, which compares
     *     {@code updatedAt} with the wall clock (there both stay as {@link BrokerLoadData#update} leaves them, and
     *     {@code reportedAt} is the simulated write time)
     */
    ExtensiblePolicy(String name, NamespaceUnloadStrategy strategy, ServiceConfiguration conf,
                     boolean simulatedUpdatedAt) {
        this.name = name;
        this.strategy = strategy;
        this.conf = conf;
        this.simulatedUpdatedAt = simulatedUpdatedAt;
        BrokerRegistry registry = (BrokerRegistry) java.lang.reflect.Proxy.newProxyInstance(
                BrokerRegistry.class.getClassLoader(), new Class<?>[] {BrokerRegistry.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getAvailableBrokerLookupDataAsync")) {
                        Map<String, BrokerLookupData> lookup = new TreeMap<>();
                        for (String broker : alive) {
                            lookup.put(broker, new BrokerLookupData("http://" + broker, null, "pulsar://" + broker,
                                    null, Map.of(), Map.of(), true, false,
                                    "org.apache.pulsar.broker.loadbalance.extensions.ExtensibleLoadManagerImpl",
                                    0, "4.0.7", Map.of()));
                        }
                        return CompletableFuture.completedFuture(lookup);
                    }
                    if (method.getName().equals("getAvailableBrokersAsync")) {
                        return CompletableFuture.completedFuture(new ArrayList<>(alive));
                    }
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> "simulated BrokerRegistry";
                        };
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        this.context = new LoadManagerContext() {
            @Override
            public ServiceConfiguration brokerConfiguration() {
                return conf;
            }

            @Override
            public LoadDataStore<BrokerLoadData> brokerLoadDataStore() {
                return brokerStore;
            }

            @Override
            public LoadDataStore<TopBundlesLoadData> topBundleLoadDataStore() {
                return bundleStore;
            }

            @Override
            public BrokerRegistry brokerRegistry() {
                return registry;
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void onReporterTick(World.Sample sample, boolean fresh, long now) {
        String broker = sample.broker();
        alive.add(broker);
        BrokerLoadData data = local.computeIfAbsent(broker, b -> new BrokerLoadData());
        data.update(ModularPolicy.systemUsage(sample), sample.throughputIn(), sample.throughputOut(),
                sample.rateIn(), sample.rateOut(), sample.bundles().size(), sample.bundles().size() * 4L, conf);
        BrokerLoadData last = lastPublished.get(broker);
        if (last == null || needBrokerDataUpdate(broker, last, data, now)) {
            BrokerLoadData copy = new BrokerLoadData();
            copy.update(data);
            if (simulatedUpdatedAt) {
                // BrokerLoadDataReporter measures (updatedAt) just before it writes; it sets reportedAt only once the
                // push completed, so the stored value is the previous write's time (0 for the first).
                setUpdatedAt(copy, now);
                Long previous = publishedAt.get(broker);
                copy.setReportedAt(previous == null ? 0 : previous);
            } else {
                copy.setReportedAt(now);
            }
            brokerStore.pushAsync(broker, copy);
            BrokerLoadData previous = new BrokerLoadData();
            previous.update(data);
            lastPublished.put(broker, previous);
            publishedAt.put(broker, now);
        }
        if (fresh) {
            bundleStore.pushAsync(broker, topBundles(sample.bundles()));
        }
    }

    /** BrokerLoadData has no setter for updatedAt: {@code update} stamps the wall clock. */
    private static void setUpdatedAt(BrokerLoadData data, long at) {
        try {
            java.lang.reflect.Field field = BrokerLoadData.class.getDeclaredField("updatedAt");
            field.setAccessible(true);
            field.setLong(data, at);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private TopBundlesLoadData topBundles(Map<String, NamespaceBundleStats> stats) {
        List<Map.Entry<String, NamespaceBundleStats>> entries = new ArrayList<>();
        for (Map.Entry<String, NamespaceBundleStats> e : stats.entrySet()) {
            if (e.getValue().msgThroughputIn + e.getValue().msgThroughputOut > 0) {
                entries.add(e);
            }
        }
        entries.sort((a, b) -> b.getValue().compareTo(a.getValue()));
        int k = Math.min(conf.getLoadBalancerMaxNumberOfBundlesInBundleLoadReport(), entries.size());
        TopBundlesLoadData top = new TopBundlesLoadData();
        // TopKBundles lists the k highest in ascending order.
        for (int i = k - 1; i >= 0; i--) {
            top.getTopBundlesLoadData().add(
                    new TopBundlesLoadData.BundleLoadData(entries.get(i).getKey(), entries.get(i).getValue()));
        }
        return top;
    }

    private boolean needBrokerDataUpdate(String broker, BrokerLoadData last, BrokerLoadData now, long at) {
        if (at - publishedAt.get(broker)
                > TimeUnit.MINUTES.toMillis(conf.getLoadBalancerReportUpdateMaxIntervalMinutes())) {
            return true;
        }
        double maxChange = Math.max(100.0 * Math.abs(last.getMaxResourceUsage() - now.getMaxResourceUsage()),
                Math.max(percentChange(last.getMsgRateIn() + last.getMsgRateOut(),
                                now.getMsgRateIn() + now.getMsgRateOut()),
                        Math.max(percentChange(last.getMsgThroughputIn() + last.getMsgThroughputOut(),
                                        now.getMsgThroughputIn() + now.getMsgThroughputOut()),
                                percentChange(last.getBundleCount(), now.getBundleCount()))));
        return maxChange > conf.getLoadBalancerReportUpdateThresholdPercentage();
    }

    private static double percentChange(double oldValue, double newValue) {
        if (oldValue == 0) {
            return newValue == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return 100 * Math.abs((oldValue - newValue) / oldValue);
    }

    @Override
    public void onBrokerLeft(String broker, long now) {
        alive.remove(broker);
        local.remove(broker);
        lastPublished.remove(broker);
        publishedAt.remove(broker);
        brokerStore.removeAsync(broker);
        bundleStore.removeAsync(broker);
        recentlyUnloadedBrokers.remove(broker);
    }

    @Override
    public List<Transfer> shed(long now) {
        List<Transfer> transfers = new ArrayList<>();
        long timeout = now - TimeUnit.MINUTES.toMillis(conf.getLoadBalancerSheddingGracePeriodMinutes());
        recentlyUnloadedBundles.values().removeIf(at -> at < timeout);
        if (alive.size() <= 1) {
            return transfers;
        }
        // The strategy compares these with report timestamps taken from the wall clock: translate simulated time.
        Map<String, Long> brokersArg = new HashMap<>();
        recentlyUnloadedBrokers.forEach((broker, at) -> {
            Optional<BrokerLoadData> data = brokerStore.get(broker);
            Long published = publishedAt.get(broker);
            if (data.isPresent() && published != null) {
                brokersArg.put(broker, data.get().getUpdatedAt() - (published - at));
            }
        });
        Set<UnloadDecision> decisions = strategy.findBundlesForUnloading(context, recentlyUnloadedBundles,
                brokersArg);
        recentlyUnloadedBrokers.keySet().retainAll(brokersArg.keySet());
        for (UnloadDecision decision : decisions) {
            if (decision.getLabel() != UnloadDecision.Label.Success) {
                continue;
            }
            Unload unload = decision.getUnload();
            String to = unload.destBroker().orElseGet(() -> select(unload.sourceBroker()));
            if (to == null || to.equals(unload.sourceBroker())) {
                continue;
            }
            transfers.add(new Transfer(unload.serviceUnit(), unload.sourceBroker(), to));
            recentlyUnloadedBundles.put(unload.serviceUnit(), now);
            recentlyUnloadedBrokers.put(unload.sourceBroker(), now);
        }
        return transfers;
    }

    private String select(String excluded) {
        Set<String> candidates = new HashSet<>(alive);
        candidates.retainAll(publishedAt.keySet());
        if (excluded != null) {
            candidates.remove(excluded);
        }
        return placement.select(candidates, null, context).orElse(null);
    }

    @Override
    public String assign(String bundle, long now) {
        return select(null);
    }

    /** The load data stores, in memory. */
    static final class MapStore<T> implements LoadDataStore<T> {
        private final Map<String, T> map = new TreeMap<>();

        @Override
        public CompletableFuture<Void> pushAsync(String key, T loadData) {
            map.put(key, loadData);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> removeAsync(String key) {
            map.remove(key);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public Optional<T> get(String key) {
            return Optional.ofNullable(map.get(key));
        }

        @Override
        public void forEach(BiConsumer<String, T> action) {
            map.forEach(action);
        }

        @Override
        public Set<Map.Entry<String, T>> entrySet() {
            return Collections.unmodifiableMap(map).entrySet();
        }

        @Override
        public int size() {
            return map.size();
        }

        @Override
        public void closeTableView() {
        }

        @Override
        public void start() {
        }

        @Override
        public void init() throws IOException {
        }

        @Override
        public void startTableView() {
        }

        @Override
        public void startProducer() {
        }

        @Override
        public void close() {
        }
    }
}
