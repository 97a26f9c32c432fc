package io.magnetar.it.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;

/** A running set of real Pulsar processes: a standalone, or ZooKeeper + bookie + N brokers. */
public interface PulsarCluster extends AutoCloseable {

    /** The Pulsar installation the processes run from. */
    Path home();

    List<BrokerNode> brokers();

    default BrokerNode broker(int index) {
        return brokers().get(index);
    }

    /** A service URL naming every broker, so clients find a live one after a kill. */
    default String serviceUrl() {
        return "pulsar://" + brokers().stream().map(b -> b.serviceUrl().substring("pulsar://".length()))
                .collect(Collectors.joining(","));
    }

    default String webUrl() {
        return broker(0).webUrl();
    }

    default PulsarClient newClient() throws PulsarClientException {
        return PulsarClient.builder().serviceUrl(serviceUrl()).build();
    }

    /**
     * A client for tests that kill or unload the owner: it reconnects within seconds (the default back-off grows
     * to 60 s) and gives an operation 60 s; the caller closes it.
     */
    default PulsarClient newReconnectingClient() throws PulsarClientException {
        return PulsarClient.builder().serviceUrl(serviceUrl())
                .operationTimeout(60, java.util.concurrent.TimeUnit.SECONDS)
                .startingBackoffInterval(100, java.util.concurrent.TimeUnit.MILLISECONDS)
                .maxBackoffInterval(2, java.util.concurrent.TimeUnit.SECONDS)
                .build();
    }

    /** An admin client for the given broker's web service; the caller closes it. */
    default PulsarAdmin newAdmin(int brokerIndex) throws PulsarClientException {
        return PulsarAdmin.builder().serviceHttpUrl(broker(brokerIndex).webUrl()).build();
    }

    @Override
    void close();
}
