package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.Ports;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The official RocketMQ 4.9.8 client against a standalone broker with Magnetar installed by install.sh and the
 * RocketMQ protocol handler enabled: the broker's RocketMQ port is the client's name server and its broker. What the
 * client sent is read back from the Pulsar topics with a Pulsar reader, to check how it is stored.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RocketMqProtocolIT {
    private static final int PARTITIONS = 4;

    private static StandaloneCluster pulsar;
    private static PulsarClient pulsarClient;
    private static PulsarAdmin admin;
    private static String rocketMqAddress;
    private static DefaultMQProducer producer;

    @BeforeAll
    static void start() throws Exception {
        int port = Ports.free();
        rocketMqAddress = "127.0.0.1:" + port;
        pulsar = StandaloneCluster.builder("rocketmq")
                .rocketMq(port)
                // Pulsar persists at most one mark-delete per second and cursor (Pulsar's default); later ones
                // reach BookKeeper within managedLedgerCursorPositionFlushSeconds. The kill -9 scenario checks
                // exact offsets, so every commit is persisted at once here.
                .conf("managedLedgerDefaultMarkDeleteRateLimit", "1000")
                .start();
        pulsarClient = pulsar.newClient();
        admin = pulsar.newAdmin(0);
        admin.topics().createPartitionedTopic("persistent://public/default/orders", PARTITIONS);
        producer = newProducer("it-producers");
    }

    static DefaultMQProducer newProducer(String group) throws Exception {
        DefaultMQProducer p = new DefaultMQProducer(group);
        p.setNamesrvAddr(rocketMqAddress);
        p.setVipChannelEnabled(false);
        p.setInstanceName(group + "-" + System.nanoTime());
        p.setSendMsgTimeout(10_000);
        p.start();
        return p;
    }

    @AfterAll
    static void stop() throws Exception {
        if (producer != null) {
            producer.shutdown();
        }
        if (admin != null) {
            admin.close();
        }
        if (pulsarClient != null) {
            pulsarClient.close();
        }
        if (pulsar != null) {
            pulsar.close();
        }
    }

    private static org.apache.rocketmq.common.message.Message message(String topic, String body, String tag,
            String keys) {
        org.apache.rocketmq.common.message.Message m = new org.apache.rocketmq.common.message.Message(topic, tag, keys,
                body.getBytes(StandardCharsets.UTF_8));
        m.putUserProperty("color", "blue");
        return m;
    }

    /** Everything stored in {@code topic} (all partitions), body to properties. */
    private static Map<String, Map<String, String>> stored(String topic, int expected) throws Exception {
        Map<String, Map<String, String>> seen = new HashMap<>();
        try (Reader<byte[]> reader = pulsarClient.newReader().topic(topic).startMessageId(MessageId.earliest)
                .create()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seen.size() < expected && System.nanoTime() < deadline) {
                Message<byte[]> m = reader.readNext(1, TimeUnit.SECONDS);
                if (m != null) {
                    seen.put(new String(m.getValue(), StandardCharsets.UTF_8), m.getProperties());
                }
            }
            // Nothing beyond what was sent.
            Message<byte[]> extra = reader.readNext(1, TimeUnit.SECONDS);
            if (extra != null) {
                seen.put(new String(extra.getValue(), StandardCharsets.UTF_8), extra.getProperties());
            }
        }
        return seen;
    }

    @Test
    void theRouteOfAPartitionedTopicHasOneQueuePerPartitionOnThisBroker() throws Exception {
        List<MessageQueue> queues = producer.fetchPublishMessageQueues("orders");
        assertEquals(PARTITIONS, queues.size(), queues.toString());
        assertTrue(queues.stream().allMatch(q -> q.getBrokerName().equals(rocketMqAddress)), queues.toString());
    }

    @Test
    void syncSendsLandInTheChosenPartitionWithKeysTagsAndPropertiesAndGrowingOffsets() throws Exception {
        List<MessageQueue> queues = producer.fetchPublishMessageQueues("orders");
        MessageQueue queue2 = queues.stream().filter(q -> q.getQueueId() == 2).findFirst().orElseThrow();
        List<SendResult> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            results.add(producer.send(message("orders", "sync-" + i, "TagA", "key-" + i), queue2));
        }
        long first = results.get(0).getQueueOffset();
        for (int i = 0; i < results.size(); i++) {
            SendResult r = results.get(i);
            assertEquals(SendStatus.SEND_OK, r.getSendStatus());
            assertEquals(2, r.getMessageQueue().getQueueId());
            assertNotNull(r.getMsgId());
            assertTrue(r.getOffsetMsgId().endsWith(":2"), r.getOffsetMsgId());
            assertEquals(first + i, r.getQueueOffset(), "offsets of one queue grow by one per message");
        }
        Map<String, Map<String, String>> stored = stored("persistent://public/default/orders-partition-2", 5);
        assertEquals(5, stored.size(), stored.keySet().toString());
        for (int i = 0; i < 5; i++) {
            Map<String, String> p = stored.get("sync-" + i);
            assertEquals("TagA", p.get("TAGS"));
            assertEquals("key-" + i, p.get("KEYS"));
            assertEquals("blue", p.get("color"));
            assertEquals(results.get(i).getMsgId(), p.get("UNIQ_KEY"));
        }
    }

    @Test
    void asyncOneWayAndBatchSendsAllArriveOnceAndABatchTakesConsecutiveOffsets() throws Exception {
        admin.topics().createPartitionedTopic("persistent://public/default/mixed", 2);
        List<CompletableFuture<SendResult>> async = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            CompletableFuture<SendResult> f = new CompletableFuture<>();
            producer.send(message("mixed", "async-" + i, "TagB", "k"), new SendCallback() {
                @Override
                public void onSuccess(SendResult sendResult) {
                    f.complete(sendResult);
                }

                @Override
                public void onException(Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            async.add(f);
        }
        for (CompletableFuture<SendResult> f : async) {
            assertEquals(SendStatus.SEND_OK, f.get(30, TimeUnit.SECONDS).getSendStatus());
        }
        List<org.apache.rocketmq.common.message.Message> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batch.add(message("mixed", "batch-" + i, i % 2 == 0 ? "TagA" : "TagB", "b" + i));
        }
        SendResult batchResult = producer.send(batch);
        assertEquals(SendStatus.SEND_OK, batchResult.getSendStatus());
        assertEquals(4, batchResult.getMsgId().split(",").length, batchResult.getMsgId());
        long before = batchResult.getQueueOffset();
        SendResult after = producer.send(message("mixed", "after-batch", "TagA", "k"), batchResult.getMessageQueue());
        assertEquals(before + 4, after.getQueueOffset(), "the batch's 4 messages took 4 offsets");
        // One-way sends last: nothing acknowledges them, so they must not race the offsets checked above.
        for (int i = 0; i < 3; i++) {
            producer.sendOneway(message("mixed", "oneway-" + i, "TagC", "k"));
        }

        Map<String, Map<String, String>> stored = stored("persistent://public/default/mixed", 10 + 3 + 4 + 1);
        assertEquals(18, stored.size(), stored.keySet().toString());
        assertEquals("TagB", stored.get("async-7").get("TAGS"));
        assertEquals("TagC", stored.get("oneway-2").get("TAGS"));
        assertEquals("TagB", stored.get("batch-3").get("TAGS"));
        assertEquals("b3", stored.get("batch-3").get("KEYS"));
        assertEquals("TagA", stored.get("batch-2").get("TAGS"));
    }

    @Test
    void anUnknownTopicIsCreatedAsPulsarsAutoCreationSays() throws Exception {
        SendResult r = producer.send(message("fresh", "first", "TagA", "k"));
        assertEquals(SendStatus.SEND_OK, r.getSendStatus());
        assertEquals(0, r.getMessageQueue().getQueueId());
        // The standalone default: non-partitioned topics are created on first use.
        assertTrue(admin.topics().getList("public/default").contains("persistent://public/default/fresh"));
        assertEquals("TagA", stored("persistent://public/default/fresh", 1).get("first").get("TAGS"));
    }

    @Test
    void anUnimplementedRequestCodeIsAnsweredNotSupported() throws Exception {
        NettyRemotingClient client = new NettyRemotingClient(new NettyClientConfig());
        client.start();
        try {
            RemotingCommand response = client.invokeSync(rocketMqAddress,
                    RemotingCommand.createRequestCommand(9999, null), 10_000);
            assertEquals(3, response.getCode(), "REQUEST_CODE_NOT_SUPPORTED");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void anOversizedFrameClosesTheConnectionAndIsCounted() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(rocketMqAddress.split(":")[1]))) {
            socket.setSoTimeout(10_000);
            new DataOutputStream(socket.getOutputStream()).writeInt(Integer.MAX_VALUE);
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            assertEquals(-1, in.read(), "the broker closes the connection");
        }
        Await.until("malformed frame counted", Duration.ofSeconds(10), () -> Metrics.value(
                Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_rocketmq_malformed_frames_total")
                .orElse(0) >= 1);
    }

    @Test
    void requestsAreCountedByCodeAndOutcome() throws Exception {
        producer.send(message("counted", "counted", "TagA", "k"));
        String metrics = Metrics.scrape(pulsar.webUrl() + "/metrics/");
        assertTrue(Metrics.value(metrics, "magnetar_rocketmq_requests_total", "code=\"SEND_MESSAGE_V2\"",
                "outcome=\"success\"").orElse(0) >= 1, metrics);
        assertTrue(Metrics.value(metrics, "magnetar_rocketmq_requests_total", "code=\"GET_ROUTEINFO_BY_TOPIC\"",
                "outcome=\"success\"").orElse(0) >= 1, metrics);
        assertTrue(Metrics.value(metrics, "magnetar_rocketmq_connections").orElse(0) >= 1, metrics);
    }

    private static DefaultMQPushConsumer pushConsumer(String group, String topic, List<String> received)
            throws Exception {
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group);
        consumer.setNamesrvAddr(rocketMqAddress);
        consumer.setVipChannelEnabled(false);
        consumer.setInstanceName(group + "-" + System.nanoTime());
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            for (MessageExt m : messages) {
                received.add(new String(m.getBody(), StandardCharsets.UTF_8));
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        return consumer;
    }

    private static List<String> sendAll(String topic, String prefix, int count) throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = prefix + "-" + i;
            assertEquals(SendStatus.SEND_OK, producer.send(message(topic, body, "TagA", "k" + i)).getSendStatus());
            bodies.add(body);
        }
        return bodies;
    }

    private static long backlog(String partitionedTopic, int partitions, String subscription) throws Exception {
        long total = 0;
        for (int p = 0; p < partitions; p++) {
            var stats = admin.topics().getStats(partitionedTopic + "-partition-" + p);
            var sub = stats.getSubscriptions().get(subscription);
            total += sub == null ? Long.MAX_VALUE / 8 : sub.getMsgBacklog();
        }
        return total;
    }

    @Test
    @Order(10)
    void aPushConsumerReceivesExactlyWhatWasSentAndItsProgressIsThePulsarSubscriptions() throws Exception {
        admin.topics().createPartitionedTopic("persistent://public/default/pushed", PARTITIONS);
        List<String> sent = sendAll("pushed", "push", 40);
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        DefaultMQPushConsumer consumer = pushConsumer("push-group", "pushed", received);
        try {
            Await.until("40 messages pushed", Duration.ofSeconds(60), () -> received.size() >= 40);
            // Sent while the consumer runs: delivered by a held (long-polling) pull.
            sent.addAll(sendAll("pushed", "live", 4));
            Await.until("44 messages pushed", Duration.ofSeconds(30), () -> received.size() >= 44);
        } finally {
            consumer.shutdown(); // commits the offsets
        }
        assertEquals(new TreeSet<>(sent), new TreeSet<>(received));
        assertEquals(44, received.size(), "no message twice");
        assertEquals(0, backlog("persistent://public/default/pushed", PARTITIONS, "push-group"),
                "the group's Pulsar subscription has acknowledged everything");
        assertTrue(Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_rocketmq_pulls_suspended_total")
                .orElse(0) >= 1);
    }

    @Test
    @Order(20)
    void aLitePullConsumerReceivesExactlyWhatWasSent() throws Exception {
        admin.topics().createPartitionedTopic("persistent://public/default/lite", 2);
        List<String> sent = sendAll("lite", "lite", 20);
        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer("lite-group");
        consumer.setNamesrvAddr(rocketMqAddress);
        consumer.setVipChannelEnabled(false);
        consumer.setInstanceName("lite-" + System.nanoTime());
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.setAutoCommit(false);
        consumer.subscribe("lite", "*");
        consumer.start();
        List<String> received = new ArrayList<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.size() < 20 && System.nanoTime() < deadline) {
                for (MessageExt m : consumer.poll(1000)) {
                    received.add(new String(m.getBody(), StandardCharsets.UTF_8));
                }
            }
            consumer.commitSync();
        } finally {
            consumer.shutdown();
        }
        assertEquals(new TreeSet<>(sent), new TreeSet<>(received));
        assertEquals(20, received.size());
        Await.until("lite-group's offsets committed to its subscription", Duration.ofSeconds(20), () -> {
            try {
                return backlog("persistent://public/default/lite", 2, "lite-group") == 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: the other scenarios share this broker, unordered ones run at MAX_VALUE / 2
    void committedOffsetsSurviveAKill9OfTheBrokerAndNothingIsLost() throws Exception {
        admin.topics().createPartitionedTopic("persistent://public/default/durable", 2);
        List<String> first = sendAll("durable", "before", 20);
        List<String> received = Collections.synchronizedList(new ArrayList<>());
        DefaultMQPushConsumer consumer = pushConsumer("durable-group", "durable", received);
        try {
            Await.until("20 messages before the kill", Duration.ofSeconds(60), () -> received.size() >= 20);
        } finally {
            consumer.shutdown();
        }
        assertEquals(new TreeSet<>(first), new TreeSet<>(received));
        // The shutdown's last commit is one-way: kill only once the subscription holds it.
        Await.until("durable-group's offsets committed to its subscription", Duration.ofSeconds(20), () -> {
            try {
                return backlog("persistent://public/default/durable", 2, "durable-group") == 0;
            } catch (Exception e) {
                return false;
            }
        });

        pulsar.broker(0).killAndRestart(StandaloneCluster.START_TIMEOUT);

        List<String> second = sendAll("durable", "after", 10);
        List<String> again = Collections.synchronizedList(new ArrayList<>());
        DefaultMQPushConsumer restarted = pushConsumer("durable-group", "durable", again);
        try {
            Await.until("the 10 messages sent after the restart", Duration.ofSeconds(90), () -> again.size() >= 10);
            Thread.sleep(2000); // anything redelivered from before the kill would show up by now
        } finally {
            restarted.shutdown();
        }
        assertEquals(new TreeSet<>(second), new TreeSet<>(again), "exactly what was not yet consumed");
        Set<String> all = new TreeSet<>(received);
        all.addAll(again);
        assertEquals(30, all.size());
    }
}
