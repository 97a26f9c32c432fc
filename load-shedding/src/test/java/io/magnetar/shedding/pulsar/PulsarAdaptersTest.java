package io.magnetar.shedding.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.Multimap;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.loadbalance.LoadData;
import org.apache.pulsar.broker.loadbalance.extensions.BrokerRegistry;
import org.apache.pulsar.broker.loadbalance.extensions.LoadManagerContext;
import org.apache.pulsar.broker.loadbalance.extensions.data.BrokerLoadData;
import org.apache.pulsar.broker.loadbalance.extensions.data.TopBundlesLoadData;
import org.apache.pulsar.broker.loadbalance.extensions.models.UnloadDecision;
import org.apache.pulsar.broker.loadbalance.extensions.store.LoadDataStore;
import org.apache.pulsar.policies.data.loadbalancer.BrokerData;
import org.apache.pulsar.policies.data.loadbalancer.BundleData;
import org.apache.pulsar.policies.data.loadbalancer.LocalBrokerData;
import org.apache.pulsar.policies.data.loadbalancer.NamespaceBundleStats;
import org.apache.pulsar.policies.data.loadbalancer.ResourceUsage;
import org.apache.pulsar.policies.data.loadbalancer.SystemResourceUsage;
import org.junit.jupiter.api.Test;

/** The adapters on hand-built load data, as the load managers pass it; no broker. */
class PulsarAdaptersTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final double MB = 1024 * 1024;

    private static SystemResourceUsage usage(double cpuPercent) {
        SystemResourceUsage usage = new SystemResourceUsage();
        usage.cpu = new ResourceUsage(cpuPercent, 100);
        usage.memory = new ResourceUsage(30, 100);
        usage.directMemory = new ResourceUsage(5, 100);
        usage.bandwidthIn = new ResourceUsage(1, 100);
        usage.bandwidthOut = new ResourceUsage(1, 100);
        return usage;
    }

    private static NamespaceBundleStats stats(double mbPerSecond) {
        NamespaceBundleStats stats = new NamespaceBundleStats();
        stats.msgThroughputIn = mbPerSecond * MB / 2;
        stats.msgThroughputOut = mbPerSecond * MB / 2;
        stats.msgRateIn = mbPerSecond * 500;
        stats.msgRateOut = mbPerSecond * 500;
        return stats;
    }

    private static String bundle(int i) {
        return "tenant/ns" + i + "/0x00000000_0xffffffff";
    }

    /** Broker a: 12 bundles at 70 % CPU; broker b: none at 2 %. */
    private static LoadData modularLoadData() {
        return modularLoadData(0, 70);
    }

    /** As above, the first bundle {@code firstExtraMb} MB/s larger and broker a at {@code cpuOfA} % CPU. */
    private static LoadData modularLoadData(double firstExtraMb, double cpuOfA) {
        LoadData loadData = new LoadData();
        Map<String, NamespaceBundleStats> onA = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            NamespaceBundleStats stats = stats(4 + i * 0.25 + (i == 0 ? firstExtraMb : 0));
            onA.put(bundle(i), stats);
            BundleData data = new BundleData(10, 1000, stats);
            data.update(stats);
            loadData.getBundleData().put(bundle(i), data);
        }
        LocalBrokerData a = new LocalBrokerData();
        a.update(usage(cpuOfA), onA);
        a.setLastUpdate(NOW);
        LocalBrokerData b = new LocalBrokerData();
        b.update(usage(2), new HashMap<>());
        b.setLastUpdate(NOW);
        loadData.getBrokerData().put("a:8080", new BrokerData(a));
        loadData.getBrokerData().put("b:8080", new BrokerData(b));
        return loadData;
    }

    @Test
    void modularStrategyUnloadsFromTheHotBrokerAndPlacesWhereItPlanned() {
        MagnetarLoadSheddingStrategy strategy = new MagnetarLoadSheddingStrategy(() -> NOW);
        LoadData loadData = modularLoadData();
        ServiceConfiguration conf = new ServiceConfiguration();

        Multimap<String, String> unloads = strategy.findBundlesForUnloading(loadData, conf);

        assertFalse(unloads.isEmpty());
        assertEquals(Set.of("a:8080"), unloads.keySet());
        for (String bundle : unloads.get("a:8080")) {
            // ModularLoadManagerImpl keeps the source among the candidates.
            Optional<String> to = strategy.selectBroker(Set.of("a:8080", "b:8080"),
                    loadData.getBundleData().get(bundle), loadData, conf);
            assertEquals(Optional.of("b:8080"), to);
        }
        assertTrue(unloads.size() <= 8, "unloaded " + unloads.size() + " of 12 to balance two brokers");
    }

    @Test
    void modularStrategySuggestsSplittingABundleTooHotForAnyBroker() {
        MagnetarLoadSheddingStrategy strategy = new MagnetarLoadSheddingStrategy(() -> NOW);
        // bundle 0 carries 200 of a's 254 MB/s at 95 % CPU: about 75 % alone, against a balanced level near 48 %
        LoadData loadData = modularLoadData(196, 95);

        Multimap<String, String> unloads = strategy.findBundlesForUnloading(loadData, new ServiceConfiguration());

        assertEquals(1, strategy.splitSuggestions().size(), "suggested " + strategy.splitSuggestions());
        assertEquals(bundle(0), strategy.splitSuggestions().get(0).bundle());
        assertEquals("a:8080", strategy.splitSuggestions().get(0).broker());
        assertFalse(unloads.isEmpty(), "the other bundles still leave the hot broker");
        assertFalse(unloads.containsValue(bundle(0)), "moving the hot bundle only moves the hot spot");
    }

    @Test
    void modularPlacementBeforeAnySheddingCycleReadsTheLoadData() {
        // Shedding off (or not run yet): placement alone must still see that a is loaded and b empty.
        MagnetarLoadSheddingStrategy strategy = new MagnetarLoadSheddingStrategy(() -> NOW);
        LoadData loadData = modularLoadData();
        ServiceConfiguration conf = new ServiceConfiguration();
        BundleData newBundle = new BundleData(10, 1000, stats(4));
        loadData.getBundleData().put(bundle(99), newBundle);

        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.of("b:8080"), strategy.selectBroker(Set.of("a:8080", "b:8080"), newBundle,
                    loadData, conf));
        }
    }

    @Test
    void modularStrategyWithABadKeyUnloadsNothingAndStillPlaces() {
        MagnetarLoadSheddingStrategy strategy = new MagnetarLoadSheddingStrategy(() -> NOW);
        LoadData loadData = modularLoadData();
        ServiceConfiguration conf = new ServiceConfiguration();
        conf.getProperties().setProperty("magnetarSheddingTriggerPercent", "often");

        assertTrue(strategy.findBundlesForUnloading(loadData, conf).isEmpty());
        assertTrue(strategy.selectBroker(Set.of("a:8080", "b:8080"), loadData.getBundleData().get(bundle(0)),
                loadData, conf).isPresent());
    }

    @Test
    void extensibleStrategyTransfersToThePlannedBroker() {
        ServiceConfiguration conf = new ServiceConfiguration();
        LoadManagerContext context = extensibleContext(conf, NOW);

        Set<UnloadDecision> decisions = new MagnetarNamespaceUnloadStrategy(() -> NOW)
                .findBundlesForUnloading(context, new HashMap<>(), new HashMap<>());

        assertFalse(decisions.isEmpty());
        for (UnloadDecision decision : decisions) {
            assertEquals(UnloadDecision.Label.Success, decision.getLabel());
            assertEquals("a:8080", decision.getUnload().sourceBroker());
            assertEquals(Optional.of("b:8080"), decision.getUnload().destBroker());
        }
    }

    @Test
    void extensibleStrategyKeepsItsMovesInFlightUntilAReportWrittenAfterThemShowsThem() {
        ServiceConfiguration conf = new ServiceConfiguration();
        // BrokerLoadData.update stamps updatedAt (the measurement time the adapter reads) from the wall clock; the
        // stored reportedAt is the previous write's time.
        long written = System.currentTimeMillis();
        LoadManagerContext context = extensibleContext(conf, written - 600_000);
        long[] clock = {written + 5_000};
        MagnetarNamespaceUnloadStrategy strategy = new MagnetarNamespaceUnloadStrategy(() -> clock[0]);

        assertFalse(strategy.findBundlesForUnloading(context, new HashMap<>(), new HashMap<>()).isEmpty());
        clock[0] = written + 65_000; // next cycle, no report written since: the moves are still in flight
        Set<UnloadDecision> again = strategy.findBundlesForUnloading(context, new HashMap<>(), new HashMap<>());

        assertTrue(again.isEmpty(), "planned onto b again: " + again);
    }

    @Test
    void extensibleStrategyKeepsARegisteredBrokerWhoseLoadDataIsBrieflyTombstoned() {
        // a hot, b and c empty; the first cycle moves bundles onto both. Before the next cycle b gains a bundle,
        // and its reporter removes its entries from both stores until its next report: b is still registered.
        ServiceConfiguration conf = new ServiceConfiguration();
        long written = System.currentTimeMillis();
        MapStore<BrokerLoadData> brokers = new MapStore<>();
        MapStore<TopBundlesLoadData> bundles = new MapStore<>();
        TopBundlesLoadData topOfA = new TopBundlesLoadData();
        double total = 0;
        for (int i = 0; i < 10; i++) {
            NamespaceBundleStats stats = stats(4 + i * 0.25);
            total += stats.msgThroughputIn + stats.msgThroughputOut;
            topOfA.getTopBundlesLoadData().add(new TopBundlesLoadData.BundleLoadData(bundle(i), stats));
        }
        BrokerLoadData a = new BrokerLoadData();
        a.update(usage(70), total / 2, total / 2, 1000, 1000, 10, 10, conf);
        brokers.pushAsync("a:8080", a);
        bundles.pushAsync("a:8080", topOfA);
        for (String idle : List.of("b:8080", "c:8080")) {
            BrokerLoadData data = new BrokerLoadData();
            data.update(usage(2), 0, 0, 0, 0, 0, 0, conf);
            brokers.pushAsync(idle, data);
        }
        LoadManagerContext context = context(conf, brokers, bundles, List.of("a:8080", "b:8080", "c:8080"));
        long[] clock = {written + 5_000};
        MagnetarNamespaceUnloadStrategy strategy = new MagnetarNamespaceUnloadStrategy(() -> clock[0]);
        Set<UnloadDecision> first = strategy.findBundlesForUnloading(context, new HashMap<>(), new HashMap<>());
        assertTrue(first.stream().anyMatch(d -> d.getUnload().destBroker().equals(Optional.of("b:8080"))),
                first.toString());

        brokers.removeAsync("b:8080");
        clock[0] = written + 65_000;
        Set<UnloadDecision> again = strategy.findBundlesForUnloading(context, new HashMap<>(), new HashMap<>());

        assertTrue(again.isEmpty(), "the moves onto b were forgotten and made again elsewhere: " + again);
    }

    /** The stores, and a registry listing {@code registered} (null: a registry that cannot answer). */
    private static LoadManagerContext context(ServiceConfiguration conf, MapStore<BrokerLoadData> brokers,
                                              MapStore<TopBundlesLoadData> bundles, List<String> registered) {
        BrokerRegistry registry = (BrokerRegistry) java.lang.reflect.Proxy.newProxyInstance(
                BrokerRegistry.class.getClassLoader(), new Class<?>[] {BrokerRegistry.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getAvailableBrokersAsync") && registered != null) {
                        return CompletableFuture.completedFuture(new java.util.ArrayList<>(registered));
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new LoadManagerContext() {
            public ServiceConfiguration brokerConfiguration() {
                return conf;
            }

            public LoadDataStore<BrokerLoadData> brokerLoadDataStore() {
                return brokers;
            }

            public LoadDataStore<TopBundlesLoadData> topBundleLoadDataStore() {
                return bundles;
            }

            public BrokerRegistry brokerRegistry() {
                return registry;
            }
        };
    }

    /** Broker a with 10 bundles at 70 % CPU, b empty at 2 %, both reports written at {@code reportedAt}. */
    private static LoadManagerContext extensibleContext(ServiceConfiguration conf, long reportedAt) {
        MapStore<BrokerLoadData> brokers = new MapStore<>();
        MapStore<TopBundlesLoadData> bundles = new MapStore<>();
        TopBundlesLoadData topOfA = new TopBundlesLoadData();
        double total = 0;
        for (int i = 0; i < 10; i++) {
            NamespaceBundleStats stats = stats(4 + i * 0.25);
            total += stats.msgThroughputIn + stats.msgThroughputOut;
            topOfA.getTopBundlesLoadData().add(new TopBundlesLoadData.BundleLoadData(bundle(i), stats));
        }
        BrokerLoadData a = new BrokerLoadData();
        a.update(usage(70), total / 2, total / 2, 1000, 1000, 10, 10, conf);
        BrokerLoadData b = new BrokerLoadData();
        b.update(usage(2), 0, 0, 0, 0, 0, 0, conf);
        a.setReportedAt(reportedAt);
        b.setReportedAt(reportedAt);
        brokers.pushAsync("a:8080", a);
        brokers.pushAsync("b:8080", b);
        bundles.pushAsync("a:8080", topOfA);
        return context(conf, brokers, bundles, null);
    }

    private static final class MapStore<T> implements LoadDataStore<T> {
        private final Map<String, T> map = new HashMap<>();

        public CompletableFuture<Void> pushAsync(String key, T loadData) {
            map.put(key, loadData);
            return CompletableFuture.completedFuture(null);
        }

        public CompletableFuture<Void> removeAsync(String key) {
            map.remove(key);
            return CompletableFuture.completedFuture(null);
        }

        public Optional<T> get(String key) {
            return Optional.ofNullable(map.get(key));
        }

        public void forEach(BiConsumer<String, T> action) {
            map.forEach(action);
        }

        public Set<Map.Entry<String, T>> entrySet() {
            return map.entrySet();
        }

        public int size() {
            return map.size();
        }

        public void closeTableView() {
        }

        public void start() {
        }

        public void init() throws IOException {
        }

        public void startTableView() {
        }

        public void startProducer() {
        }

        public void close() {
        }
    }
}
