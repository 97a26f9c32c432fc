package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.magnetar.it.harness.BrokerNode;
import io.magnetar.it.harness.MultiBrokerCluster;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionType;
import org.junit.jupiter.api.Test;

/**
 * With Magnetar installed, what a broker acknowledged survives kill -9 of that broker and the topic moving to
 * the other broker: the harness scenario later features' durability tests build on.
 */
class ClusterOwnershipIT {

    @Test
    void acknowledgedMessagesSurviveOwnerKillAndOwnershipMove() throws Exception {
        try (MultiBrokerCluster cluster = MultiBrokerCluster.builder("ownership").brokers(2).start();
             PulsarClient client = PulsarClient.builder().serviceUrl(cluster.serviceUrl())
                     .operationTimeout(60, TimeUnit.SECONDS).build()) {
            String topic = "persistent://public/default/survivor";
            int total = 200;
            String ownerBefore;
            try (PulsarAdmin admin = cluster.newAdmin(1)) {
                try (Consumer<String> ignored = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("s")
                        .subscriptionType(SubscriptionType.Shared).subscribe();
                     Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).create()) {
                    for (int i = 0; i < total; i++) {
                        producer.send("m" + i); // acknowledged by the owner before we go on
                    }
                }
                ownerBefore = admin.lookups().lookupTopic(topic);
            }
            int ownerIndex = cluster.broker(0).serviceUrl().equals(ownerBefore) ? 0 : 1;
            BrokerNode owner = cluster.broker(ownerIndex);
            BrokerNode survivor = cluster.broker(1 - ownerIndex);
            owner.kill9();

            Set<String> received = new HashSet<>();
            try (Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("s")
                    .subscriptionType(SubscriptionType.Shared).subscribe()) {
                while (received.size() < total) {
                    Message<String> m = consumer.receive(90, TimeUnit.SECONDS);
                    if (m == null) {
                        break;
                    }
                    received.add(m.getValue());
                    consumer.acknowledge(m);
                }
            }
            assertEquals(total, received.size(), "every acknowledged message is delivered after the move");
            try (PulsarAdmin admin = PulsarAdmin.builder().serviceHttpUrl(survivor.webUrl()).build()) {
                String ownerAfter = admin.lookups().lookupTopic(topic);
                assertNotEquals(ownerBefore, ownerAfter, "the topic moved");
                assertEquals(survivor.serviceUrl(), ownerAfter);
            }

            owner.restart(MultiBrokerCluster.START_TIMEOUT);
            Await.until("restarted broker healthy", Duration.ofSeconds(30), owner::healthy);
        }
    }
}
