package io.magnetar.shedding.pulsar;

import io.magnetar.shedding.BrokerLoad;
import io.magnetar.shedding.BundleLoad;
import io.magnetar.shedding.LoadSnapshot;
import io.magnetar.shedding.SheddingConfig.ResourceWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.broker.loadbalance.LoadData;
import org.apache.pulsar.broker.loadbalance.extensions.data.BrokerLoadData;
import org.apache.pulsar.broker.loadbalance.extensions.data.TopBundlesLoadData;
import org.apache.pulsar.broker.namespace.NamespaceService;
import org.apache.pulsar.common.naming.NamespaceBundle;
import org.apache.pulsar.policies.data.loadbalancer.BrokerData;
import org.apache.pulsar.policies.data.loadbalancer.LocalBrokerData;
import org.apache.pulsar.policies.data.loadbalancer.NamespaceBundleStats;

/** Turns the load managers' data into {@link LoadSnapshot}s. */
final class PulsarSnapshots {
    private PulsarSnapshots() {
    }

    /** ModularLoadManagerImpl's view: every broker's last report with all its bundles. */
    static LoadSnapshot of(LoadData loadData, ResourceWeights weights, long now) {
        List<BrokerLoad> brokers = new ArrayList<>();
        List<BundleLoad> bundles = new ArrayList<>();
        for (Map.Entry<String, BrokerData> entry : loadData.getBrokerData().entrySet()) {
            String broker = entry.getKey();
            LocalBrokerData local = entry.getValue().getLocalData();
            if (local == null) {
                continue;
            }
            double load = local.getMaxResourceUsageWithWeight(weights.cpu(), weights.directMemory(),
                    weights.bandwidthIn(), weights.bandwidthOut());
            long reportedAt = local.getLastUpdate() > 0 ? local.getLastUpdate() : now;
            brokers.add(new BrokerLoad(broker, reportedAt, load,
                    local.getMsgThroughputIn() + local.getMsgThroughputOut()));
            for (Map.Entry<String, NamespaceBundleStats> stats : local.getLastStats().entrySet()) {
                if (movable(stats.getKey())) {
                    bundles.add(new BundleLoad(stats.getKey(), broker, throughput(stats.getValue())));
                }
            }
        }
        return new LoadSnapshot(now, brokers, bundles);
    }

    /** ExtensibleLoadManagerImpl's view: every broker's load data and its top bundles (the stores' contents). */
    static LoadSnapshot of(Map<String, BrokerLoadData> brokerStore, Map<String, TopBundlesLoadData> bundleStore,
                           ResourceWeights weights, long now) {
        List<BrokerLoad> brokers = new ArrayList<>();
        List<BundleLoad> bundles = new ArrayList<>();
        for (Map.Entry<String, BrokerLoadData> entry : brokerStore.entrySet()) {
            String broker = entry.getKey();
            BrokerLoadData data = entry.getValue();
            double load = weights.weightedMax(data.getCpu().percentUsage(), data.getMemory().percentUsage(),
                    data.getDirectMemory().percentUsage(), data.getBandwidthIn().percentUsage(),
                    data.getBandwidthOut().percentUsage());
            // updatedAt: when the broker's reporter measured this, just before writing it (what TransferShedder reads
            // too). The stored reportedAt is the previous write's time: BrokerLoadDataReporter sets it once a push
            // completes, after the data went out, and clears it to 0 on a tombstone.
            long reportedAt = data.getUpdatedAt() > 0 ? data.getUpdatedAt()
                    : data.getReportedAt() > 0 ? data.getReportedAt() : now;
            brokers.add(new BrokerLoad(broker, reportedAt, load, data.getMsgThroughputIn() + data.getMsgThroughputOut()));
            TopBundlesLoadData top = bundleStore.get(broker);
            if (top != null) {
                for (TopBundlesLoadData.BundleLoadData bundle : top.getTopBundlesLoadData()) {
                    if (movable(bundle.bundleName())) {
                        bundles.add(new BundleLoad(bundle.bundleName(), broker, throughput(bundle.stats())));
                    }
                }
            }
        }
        return new LoadSnapshot(now, brokers, bundles);
    }

    /** Heartbeat and SLA-monitor bundles belong to their broker; the built-in shedders skip them too. */
    private static boolean movable(String bundle) {
        return !NamespaceService.isSLAOrHeartbeatNamespace(NamespaceBundle.getBundleNamespace(bundle));
    }

    private static double throughput(NamespaceBundleStats stats) {
        return stats.msgThroughputIn + stats.msgThroughputOut;
    }
}
