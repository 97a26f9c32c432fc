package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.BrokerNode;
import io.magnetar.it.harness.MultiBrokerCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pulsar's own {@code deliverAt} on a 2-broker cluster whose brokers use Magnetar's tracker (installed by
 * install.sh, enabled by magnetar.conf), with small seal and window settings so that most of the delayed messages
 * live in persisted buckets. The topic is unloaded, then its owner is killed with -9, while messages are pending:
 * each subscription (Shared and Key_Shared) still gets every message, never before its time. Then the persisted
 * index is garbage-collected: released when handed out, deleted with the last subscription. One cluster for the
 * class; the second scenario continues from the first, so it is skipped when the first fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(StopAtFirstFailure.class)
class DelayedDeliveryTrackerIT {
    private static final int MESSAGES = 400;
    private static final String TOPIC = "persistent://public/default/delayed-durable";
    private static final String MANIFEST = "__magnetar.delayed.index";

    private static final class Subscriber {
        final Consumer<String> consumer;
        final Map<Integer, Integer> received = new HashMap<>();
        final List<String> early = new ArrayList<>();

        Subscriber(Consumer<String> consumer) {
            this.consumer = consumer;
        }
    }

    private MultiBrokerCluster cluster;
    private PulsarClient client;
    private PulsarAdmin admin;
    // what the first scenario leaves to the second: its subscribers, the broker it killed and the one left
    private List<Subscriber> subscribers;
    private BrokerNode owner;
    private PulsarAdmin survivorAdmin;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = MultiBrokerCluster.builder("delayed").brokers(2)
                .brokerConf("magnetarDelayedWindowSeconds", "2")
                .brokerConf("magnetarDelayedSealThreshold", "50")
                .brokerConf("magnetarDelayedChunkSize", "10")
                .start();
        client = cluster.newReconnectingClient();
        admin = cluster.newAdmin(0);
    }

    @AfterAll
    void stopCluster() throws Exception {
        ClassResources.closeInOrder(survivorAdmin, admin, client, cluster);
    }

    @Test
    @Order(1)
    void delayedMessagesSurviveUnloadAndOwnerKillAndAreNeverEarly() throws Exception {
        subscribers = List.of(
                new Subscriber(client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("shared")
                        .subscriptionType(SubscriptionType.Shared).subscribe()),
                new Subscriber(client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("key-shared")
                        .subscriptionType(SubscriptionType.Key_Shared).subscribe()));

        long start = System.currentTimeMillis();
        Map<Integer, Long> due = new HashMap<>();
        try (Producer<String> producer = client.newProducer(Schema.STRING).topic(TOPIC)
                .enableBatching(false).create()) {
            for (int i = 0; i < MESSAGES; i++) {
                // out of order, from 3 s to 45 s after the start
                long deliverAt = start + 3_000 + (i * 7_919L) % 42_000;
                due.put(i, deliverAt);
                producer.newMessage().key("k" + (i % 10)).value(Integer.toString(i)).deliverAt(deliverAt).send();
            }
        }

        drain(subscribers, due, start + 9_000);
        BrokerNode firstOwner = owner(cluster, admin);
        String metrics = Metrics.scrape(firstOwner.webUrl() + "/metrics/");
        assertTrue(Metrics.value(metrics, "magnetar_delayed_trackers").orElse(0) >= 2,
                "both subscriptions use Magnetar's tracker");
        assertEquals(1, Metrics.value(metrics, "magnetar_delayed_topics").orElse(0),
                "the two subscriptions share one topic index");
        assertTrue(Metrics.value(metrics, "magnetar_delayed_buckets_sealed_total").orElse(0) >= 4,
                "later messages were sealed into persisted buckets");
        assertTrue(admin.topics().getProperties(TOPIC).containsKey(MANIFEST),
                "the buckets are listed in the topic's managed-ledger properties");

        admin.topics().unload(TOPIC);
        drain(subscribers, due, start + 20_000);

        owner = owner(cluster, admin);
        BrokerNode survivor = cluster.broker(0) == owner ? cluster.broker(1) : cluster.broker(0);
        owner.kill9();
        drain(subscribers, due, start + 120_000);
        survivorAdmin = PulsarAdmin.builder().serviceHttpUrl(survivor.webUrl()).build();

        for (Subscriber s : subscribers) {
            String sub = s.consumer.getSubscription();
            TreeSet<Integer> missing = new TreeSet<>(due.keySet());
            missing.removeAll(s.received.keySet());
            assertEquals(new TreeSet<>(), missing, sub + ": messages never delivered");
            assertEquals(List.of(), s.early, sub + ": messages delivered before their time");
        }
        String after = Metrics.scrape(survivor.webUrl() + "/metrics/");
        assertTrue(Metrics.value(after, "magnetar_delayed_recoveries_total").orElse(0) >= 1,
                "the new owner recovered the persisted index");
        assertEquals(0, Metrics.value(after, "magnetar_delayed_buckets_dropped_total").orElse(-1),
                "no persisted bucket was unreadable");
        Await.until("every bucket released once all its messages were handed out", Duration.ofSeconds(30),
                () -> !properties(survivorAdmin).containsKey(MANIFEST));
    }

    /** Pending messages, then both subscriptions deleted: the last delete removes the persisted index. */
    @Test
    @Order(2)
    void theLastSubscriptionsDeleteRemovesThePersistedIndex() throws Exception {
        try (Producer<String> producer = client.newProducer(Schema.STRING).topic(TOPIC)
                .enableBatching(false).create()) {
            long inAnHour = System.currentTimeMillis() + 3_600_000;
            for (int i = 0; i < 200; i++) {
                producer.newMessage().key("k" + (i % 10)).value("later-" + i).deliverAt(inAnHour + i).send();
            }
        }
        Await.until("the pending messages are sealed and listed", Duration.ofSeconds(30),
                () -> properties(survivorAdmin).containsKey(MANIFEST));
        for (Subscriber s : subscribers) {
            s.consumer.close();
            survivorAdmin.topics().deleteSubscription(TOPIC, s.consumer.getSubscription());
        }
        Await.until("the persisted index is deleted with the last subscription", Duration.ofSeconds(30),
                () -> !properties(survivorAdmin).containsKey(MANIFEST));
        survivorAdmin.close();
        survivorAdmin = null;
        owner.restart(MultiBrokerCluster.START_TIMEOUT);
    }

    private static Map<String, String> properties(PulsarAdmin admin) {
        try {
            return admin.topics().getProperties(TOPIC);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static BrokerNode owner(MultiBrokerCluster cluster, PulsarAdmin admin) throws Exception {
        String url = admin.lookups().lookupTopic(TOPIC);
        return cluster.broker(0).serviceUrl().equals(url) ? cluster.broker(0) : cluster.broker(1);
    }

    /** Receives and acknowledges on every subscriber until all messages arrived or the clock passes {@code until}. */
    private static void drain(List<Subscriber> subscribers, Map<Integer, Long> due, long until) throws Exception {
        while (System.currentTimeMillis() < until) {
            boolean all = true;
            for (Subscriber s : subscribers) {
                Message<String> m = s.consumer.receive(50, TimeUnit.MILLISECONDS);
                long now = System.currentTimeMillis();
                if (m != null) {
                    int id = Integer.parseInt(m.getValue());
                    if (now < due.get(id)) {
                        s.early.add(id + " at " + (now - due.get(id)) + " ms");
                    }
                    s.received.merge(id, 1, Integer::sum);
                    s.consumer.acknowledge(m);
                }
                all &= s.received.size() == due.size();
            }
            if (all) {
                return;
            }
        }
    }
}
