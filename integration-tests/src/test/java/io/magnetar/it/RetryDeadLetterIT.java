package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.magnetar.it.harness.BrokerNode;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.MultiBrokerCluster;
import io.magnetar.it.harness.PulsarRuntime;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.DeadLetterPolicy;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Broker-side retry and dead letters on a 2-broker cluster with Magnetar installed by install.sh, for tenant
 * {@code public} with {@code retry} and {@code deadLetter} on: a consumer that fails every message, with no
 * dead-letter policy of its own, sees each come back after its back-off and then finds it in the dead-letter topic,
 * once, across a kill -9 of the owner; other subscriptions never see the copies; a plain WebSocket consumer gets
 * the same; a Java consumer with its own dead-letter policy keeps it; bad policies are refused at subscribe; a
 * tenant with the flags off behaves as vanilla Pulsar. One cluster for the class; each scenario its own test, in this
 * order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RetryDeadLetterIT {
    private static final String TOPIC = "persistent://public/default/payments";
    private static final String DLQ = TOPIC + "-billing-DLQ";
    private static final int MESSAGES = 20;
    private static final int MAX_RECONSUMES = 3;
    private static final long[] BACKOFF = {2_000, 3_000, 3_000};
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One delivery seen by the failing consumer. */
    private record Delivery(String value, int reconsumeTimes, long receivedAt, String origin, MessageId id) {
    }

    private MultiBrokerCluster cluster;
    private PulsarClient client;
    private PulsarAdmin admin;
    /** Set by the dead-letter scenario once every message is in the DLQ, once, and acknowledged on billing. */
    private boolean deadLettered;

    @BeforeAll
    void startClusterWithRetryAndDeadLetterOnForPublic() throws Exception {
        cluster = MultiBrokerCluster.builder("retry").brokers(2)
                .brokerConf("webSocketServiceEnabled", "true").start();
        client = cluster.newReconnectingClient();
        admin = cluster.newAdmin(0);
        Http.Response on = Http.put(cluster.broker(0).webUrl() + "/magnetar/v1/tenants/public/features",
                "{\"retry\":true,\"deadLetter\":true}");
        assertEquals(200, on.status(), on.body());
        Await.until("the flags reached both brokers", Duration.ofSeconds(10), () ->
                Http.get(cluster.broker(1).webUrl() + "/magnetar/v1/tenants/public/features").body()
                        .contains("\"deadLetter\":true"));
    }

    @AfterAll
    void stopCluster() throws Exception {
        ClassResources.closeInOrder(admin, client, cluster);
    }

    @Test
    @Order(2)
    void failedMessagesComeBackAfterTheirBackoffThenGoToTheDeadLetterTopicOnce() throws Exception {
        int survivor;
        Map<String, List<Delivery>> deliveries = new ConcurrentHashMap<>();
        Map<String, MessageId> firstIds = new ConcurrentHashMap<>();
        try (Consumer<String> failing = client.newConsumer(Schema.STRING).topic(TOPIC)
                .subscriptionName("billing").subscriptionType(SubscriptionType.Shared)
                .subscriptionProperties(Map.of("magnetar.retry.backoff", "2s 3s",
                        "magnetar.retry.maxReconsumeTimes", Integer.toString(MAX_RECONSUMES)))
                .negativeAckRedeliveryDelay(100, TimeUnit.MILLISECONDS)
                .subscribe();
             Consumer<String> audit = client.newConsumer(Schema.STRING).topic(TOPIC)
                     .subscriptionName("audit").subscriptionType(SubscriptionType.Key_Shared).subscribe();
             Consumer<String> ownPolicy = client.newConsumer(Schema.STRING).topic(TOPIC)
                     .subscriptionName("own-dlq").subscriptionType(SubscriptionType.Shared)
                     .subscriptionProperties(Map.of("magnetar.retry.backoff", "1s"))
                     .negativeAckRedeliveryDelay(100, TimeUnit.MILLISECONDS)
                     .deadLetterPolicy(DeadLetterPolicy.builder().maxRedeliverCount(1).build())
                     .subscribe();
             Consumer<String> deadLetters = client.newConsumer(Schema.STRING).topic(DLQ)
                     .subscriptionName("inspect").subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                     .subscribe();
             Producer<String> producer = client.newProducer(Schema.STRING).topic(TOPIC)
                     .enableBatching(true).batchingMaxMessages(5)
                     .batchingMaxPublishDelay(50, TimeUnit.MILLISECONDS).create()) {
            List<CompletableFuture<MessageId>> sends = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                sends.add(producer.newMessage().key("key-" + i).value("m" + i).property("app", "v" + i)
                        .sendAsync());
            }
            for (CompletableFuture<MessageId> send : sends) {
                send.get(30, TimeUnit.SECONDS);
            }

            // the failing consumer nacks everything; wait until every message came back once, then kill
            CompletableFuture<Void> failingLoop = CompletableFuture.runAsync(() -> nackAll(failing, deliveries,
                    firstIds, System.currentTimeMillis() + 150_000));
            Await.until("every message redelivered once", Duration.ofSeconds(60),
                    () -> deliveries.size() + " delivered", () -> deliveries.size() == MESSAGES
                            && deliveries.values().stream().allMatch(d -> d.stream()
                                    .anyMatch(x -> x.reconsumeTimes() == 1)));
            BrokerNode owner = owner();
            owner.kill9();
            survivor = cluster.broker(0) == owner ? 1 : 0;

            Map<String, Message<String>> dead = new HashMap<>();
            List<String> deadOrder = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 120_000;
            while (dead.size() < MESSAGES && System.currentTimeMillis() < deadline) {
                Message<String> m = deadLetters.receive(1, TimeUnit.SECONDS);
                if (m != null) {
                    deadOrder.add(m.getValue());
                    dead.put(m.getValue(), m);
                    deadLetters.acknowledge(m);
                }
            }
            assertEquals(MESSAGES, dead.size(), "every message reached the dead-letter topic: " + dead.keySet());
            // nothing more arrives: no message is dead-lettered twice, not even after the kill
            Message<String> extra = deadLetters.receive(8, TimeUnit.SECONDS);
            while (extra != null) {
                deadOrder.add(extra.getValue());
                extra = deadLetters.receive(2, TimeUnit.SECONDS);
            }
            assertEquals(MESSAGES, deadOrder.size(), "dead letters, each once: " + deadOrder);
            failingLoop.cancel(true);

            for (int i = 0; i < MESSAGES; i++) {
                String value = "m" + i;
                Message<String> d = dead.get(value);
                assertEquals("key-" + i, d.getKey(), "key kept");
                assertEquals("v" + i, d.getProperty("app"), "properties kept");
                assertEquals(Integer.toString(MAX_RECONSUMES), d.getProperty("RECONSUMETIMES"));
                assertEquals(TOPIC, d.getProperty("REAL_TOPIC"));
                assertEquals("billing", d.getProperty("REAL_SUBSCRIPTION"));
                assertEquals(firstIds.get(value).toString(), d.getProperty("ORIGIN_MESSAGE_ID"),
                        "the id the message was first delivered with");
                assertTrue(Long.parseLong(d.getProperty("LAST_FAILURE_TIME")) > 0);
                assertNull(d.getProperty("MAGNETAR_REDELIVER_TO"), "a dead letter is readable by anyone");

                List<Delivery> seen = deliveries.get(value);
                int highest = seen.stream().mapToInt(Delivery::reconsumeTimes).max().orElse(-1);
                assertEquals(MAX_RECONSUMES, highest, value + ": never more reconsumes than the policy");
                for (int n = 1; n <= MAX_RECONSUMES; n++) {
                    int reconsume = n;
                    assertTrue(seen.stream().anyMatch(x -> x.reconsumeTimes() == reconsume),
                            value + " came back as reconsume " + n + ": " + seen);
                }
                // each comeback waited at least its back-off after the failure before it (the failure was
                // reported after the delivery, so receive-to-receive is a lower bound)
                for (Delivery later : seen) {
                    if (later.reconsumeTimes() == 0) {
                        continue;
                    }
                    long previous = seen.stream().filter(x -> x.reconsumeTimes() == later.reconsumeTimes() - 1)
                            .mapToLong(Delivery::receivedAt).min().orElseThrow();
                    long waited = later.receivedAt() - previous;
                    assertTrue(waited >= BACKOFF[later.reconsumeTimes() - 1], value + " reconsume "
                            + later.reconsumeTimes() + " came back after " + waited + " ms");
                }
            }

            // the other subscriptions saw each message once: copies are for the failing one only
            Map<String, Integer> audited = receiveAll(audit, Duration.ofSeconds(5));
            assertEquals(MESSAGES, audited.size(), "audit saw every message: " + audited);
            assertTrue(audited.values().stream().allMatch(c -> c == 1), "and no copy: " + audited);

            // a consumer with its own dead-letter policy: the copy carries the redelivery count, so the
            // client dead-letters the message itself after one redelivery, and the broker does not
            Map<String, Integer> own = nackUntilQuiet(ownPolicy, Duration.ofSeconds(8));
            assertEquals(MESSAGES, own.size(), "own-dlq saw every message: " + own);
            assertTrue(own.values().stream().allMatch(c -> c >= 2), "delivered, then redelivered: " + own);
            try (Consumer<String> clientDlq = client.newConsumer(Schema.STRING)
                    .topic(TOPIC + "-own-dlq-DLQ").subscriptionName("inspect")
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
                Map<String, Integer> clientDead = receiveAll(clientDlq, Duration.ofSeconds(5));
                assertEquals(MESSAGES, clientDead.size(), "the client's own DLQ: " + clientDead);
            }

            PulsarAdmin survivorAdmin = cluster.newAdmin(survivor);
            Await.until("the broker acknowledged every failed message", Duration.ofSeconds(30), () -> {
                try {
                    return survivorAdmin.topics().getStats(TOPIC).getSubscriptions().get("billing").getMsgBacklog()
                            == 0;
                } catch (Exception e) {
                    return false;
                }
            });
            survivorAdmin.close();
        }
        deadLettered = true;
    }

    @Test
    @Order(3)
    void redriveMovesTheDeadLettersBackToTheirSubscriptionOnly() throws Exception {
        assumeTrue(deadLettered, "it redrives the dead letters of the scenario before, which failed");
        redriveMovesTheDeadLettersBackToTheirSubscriptionOnly(cluster.broker(survivor()), client);
    }

    @Test
    @Order(4)
    void webSocketConsumerGetsTheSameBrokerSideRetry() throws Exception {
        webSocketConsumerGetsTheSameBrokerSideRetry(cluster.broker(survivor()), client, cluster.newAdmin(survivor()));
    }

    @Test
    @Order(5)
    void vanillaPulsarForTenantsWithTheFlagsOff() throws Exception {
        vanillaPulsarForTenantsWithTheFlagsOff(client, cluster.newAdmin(survivor()));
    }

    /** The broker the dead-letter scenario did not kill (the first one while both live). */
    private int survivor() {
        return cluster.broker(0).process().isAlive() ? 0 : 1;
    }

    /**
     * {@code bin/magnetar dlq redrive}, as an operator types it: the dead letters come back to {@code billing}
     * alone, with a fresh count; a second run moves nothing.
     */
    private static void redriveMovesTheDeadLettersBackToTheirSubscriptionOnly(BrokerNode broker, PulsarClient client)
            throws Exception {
        CliRun first = cli(broker, "dlq", "redrive", TOPIC, "billing");
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("moved " + MESSAGES + " dead letters from " + DLQ), first.output());
        CliRun again = cli(broker, "dlq", "redrive", TOPIC, "billing");
        assertEquals(0, again.exitCode(), again.output());
        assertTrue(again.output().contains("moved 0 dead letters"), "idempotent: " + again.output());
        // the subscription's policy seen and changed through the REST API; its other properties stay
        CliRun policy = cli(broker, "retry", "set", TOPIC, "billing", "maxReconsumeTimes=" + (MAX_RECONSUMES + 1));
        assertEquals(0, policy.exitCode(), policy.output());
        assertTrue(policy.output().matches("(?s).*backoff +2s 3s +subscription.*"), policy.output());
        try (PulsarAdmin admin = PulsarAdmin.builder().serviceHttpUrl(broker.webUrl()).build()) {
            assertEquals(Map.of("magnetar.retry.backoff", "2s 3s", "magnetar.retry.maxReconsumeTimes",
                    Integer.toString(MAX_RECONSUMES + 1)), admin.topics().getSubscriptionProperties(TOPIC, "billing"));
        }
        try (Consumer<String> billing = client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("billing")
                .subscriptionType(SubscriptionType.Shared).subscribe();
             Consumer<String> audit = client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("audit")
                     .subscriptionType(SubscriptionType.Key_Shared).subscribe()) {
            Map<String, Integer> back = new HashMap<>();
            Message<String> m;
            while ((m = billing.receive(5, TimeUnit.SECONDS)) != null) {
                back.merge(m.getValue(), 1, Integer::sum);
                assertNull(m.getProperty("RECONSUMETIMES"), "a fresh count");
                assertEquals("1", m.getProperty("MAGNETAR_REDRIVES"));
                assertTrue(m.getProperty("ORIGIN_MESSAGE_ID") != null, "still traceable");
                billing.acknowledge(m);
            }
            assertEquals(MESSAGES, back.size(), "billing got its dead letters back: " + back);
            assertTrue(back.values().stream().allMatch(c -> c == 1), "once each: " + back);
            assertNull(audit.receive(2, TimeUnit.SECONDS), "the other subscription does not see them");
        }
    }

    private record CliRun(int exitCode, String output) { }

    private static CliRun cli(BrokerNode broker, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(PulsarRuntime.magnetarScript().toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MAGNETAR_WEB_URL", broker.webUrl());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bin/magnetar finished");
        return new CliRun(p.exitValue(), out);
    }

    @Test
    @Order(1)
    void badPoliciesAreRefusedAtSubscribe() {
        PulsarClientException e = assertThrows(PulsarClientException.NotAllowedException.class, () -> client
                .newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("bad")
                .subscriptionType(SubscriptionType.Shared)
                .subscriptionProperties(Map.of("magnetar.retry.maxReconsumeTimes", "lots")).subscribe());
        assertTrue(e.getMessage().contains("magnetar.retry.maxReconsumeTimes"), e.getMessage());
    }

    private static void nackAll(Consumer<String> consumer, Map<String, List<Delivery>> deliveries,
                                Map<String, MessageId> firstIds, long until) {
        while (System.currentTimeMillis() < until && !Thread.currentThread().isInterrupted()) {
            try {
                Message<String> m = consumer.receive(200, TimeUnit.MILLISECONDS);
                if (m == null) {
                    continue;
                }
                String reconsume = m.getProperty("RECONSUMETIMES");
                int n = reconsume == null ? 0 : Integer.parseInt(reconsume);
                if (n == 0) {
                    firstIds.putIfAbsent(m.getValue(), m.getMessageId());
                }
                deliveries.computeIfAbsent(m.getValue(), k -> new CopyOnWriteArrayList<>())
                        .add(new Delivery(m.getValue(), n, System.currentTimeMillis(),
                                m.getProperty("ORIGIN_MESSAGE_ID"), m.getMessageId()));
                consumer.negativeAcknowledge(m);
            } catch (PulsarClientException e) {
                if (e instanceof PulsarClientException.AlreadyClosedException) {
                    return;
                }
            }
        }
    }

    private static Map<String, Integer> receiveAll(Consumer<String> consumer, Duration quiet) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        Message<String> m;
        while ((m = consumer.receive((int) quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            counts.merge(m.getValue(), 1, Integer::sum);
            consumer.acknowledge(m);
        }
        return counts;
    }

    private static Map<String, Integer> nackUntilQuiet(Consumer<String> consumer, Duration quiet) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        Message<String> m;
        while ((m = consumer.receive((int) quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            counts.merge(m.getValue(), 1, Integer::sum);
            consumer.negativeAcknowledge(m);
        }
        return counts;
    }

    /**
     * Pulsar's WebSocket API, no Pulsar client library: the namespace's properties give the policy (the WebSocket
     * API cannot set subscription properties), the consumer nacks, the broker does the rest.
     */
    private static void webSocketConsumerGetsTheSameBrokerSideRetry(BrokerNode broker, PulsarClient client,
                                                                    PulsarAdmin admin) throws Exception {
        admin.namespaces().createNamespace("public/ws");
        admin.namespaces().setProperty("public/ws", "owner", "team-ws");
        // the policy through Magnetar's REST API, as an operator types it; a bad value changes nothing
        CliRun bad = cli(broker, "retry", "set", "public/ws", "backoff=1s", "maxReconsumeTimes=-2");
        assertEquals(1, bad.exitCode(), bad.output());
        assertTrue(bad.output().contains("HTTP 400: magnetar.retry.maxReconsumeTimes: '-2'"), bad.output());
        assertEquals(Map.of("owner", "team-ws"), admin.namespaces().getProperties("public/ws"));
        CliRun set = cli(broker, "retry", "set", "public/ws", "backoff=1s", "maxReconsumeTimes=2");
        assertEquals(0, set.exitCode(), set.output());
        assertTrue(set.output().matches("(?s).*maxReconsumeTimes +2 +namespace.*"), set.output());
        assertEquals(Map.of("owner", "team-ws", "magnetar.retry.backoff", "1s", "magnetar.retry.maxReconsumeTimes",
                "2"), admin.namespaces().getProperties("public/ws"));
        String topic = "persistent://public/ws/orders";
        try (Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).create()) {
            String url = broker.webUrl().replace("http://", "ws://") + "/ws/v2/consumer/persistent/public/ws/orders/"
                    + "ws-sub?subscriptionType=Shared&negativeAckRedeliveryDelay=100";
            List<JsonNode> received = new CopyOnWriteArrayList<>();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create(url), new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                try {
                                    JsonNode message = JSON.readTree(text.toString());
                                    text.setLength(0);
                                    received.add(message);
                                    ws.sendText("{\"type\":\"negativeAcknowledge\",\"messageId\":\""
                                            + message.get("messageId").asText() + "\"}", true);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            }
                            ws.request(1);
                            return null;
                        }
                    }).get(30, TimeUnit.SECONDS);
            try (Consumer<String> dlq = client.newConsumer(Schema.STRING).topic(topic + "-ws-sub-DLQ")
                    .subscriptionName("inspect").subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                    .subscribe()) {
                Await.until("the socket's consumer is subscribed", Duration.ofSeconds(30), () -> {
                    try {
                        var sub = admin.topics().getStats(topic).getSubscriptions().get("ws-sub");
                        return sub != null && !sub.getConsumers().isEmpty();
                    } catch (Exception e) {
                        return false;
                    }
                });
                for (int i = 0; i < 3; i++) {
                    producer.newMessage().value("ws" + i).send();
                }
                Map<String, Integer> dead = new HashMap<>();
                long deadline = System.currentTimeMillis() + 60_000;
                while (dead.size() < 3 && System.currentTimeMillis() < deadline) {
                    Message<String> m = dlq.receive(1, TimeUnit.SECONDS);
                    if (m != null) {
                        dead.merge(m.getValue(), 1, Integer::sum);
                        assertEquals("2", m.getProperty("RECONSUMETIMES"));
                        assertEquals("ws-sub", m.getProperty("REAL_SUBSCRIPTION"));
                        dlq.acknowledge(m);
                    }
                }
                assertEquals(Set.of("ws0", "ws1", "ws2"), dead.keySet(), "dead-lettered: " + dead);
            } finally {
                socket.abort();
            }
            Map<String, List<String>> reconsumes = new HashMap<>();
            for (JsonNode message : received) {
                String value = new String(Base64.getDecoder().decode(message.get("payload").asText()),
                        StandardCharsets.UTF_8);
                JsonNode properties = message.get("properties");
                JsonNode count = properties == null ? null : properties.get("RECONSUMETIMES");
                reconsumes.computeIfAbsent(value, k -> new ArrayList<>()).add(count == null ? "0" : count.asText());
            }
            for (int i = 0; i < 3; i++) {
                List<String> counts = reconsumes.get("ws" + i);
                assertTrue(counts != null && counts.containsAll(List.of("0", "1", "2")),
                        "ws" + i + " came back with its reconsume count: " + reconsumes);
            }
        }
    }

    /** A tenant with retry and deadLetter off: a nack is redelivered by Pulsar, same message id, no DLQ. */
    private static void vanillaPulsarForTenantsWithTheFlagsOff(PulsarClient client, PulsarAdmin survivorAdmin)
            throws Exception {
        try (PulsarAdmin admin = survivorAdmin) {
            admin.tenants().createTenant("plain", TenantInfo.builder().allowedClusters(Set.of("retry")).build());
            admin.namespaces().createNamespace("plain/default");
            String topic = "persistent://plain/default/vanilla";
            try (Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("s")
                    .subscriptionType(SubscriptionType.Shared)
                    .subscriptionProperties(Map.of("magnetar.retry.maxReconsumeTimes", "not checked"))
                    .negativeAckRedeliveryDelay(100, TimeUnit.MILLISECONDS).subscribe();
                 Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).create()) {
                MessageId sent = producer.send("once");
                for (int attempt = 0; attempt < 3; attempt++) {
                    Message<String> m = consumer.receive(10, TimeUnit.SECONDS);
                    assertTrue(m != null, "redelivered by Pulsar, attempt " + attempt);
                    assertEquals(sent, m.getMessageId(), "the same message, not a copy");
                    assertEquals(attempt, m.getRedeliveryCount());
                    assertNull(m.getProperty("RECONSUMETIMES"));
                    consumer.negativeAcknowledge(m);
                }
            }
            assertFalse(admin.topics().getList("plain/default").stream().anyMatch(t -> t.endsWith("-DLQ")),
                    "no dead-letter topic");
        }
    }

    private BrokerNode owner() throws Exception {
        String url = admin.lookups().lookupTopic(TOPIC);
        return cluster.broker(0).serviceUrl().equals(url) ? cluster.broker(0) : cluster.broker(1);
    }
}
