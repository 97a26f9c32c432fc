package io.magnetar.bench.shedding;

import com.google.common.collect.Multimap;
import io.magnetar.shedding.Split;
import io.magnetar.shedding.pulsar.MagnetarLoadSheddingStrategy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.loadbalance.LoadData;
import org.apache.pulsar.broker.loadbalance.LoadSheddingStrategy;
import org.apache.pulsar.broker.loadbalance.ModularLoadManagerStrategy;
import org.apache.pulsar.broker.loadbalance.impl.ModularLoadManagerImpl;
import org.apache.pulsar.policies.data.loadbalancer.BrokerData;
import org.apache.pulsar.policies.data.loadbalancer.BundleData;
import org.apache.pulsar.policies.data.loadbalancer.LocalBrokerData;
import org.apache.pulsar.policies.data.loadbalancer.NamespaceBundleStats;
import org.apache.pulsar.policies.data.loadbalancer.ResourceUsage;
import org.apache.pulsar.policies.data.loadbalancer.SystemResourceUsage;
import org.apache.pulsar.policies.data.loadbalancer.TimeAverageBrokerData;

/**
 * A shedding + placement strategy pair under a re-enactment of {@code ModularLoadManagerImpl} 4.0.7's leader:
 * brokers write a report when it changed by more than {@code loadBalancerReportUpdateThresholdPercentage} or
 * {@code loadBalancerReportUpdateMaxIntervalMinutes} passed; every write makes the leader update its
 * {@link LoadData} (bundle samples, time averages, preallocations, active-broker callbacks); {@code doLoadShedding}
 * asks the shedder, then places each bundle with the placement strategy (source broker kept a candidate, the
 * even-distribution filter applied, no preallocation, dest == source skipped, grace period kept); assignments after
 * a broker leaves go through {@code selectBrokerForAssignment} with preallocation.
 */
final class ModularPolicy implements SheddingPolicy {
    private final String name;
    private final LoadSheddingStrategy shedder;
    private final ModularLoadManagerStrategy placement;
    private final ServiceConfiguration conf;
    private final World world;
    private final LoadData loadData = new LoadData();
    private final Map<String, LocalBrokerData> written = new HashMap<>();
    private final Map<String, LocalBrokerData> sampled = new HashMap<>();
    private final Map<String, String> preallocatedBundleToBroker = new HashMap<>();
    private final Map<String, Set<String>> bundlesByBroker = new HashMap<>();
    private final Set<String> alive = new TreeSet<>();
    private final NamespaceBundleStats defaultStats = new NamespaceBundleStats();

    ModularPolicy(String name, LoadSheddingStrategy shedder, ModularLoadManagerStrategy placement,
                  ServiceConfiguration conf, World world) {
        this.name = name;
        this.shedder = shedder;
        this.placement = placement;
        this.conf = conf;
        this.world = world;
        defaultStats.msgThroughputIn = ModularLoadManagerImpl.DEFAULT_MESSAGE_THROUGHPUT;
        defaultStats.msgThroughputOut = ModularLoadManagerImpl.DEFAULT_MESSAGE_THROUGHPUT;
        defaultStats.msgRateIn = ModularLoadManagerImpl.DEFAULT_MESSAGE_RATE;
        defaultStats.msgRateOut = ModularLoadManagerImpl.DEFAULT_MESSAGE_RATE;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void onReporterTick(World.Sample sample, boolean fresh, long now) {
        alive.add(sample.broker());
        if (fresh || !sampled.containsKey(sample.broker())) {
            LocalBrokerData local = new LocalBrokerData();
            local.update(systemUsage(sample), sample.bundles());
            sampled.put(sample.broker(), local);
        }
        LocalBrokerData local = sampled.get(sample.broker());
        LocalBrokerData last = written.get(sample.broker());
        if (last == null || needBrokerDataUpdate(last, local, now)) {
            LocalBrokerData report = new LocalBrokerData();
            report.update(systemUsage(sample), sample.bundles());
            report.setLastUpdate(now);
            written.put(sample.broker(), report);
            updateAll();
        }
    }

    static SystemResourceUsage systemUsage(World.Sample sample) {
        SystemResourceUsage usage = new SystemResourceUsage();
        usage.cpu = new ResourceUsage(sample.cpuPercent(), 100);
        usage.memory = new ResourceUsage(30, 100);
        usage.directMemory = new ResourceUsage(10, 100);
        double nicKb = World.NIC_BYTES_PER_SECOND / 1024;
        usage.bandwidthIn = new ResourceUsage(sample.bandwidthInPercent() / 100 * nicKb, nicKb);
        usage.bandwidthOut = new ResourceUsage(sample.bandwidthOutPercent() / 100 * nicKb, nicKb);
        return usage;
    }

    private boolean needBrokerDataUpdate(LocalBrokerData last, LocalBrokerData local, long now) {
        if (now - last.getLastUpdate() > TimeUnit.MINUTES.toMillis(conf.getLoadBalancerReportUpdateMaxIntervalMinutes())) {
            return true;
        }
        double maxChange = Math.max(
                Math.max(percentChange(last.getMsgRateIn() + last.getMsgRateOut(),
                                local.getMsgRateIn() + local.getMsgRateOut()),
                        percentChange(last.getMsgThroughputIn() + last.getMsgThroughputOut(),
                                local.getMsgThroughputIn() + local.getMsgThroughputOut())),
                Math.max(percentChange(last.getNumBundles(), local.getNumBundles()),
                        100.0 * Math.abs(maxUsage(last) - maxUsage(local))));
        return maxChange > conf.getLoadBalancerReportUpdateThresholdPercentage();
    }

    private static double percentChange(double oldValue, double newValue) {
        if (oldValue == 0) {
            return newValue == 0 ? 0 : Double.POSITIVE_INFINITY;
        }
        return 100 * Math.abs((oldValue - newValue) / oldValue);
    }

    private double maxUsage(LocalBrokerData data) {
        return data.getMaxResourceUsageWithWeight(conf.getLoadBalancerCPUResourceWeight(),
                conf.getLoadBalancerDirectMemoryResourceWeight(), conf.getLoadBalancerBandwidthInResourceWeight(),
                conf.getLoadBalancerBandwidthOutResourceWeight());
    }

    /** The leader's updateAll, run on every report notification. */
    private void updateAll() {
        Set<String> active = activeBrokers();
        shedder.onActiveBrokersChange(active);
        placement.onActiveBrokersChange(active);
        Map<String, BrokerData> brokerData = loadData.getBrokerData();
        for (String broker : active) {
            BrokerData data = brokerData.get(broker);
            if (data == null) {
                brokerData.put(broker, new BrokerData(written.get(broker)));
            } else {
                data.setLocalData(written.get(broker));
            }
        }
        brokerData.keySet().retainAll(active);

        Map<String, BundleData> bundleData = loadData.getBundleData();
        Set<String> activeBundles = new HashSet<>();
        String leader = active.isEmpty() ? null : active.iterator().next();
        for (Map.Entry<String, BrokerData> entry : brokerData.entrySet()) {
            String broker = entry.getKey();
            BrokerData data = entry.getValue();
            Map<String, NamespaceBundleStats> stats = data.getLocalData().getLastStats();
            for (Map.Entry<String, NamespaceBundleStats> e : stats.entrySet()) {
                activeBundles.add(e.getKey());
                BundleData known = bundleData.get(e.getKey());
                if (known != null) {
                    known.update(e.getValue());
                } else {
                    BundleData fresh = new BundleData(ModularLoadManagerImpl.NUM_SHORT_SAMPLES,
                            ModularLoadManagerImpl.NUM_LONG_SAMPLES, defaultStats);
                    fresh.update(e.getValue());
                    bundleData.put(e.getKey(), fresh);
                }
            }
            Map<String, BundleData> preallocated = data.getPreallocatedBundleData();
            preallocatedBundleToBroker.keySet().removeAll(preallocated.keySet());
            Iterator<String> it = preallocated.keySet().iterator();
            while (it.hasNext()) {
                String bundle = it.next();
                World.Bundle owned = world.bundles.get(bundle);
                boolean leaderOwns = owned != null && leader != null && leader.equals(owned.owner);
                if (!leaderOwns || (data.getLocalData().getBundles().contains(bundle)
                        && bundleData.containsKey(bundle))) {
                    it.remove();
                }
            }
            TimeAverageBrokerData average = new TimeAverageBrokerData();
            average.reset(stats.keySet(), bundleData, defaultStats);
            data.setTimeAverageData(average);
            Set<String> ranges = new HashSet<>(stats.keySet());
            ranges.addAll(preallocated.keySet());
            bundlesByBroker.put(broker, ranges);
        }
        bundlesByBroker.keySet().retainAll(active);
        bundleData.keySet().retainAll(activeBundles);
    }

    private Set<String> activeBrokers() {
        Set<String> active = new TreeSet<>(alive);
        active.retainAll(written.keySet());
        return active;
    }

    @Override
    public void onBrokerLeft(String broker, long now) {
        alive.remove(broker);
        written.remove(broker);
        sampled.remove(broker);
        preallocatedBundleToBroker.values().removeIf(broker::equals);
        updateAll();
    }

    @Override
    public List<Transfer> shed(long now) {
        List<Transfer> transfers = new ArrayList<>();
        Set<String> active = activeBrokers();
        if (active.size() <= 1) {
            return transfers;
        }
        long timeout = now - TimeUnit.MINUTES.toMillis(conf.getLoadBalancerSheddingGracePeriodMinutes());
        Map<String, Long> recentlyUnloaded = loadData.getRecentlyUnloadedBundles();
        recentlyUnloaded.values().removeIf(at -> at < timeout);
        Multimap<String, String> bundlesToUnload = shedder.findBundlesForUnloading(loadData, conf);
        for (Map.Entry<String, Collection<String>> entry : bundlesToUnload.asMap().entrySet()) {
            String broker = entry.getKey();
            for (String bundle : entry.getValue()) {
                Optional<String> dest = selectBroker(bundle, active);
                if (dest.isEmpty() || dest.get().equals(broker)) {
                    continue;
                }
                World.Bundle owned = world.bundles.get(bundle);
                if (owned == null || owned.owner == null) {
                    continue;
                }
                transfers.add(new Transfer(bundle, owned.owner, dest.get()));
                recentlyUnloaded.put(bundle, now);
            }
        }
        return transfers;
    }

    @Override
    public List<String> splitSuggestions() {
        if (shedder instanceof MagnetarLoadSheddingStrategy magnetar) {
            return magnetar.splitSuggestions().stream().map(Split::bundle).toList();
        }
        return List.of();
    }

    /** ModularLoadManagerImpl.selectBroker without the filters that pass everything in this cluster. */
    private Optional<String> selectBroker(String bundle, Set<String> active) {
        BundleData data = loadData.getBundleData().computeIfAbsent(bundle,
                key -> new BundleData(ModularLoadManagerImpl.NUM_SHORT_SAMPLES,
                        ModularLoadManagerImpl.NUM_LONG_SAMPLES, defaultStats));
        Set<String> candidates = new HashSet<>(active);
        if (conf.isLoadBalancerDistributeBundlesEvenlyEnabled()) {
            String namespace = bundle.substring(0, bundle.lastIndexOf('/'));
            Map<String, Integer> counts = new HashMap<>();
            int least = Integer.MAX_VALUE;
            for (String broker : candidates) {
                int count = 0;
                for (String owned : bundlesByBroker.getOrDefault(broker, Set.of())) {
                    if (owned.startsWith(namespace + "/")) {
                        count++;
                    }
                }
                counts.put(broker, count);
                least = Math.min(least, count);
            }
            int fewest = least;
            candidates.removeIf(broker -> counts.get(broker) > fewest);
        }
        if (candidates.isEmpty()) {
            candidates.addAll(active);
        }
        Optional<String> broker = placement.selectBroker(candidates, data, loadData, conf);
        if (broker.isEmpty()) {
            return broker;
        }
        double overload = conf.getLoadBalancerBrokerOverloadedThresholdPercentage() / 100.0;
        if (maxUsage(loadData.getBrokerData().get(broker.get()).getLocalData()) > overload) {
            Optional<String> retry = placement.selectBroker(new HashSet<>(active), data, loadData, conf);
            if (retry.isPresent()) {
                broker = retry;
            }
        }
        return broker;
    }

    @Override
    public String assign(String bundle, long now) {
        String preallocated = preallocatedBundleToBroker.get(bundle);
        if (preallocated != null && activeBrokers().contains(preallocated)) {
            return preallocated;
        }
        Set<String> active = activeBrokers();
        String broker = selectBroker(bundle, active).orElseGet(() -> active.iterator().next());
        BundleData data = loadData.getBundleData().get(bundle);
        loadData.getBrokerData().get(broker).getPreallocatedBundleData().put(bundle, data);
        preallocatedBundleToBroker.put(bundle, broker);
        bundlesByBroker.computeIfAbsent(broker, b -> new HashSet<>()).add(bundle);
        return broker;
    }
}
