package io.magnetar.rocketmq.pulsar;

import io.magnetar.rocketmq.naming.NameMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.loadbalance.LoadManager;
import org.apache.pulsar.broker.lookup.LookupResult;
import org.apache.pulsar.broker.namespace.LookupOptions;
import org.apache.pulsar.common.policies.data.TopicType;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.pulsar.common.util.FutureUtil;
import org.apache.pulsar.metadata.api.MetadataCache;
import org.apache.pulsar.policies.data.loadbalancer.LocalBrokerData;

/**
 * The name-server role: a RocketMQ topic's queues (its Pulsar partitions; 1 for a non-partitioned topic) and the
 * RocketMQ address of each queue's owner, from Pulsar's own lookup. Topics that do not exist are created only as
 * Pulsar's {@code allowAutoTopicCreation} settings allow (partitioned or not, as {@code allowAutoTopicCreationType}
 * and {@code defaultNumPartitions} say).
 */
final class Routes {
    /** A topic's queue count, or absent when it does not exist and may not be created. */
    record Queues(TopicName topic, int partitions) {
        int count() {
            return Math.max(1, partitions);
        }

        TopicName queue(int queueId) {
            return partitions == 0 ? topic : topic.getPartition(queueId);
        }
    }

    private final PulsarService pulsar;
    private final NameMapping names;
    private final String ownAddress;
    private final MetadataCache<LocalBrokerData> brokerData;

    Routes(PulsarService pulsar, NameMapping names, String ownAddress) {
        this.pulsar = pulsar;
        this.names = names;
        this.ownAddress = ownAddress;
        this.brokerData = pulsar.getLocalMetadataStore().getMetadataCache(LocalBrokerData.class);
    }

    String ownAddress() {
        return ownAddress;
    }

    /** The queues of a RocketMQ topic, creating the topic's metadata when Pulsar allows; empty if it may not. */
    CompletableFuture<Optional<Queues>> queues(String rocketMqTopic) {
        TopicName topic;
        try {
            topic = TopicName.get(names.pulsarTopic(rocketMqTopic));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return pulsar.getNamespaceService().checkTopicExistsAsync(topic).thenCompose(info -> {
            boolean exists = info.isExists();
            Integer partitions = info.getPartitions();
            boolean partitioned = exists && info.getTopicType() == TopicType.PARTITIONED;
            info.recycle();
            if (exists) {
                return CompletableFuture.completedFuture(
                        Optional.of(new Queues(topic, partitioned && partitions != null ? partitions : 0)));
            }
            return pulsar.getBrokerService().isAllowAutoTopicCreationAsync(topic).thenCompose(allowed -> allowed
                    ? pulsar.getBrokerService().fetchPartitionedTopicMetadataCheckAllowAutoCreationAsync(topic)
                            .thenApply(md -> Optional.of(new Queues(topic, md.partitions)))
                    : CompletableFuture.completedFuture(Optional.empty()));
        });
    }

    /** For each queue in order, the RocketMQ address of the broker owning it. */
    CompletableFuture<List<String>> owners(Queues queues) {
        List<CompletableFuture<String>> owners = new ArrayList<>(queues.count());
        for (int q = 0; q < queues.count(); q++) {
            owners.add(owner(queues.queue(q)));
        }
        return FutureUtil.waitForAll(owners).thenApply(__ -> owners.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<String> owner(TopicName topic) {
        LookupOptions options = LookupOptions.builder().authoritative(false).loadTopicsInBundle(false).build();
        return pulsar.getNamespaceService().getBrokerServiceUrlAsync(topic, options).thenCompose(result -> {
            String url = result.map(LookupResult::getLookupData).map(d -> d.getBrokerUrl()).orElse(null);
            if (url == null) {
                return FutureUtil.failedFuture(new IllegalStateException("no owner found for " + topic));
            }
            if (url.equals(pulsar.getBrokerServiceUrl())) {
                return CompletableFuture.completedFuture(ownAddress);
            }
            return rocketMqAddressOf(url);
        });
    }

    /** Another broker's RocketMQ address, from the protocol data it advertises in its load report. */
    private CompletableFuture<String> rocketMqAddressOf(String pulsarUrl) {
        return pulsar.getLocalMetadataStore().getChildren(LoadManager.LOADBALANCE_BROKERS_ROOT).thenCompose(ids -> {
            List<CompletableFuture<Optional<LocalBrokerData>>> reads = ids.stream()
                    .map(id -> brokerData.get(LoadManager.LOADBALANCE_BROKERS_ROOT + "/" + id)).toList();
            return FutureUtil.waitForAll(reads).thenApply(__ -> {
                for (CompletableFuture<Optional<LocalBrokerData>> read : reads) {
                    Optional<LocalBrokerData> data = read.join();
                    if (data.isPresent() && pulsarUrl.equals(data.get().getPulsarServiceUrl())) {
                        Optional<String> advertised = data.get().getProtocol(RocketMqProtocolHandler.PROTOCOL);
                        if (advertised.isPresent()) {
                            return RocketMqProtocolHandler.addressOfAdvertised(advertised.get());
                        }
                    }
                }
                throw new IllegalStateException("broker " + pulsarUrl + " advertises no RocketMQ listener");
            });
        });
    }
}
