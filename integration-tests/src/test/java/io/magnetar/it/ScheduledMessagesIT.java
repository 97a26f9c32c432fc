package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.magnetar.it.harness.BrokerNode;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.MultiBrokerCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Reader;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.common.policies.data.RetentionPolicies;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * RocketMQ-style scheduled messages on a 2-broker cluster with Magnetar installed by install.sh and the tenant's
 * {@code delay} feature on: every property form, every subscription type, bad values refused at publish in order
 * with the producer's other sends, the owner killed with -9 while messages are pending, and a tenant with the
 * feature off behaving like plain Pulsar. One cluster for the class; each scenario its own test, in this order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScheduledMessagesIT {
    private static final String TOPIC = "persistent://public/default/scheduled";

    private record Sent(String value, String key, MessageId id, long earliest, boolean scheduled) {
    }

    private MultiBrokerCluster cluster;
    private PulsarClient client;
    private PulsarAdmin admin;
    /** Set by the first scenario once every message it scheduled came and its killed broker is back. */
    private boolean firstScenarioDrained;

    @BeforeAll
    void startClusterWithDelayOnForPublic() throws Exception {
        cluster = MultiBrokerCluster.builder("scheduled").brokers(2).start();
        client = cluster.newReconnectingClient();
        admin = cluster.newAdmin(0);
        Http.Response on = Http.put(cluster.broker(0).webUrl() + "/magnetar/v1/tenants/public/features",
                "{\"delay\":true}");
        assertEquals(200, on.status(), on.body());
        // keep acknowledged data, so that a reader can check at the end what the topic holds
        admin.namespaces().setRetention("public/default", new RetentionPolicies(60, 100));
    }

    @AfterAll
    void stopCluster() throws Exception {
        ClassResources.closeInOrder(admin, client, cluster);
    }

    /** A scenario whose broker the first one killed finds it serving again, even when the first one failed. */
    @BeforeEach
    void everyBrokerServing() {
        for (BrokerNode broker : cluster.brokers()) {
            if (!broker.process().isAlive()) {
                broker.restart(MultiBrokerCluster.START_TIMEOUT);
            }
        }
    }

    @Test
    @Order(1)
    void scheduledMessagesReachEverySubscriptionTypeAtTheirTimeAndSurviveOwnerKill() throws Exception {
        Map<SubscriptionType, Consumer<String>> consumers = new LinkedHashMap<>();
        for (SubscriptionType type : List.of(SubscriptionType.Exclusive, SubscriptionType.Failover,
                SubscriptionType.Shared, SubscriptionType.Key_Shared)) {
            consumers.put(type, client.newConsumer(Schema.STRING).topic(TOPIC)
                    .subscriptionName(type.name().toLowerCase()).subscriptionType(type).subscribe());
        }
        Await.until("the flag reached both brokers", Duration.ofSeconds(10), () ->
                Http.get(cluster.broker(1).webUrl() + "/magnetar/v1/tenants/public/features").body()
                        .contains("\"delay\":true"));

        Map<String, Sent> sent = new TreeMap<>();
        try (Producer<String> producer = client.newProducer(Schema.STRING).topic(TOPIC)
                .enableBatching(false).create()) {
            sent.put("plain", send(producer, "plain", Map.of(), 0));
            // the same producer goes on after its scheduled sends: acknowledged in order
            sent.put("level-1", send(producer, "level-1", Map.of("DELAY", "1"), 1_000));
            sent.put("level-2", send(producer, "level-2", Map.of("DELAY", "2"), 5_000));
            sent.put("delay-sec", send(producer, "delay-sec", Map.of("TIMER_DELAY_SEC", "3"), 3_000));
            sent.put("delay-ms", send(producer, "delay-ms", Map.of("TIMER_DELAY_MS", "4000"), 4_000));
            long at = System.currentTimeMillis() + 6_000;
            sent.put("deliver-ms", send(producer, "deliver-ms",
                    Map.of("TIMER_DELIVER_MS", Long.toString(at)), at - System.currentTimeMillis()));
            long alias = System.currentTimeMillis() + 7_000;
            sent.put("alias", send(producer, "alias", Map.of("__STARTDELIVERTIME", Long.toString(alias)),
                    alias - System.currentTimeMillis()));
            sent.put("level-wins", send(producer, "level-wins",
                    Map.of("DELAY", "1", "TIMER_DELAY_SEC", "600"), 1_000));
            sent.put("after-unload", send(producer, "after-unload", Map.of("TIMER_DELAY_SEC", "14"), 14_000));
            sent.put("after-kill", send(producer, "after-kill", Map.of("TIMER_DELAY_SEC", "30"), 30_000));

            // a refused send between two plain ones: only it fails, the others keep their order
            CompletableFuture<MessageId> before = producer.newMessage().key("k").value("async-before")
                    .sendAsync();
            CompletableFuture<MessageId> bad = producer.newMessage().key("k").value("bad")
                    .property("DELAY", "0").sendAsync();
            CompletableFuture<MessageId> after = producer.newMessage().key("k").value("async-after")
                    .sendAsync();
            MessageId beforeId = before.get(30, TimeUnit.SECONDS);
            CompletionException refusal = assertThrows(
                    CompletionException.class, bad::join);
            assertInstanceOf(PulsarClientException.NotAllowedException.class, refusal.getCause());
            assertTrue(refusal.getCause().getMessage().contains("DELAY=0"), refusal.getCause().getMessage());
            MessageId afterId = after.get(30, TimeUnit.SECONDS);
            assertTrue(afterId.compareTo(beforeId) > 0, "the producer's order is kept");
            sent.put("async-before", new Sent("async-before", "k", beforeId, 0, false));
            sent.put("async-after", new Sent("async-after", "k", afterId, 0, false));

            for (Map<String, String> badProperties : List.of(Map.of("TIMER_DELAY_SEC", "-5"),
                    Map.of("TIMER_DELAY_MS", "soon"), Map.of("TIMER_DELAY_SEC", "999999"))) {
                PulsarClientException e = assertThrows(
                        PulsarClientException.NotAllowedException.class,
                        () -> producer.newMessage().value("bad").properties(badProperties).send());
                String key = badProperties.keySet().iterator().next();
                assertTrue(e.getMessage().contains(key), e.getMessage());
            }
        }

        Map<SubscriptionType, Map<String, Integer>> received = new HashMap<>();
        receiveUntil(consumers, received, sent, System.currentTimeMillis() + 12_000,
                Set.of("after-unload", "after-kill"));
        for (SubscriptionType type : consumers.keySet()) {
            assertEquals(sent.size() - 2, received.get(type).size(), type + " before the unload: "
                    + received.get(type).keySet());
        }

        admin.topics().unload(TOPIC); // ownership may move to the other broker
        receiveUntil(consumers, received, sent, System.currentTimeMillis() + 40_000, Set.of("after-kill"));
        for (SubscriptionType type : consumers.keySet()) {
            assertTrue(received.get(type).containsKey("after-unload"), type + ": held across the unload");
            assertTrue(!received.get(type).containsKey("after-kill"), "not before its time");
        }

        BrokerNode owner = owner();
        owner.kill9();
        receiveUntil(consumers, received, sent, System.currentTimeMillis() + 90_000, Set.of());
        for (SubscriptionType type : consumers.keySet()) {
            assertEquals(sent.keySet(), received.get(type).keySet(), type + ": every message, the pending one too");
        }
        // a consumer may see a message again after kill -9 (its acknowledgement was not persisted yet: Pulsar's
        // at-least-once); what Magnetar owns is that each message is in the topic exactly once
        Map<String, Integer> inTopic = new HashMap<>();
        try (Reader<String> reader = client.newReader(Schema.STRING).topic(TOPIC)
                .startMessageId(MessageId.earliest).create()) {
            while (reader.hasMessageAvailable()) {
                Message<String> m = reader.readNext(10, TimeUnit.SECONDS);
                if (m != null) {
                    inTopic.merge(m.getValue(), 1, Integer::sum);
                }
            }
        }
        Map<String, Integer> once = new TreeMap<>();
        sent.keySet().forEach(value -> once.put(value, 1));
        assertEquals(once, new TreeMap<>(inTopic), "each message appended to the topic once");
        for (Consumer<String> consumer : consumers.values()) {
            consumer.close();
        }
        owner.restart(MultiBrokerCluster.START_TIMEOUT);
        firstScenarioDrained = true;
    }

    /** A namespace property lowers the maximum timer delay for its topics; the refusal names the limit. */
    @Test
    @Order(5)
    void namespaceMaximumDelay() throws Exception {
        try (PulsarAdmin admin = cluster.newAdmin(0);
             Producer<String> producer = client.newProducer(Schema.STRING).topic("persistent://public/default/limited")
                     .enableBatching(false).create()) {
            admin.namespaces().setProperty("public/default", "magnetar.schedule.maxDelaySeconds", "60");
            Await.until("the namespace limit reached the topic", Duration.ofSeconds(30), () -> {
                try {
                    producer.newMessage().value("two minutes").property("TIMER_DELAY_SEC", "120").send();
                    return false;
                } catch (PulsarClientException.NotAllowedException refused) {
                    return refused.getMessage().contains("maximum delay of 60 s");
                } catch (PulsarClientException e) {
                    throw new IllegalStateException(e);
                }
            });
            producer.newMessage().value("half a minute").property("TIMER_DELAY_SEC", "30").send();
        }
    }

    /**
     * Pulsar's own deliverAt: per subscription, ignored by Exclusive subscriptions — unless the namespace asks for
     * the topic-level treatment, which holds it in the broker for every subscription type.
     */
    @Test
    @Order(6)
    void deliverAtAtTopicLevelWhenTheNamespaceAsks() throws Exception {
        try (PulsarAdmin admin = cluster.newAdmin(0)) {
            admin.namespaces().createNamespace("public/timed");
            admin.namespaces().setProperty("public/timed", "magnetar.schedule.deliverAt", "topic");
        }
        for (String namespace : List.of("public/default", "public/timed")) {
            String topic = "persistent://" + namespace + "/deliver-at";
            try (Consumer<String> exclusive = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("x")
                    .subscriptionType(SubscriptionType.Exclusive).subscribe();
                 Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).create()) {
                long sent = System.currentTimeMillis();
                MessageId id = producer.newMessage().value("later").deliverAfter(4, TimeUnit.SECONDS).send();
                Message<String> m = exclusive.receive(20, TimeUnit.SECONDS);
                long waited = System.currentTimeMillis() - sent;
                assertTrue(m != null, namespace + ": delivered");
                if (namespace.equals("public/timed")) {
                    assertTrue(waited >= 4_000, "held until due, for Exclusive too: " + waited + " ms");
                    assertEquals(id.toString(), m.getProperty("ORIGIN_MESSAGE_ID"));
                } else {
                    assertTrue(waited < 4_000, "Pulsar's own deliverAt: Exclusive gets it at once (" + waited
                            + " ms)");
                }
                exclusive.acknowledge(m);
            }
        }
    }

    /** Deleting a topic deletes what it held: nothing comes due later on a topic that no longer exists. */
    @Test
    @Order(2)
    void deletingATopicDropsItsScheduledMessages() throws Exception {
        // it counts what the broker holds: only the topic's own message, once the first scenario's all came
        assumeTrue(firstScenarioDrained, "the first scenario left scheduled messages held");
        String topic = "persistent://public/default/doomed";
        try (PulsarAdmin admin = cluster.newAdmin(0)) {
            try (Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).enableBatching(false)
                    .create()) {
                producer.newMessage().value("in ten minutes").property("TIMER_DELAY_SEC", "600").send();
            }
            String ownerUrl = admin.lookups().lookupTopic(topic);
            BrokerNode owner = cluster.broker(0).serviceUrl().equals(ownerUrl) ? cluster.broker(0) : cluster.broker(1);
            assertEquals(1, Metrics.value(Metrics.scrape(owner.webUrl() + "/metrics/"),
                    "magnetar_schedule_messages_held").orElse(0), "held before the delete");
            admin.topics().delete(topic, true);
            Await.until("the deleted topic's scheduled message is gone", Duration.ofSeconds(30), () ->
                    Metrics.value(Metrics.scrape(owner.webUrl() + "/metrics/"), "magnetar_schedule_messages_held")
                            .orElse(-1) == 0);
        }
    }

    /**
     * kill -9 of the bookie while scheduled messages wait (the near-due ones kept in the broker's memory too), then
     * the bookie back on the same data: each comes when due, once, and a send after the restart is held as usual.
     */
    @Test
    @Order(3)
    void heldAcrossABookieRestart() throws Exception {
        String topic = "persistent://public/default/bookie-restart";
        try (Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("s")
                .subscriptionType(SubscriptionType.Failover).subscribe();
             Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).enableBatching(false)
                     .sendTimeout(120, TimeUnit.SECONDS).create()) {
            Map<String, Long> due = new HashMap<>();
            for (int i = 0; i < 4; i++) {
                // two due within the in-memory horizon, two beyond it
                long delayMs = i < 2 ? 8_000 : 20_000;
                long start = System.currentTimeMillis();
                producer.newMessage().value("pending-" + i).property("TIMER_DELAY_MS", Long.toString(delayMs)).send();
                due.put("pending-" + i, start + delayMs);
            }
            cluster.killAndRestartBookie(Duration.ofSeconds(3));
            long start = System.currentTimeMillis();
            producer.newMessage().value("after-restart").property("TIMER_DELAY_SEC", "2").send();
            due.put("after-restart", start + 2_000);

            Map<String, Integer> received = new HashMap<>();
            long deadline = System.currentTimeMillis() + 120_000;
            while (received.size() < due.size() && System.currentTimeMillis() < deadline) {
                Message<String> m = consumer.receive(1, TimeUnit.SECONDS);
                if (m != null) {
                    assertTrue(System.currentTimeMillis() >= due.get(m.getValue()), m.getValue() + " not before due");
                    received.merge(m.getValue(), 1, Integer::sum);
                    consumer.acknowledge(m);
                }
            }
            Message<String> extra = consumer.receive(3, TimeUnit.SECONDS);
            assertNull(extra == null ? null : extra.getValue(), "nothing twice");
            Map<String, Integer> once = new TreeMap<>();
            due.keySet().forEach(value -> once.put(value, 1));
            assertEquals(once, new TreeMap<>(received), "every message acknowledged to its producer, once");
        }
    }

    /**
     * The Java client batches by default and a batch header carries no per-message properties: a batch holding a
     * scheduled message is refused as a whole, with the reason, instead of delivering it at once; plain batches pass.
     */
    @Test
    @Order(4)
    void aBatchWithAScheduledMessageIsRefusedWhole() throws Exception {
        String topic = "persistent://public/default/batched";
        try (Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).enableBatching(true)
                .batchingMaxPublishDelay(1, TimeUnit.SECONDS).batchingMaxMessages(10)
                .compressionType(CompressionType.LZ4).create()) {
            CompletableFuture<MessageId> plain = producer.newMessage().value("batched-plain").sendAsync();
            CompletableFuture<MessageId> scheduled = producer.newMessage().value("batched-scheduled")
                    .property("TIMER_DELAY_SEC", "5").sendAsync();
            assertThrows(PulsarClientException.NotAllowedException.class, producer::flush, "the batch is refused");
            for (CompletableFuture<MessageId> send : List.of(plain, scheduled)) {
                CompletionException refusal = assertThrows(CompletionException.class, send::join);
                assertInstanceOf(PulsarClientException.NotAllowedException.class, refusal.getCause());
                assertTrue(refusal.getCause().getMessage().contains("a batch cannot carry TIMER_DELAY_SEC messages"),
                        refusal.getCause().getMessage());
            }
            CompletableFuture<MessageId> first = producer.newMessage().value("plain-1").sendAsync();
            CompletableFuture<MessageId> second = producer.newMessage().value("plain-2").property("app", "x")
                    .sendAsync();
            producer.flush();
            first.get(30, TimeUnit.SECONDS);
            second.get(30, TimeUnit.SECONDS);
        }
        List<String> stored = new ArrayList<>();
        try (Reader<String> reader = client.newReader(Schema.STRING).topic(topic).startMessageId(MessageId.earliest)
                .create()) {
            while (reader.hasMessageAvailable()) {
                Message<String> m = reader.readNext(10, TimeUnit.SECONDS);
                if (m != null) {
                    stored.add(m.getValue());
                }
            }
        }
        assertEquals(List.of("plain-1", "plain-2"), stored, "nothing of the refused batch was stored");
    }

    /** A tenant with {@code delay} off: the properties are just properties, delivered at once. */
    @Test
    @Order(7)
    void plainPulsarForTenantsWithTheFeatureOff() throws Exception {
        try (PulsarAdmin admin = cluster.newAdmin(0)) {
            admin.tenants().createTenant("plain", TenantInfo.builder().allowedClusters(Set.of("scheduled")).build());
            admin.namespaces().createNamespace("plain/default");
        }
        String topic = "persistent://plain/default/unscheduled";
        try (Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("s")
                .subscriptionType(SubscriptionType.Exclusive).subscribe();
             Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).enableBatching(false)
                     .create()) {
            producer.newMessage().value("later").property("DELAY", "18").send();
            producer.newMessage().value("zero").property("DELAY", "0").send();
            Message<String> first = consumer.receive(10, TimeUnit.SECONDS);
            Message<String> second = consumer.receive(10, TimeUnit.SECONDS);
            assertEquals("later", first == null ? null : first.getValue(), "delivered at once, not in 2 h");
            assertEquals("zero", second == null ? null : second.getValue(), "not refused either");
        }
    }

    private static Sent send(Producer<String> producer, String value, Map<String, String> properties, long delay)
            throws Exception {
        long start = System.currentTimeMillis();
        MessageId id = producer.newMessage().key("key-" + value).value(value).properties(properties)
                .property("app", "v-" + value).send();
        return new Sent(value, "key-" + value, id, start + delay, !properties.isEmpty());
    }

    private static void receiveUntil(Map<SubscriptionType, Consumer<String>> consumers,
                                     Map<SubscriptionType, Map<String, Integer>> received, Map<String, Sent> sent,
                                     long until, Set<String> notYet) throws Exception {
        while (System.currentTimeMillis() < until) {
            boolean done = true;
            for (Map.Entry<SubscriptionType, Consumer<String>> e : consumers.entrySet()) {
                Map<String, Integer> counts = received.computeIfAbsent(e.getKey(), k -> new HashMap<>());
                Message<String> m = e.getValue().receive(50, TimeUnit.MILLISECONDS);
                if (m != null) {
                    long now = System.currentTimeMillis();
                    Sent s = sent.get(m.getValue());
                    assertTrue(s != null, "unexpected message " + m.getValue());
                    assertTrue(now >= s.earliest(), e.getKey() + ": " + s.value() + " early by "
                            + (s.earliest() - now) + " ms");
                    assertEquals(s.key(), m.getKey(), "key kept");
                    if (s.scheduled()) {
                        assertEquals("v-" + s.value(), m.getProperty("app"), "properties kept");
                        assertEquals(s.id().toString(), m.getProperty("ORIGIN_MESSAGE_ID"),
                                "carries the id its producer got");
                        assertTrue(m.getProperties().keySet().stream().noneMatch(
                                k -> k.equals("DELAY") || k.startsWith("TIMER_") || k.equals("__STARTDELIVERTIME")),
                                "scheduling properties are dropped when due, as RocketMQ does: " + m.getProperties());
                    }
                    counts.merge(s.value(), 1, Integer::sum);
                    e.getValue().acknowledge(m);
                }
                done &= counts.size() + notYet.size() >= sent.size();
            }
            if (done) {
                return;
            }
        }
    }

    private BrokerNode owner() throws Exception {
        String url = admin.lookups().lookupTopic(TOPIC);
        return cluster.broker(0).serviceUrl().equals(url) ? cluster.broker(0) : cluster.broker(1);
    }
}
