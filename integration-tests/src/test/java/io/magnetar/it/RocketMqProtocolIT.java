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
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official RocketMQ 4.9.8 client against a standalone broker with Magnetar installed by install.sh and the
 * RocketMQ protocol handler enabled: the broker's RocketMQ port is the client's name server and its broker. What the
 * client sent is read back from the Pulsar topics with a Pulsar reader, to check how it is stored.
 */
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
                .conf("messagingProtocols", "rocketmq")
                .conf("rocketmqListeners", "rocketmq://127.0.0.1:" + port)
                .conf("brokerEntryMetadataInterceptors",
                        "org.apache.pulsar.common.intercept.AppendIndexMetadataInterceptor")
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
        long previous = -1;
        for (SendResult r : results) {
            assertEquals(SendStatus.SEND_OK, r.getSendStatus());
            assertEquals(2, r.getMessageQueue().getQueueId());
            assertNotNull(r.getMsgId());
            assertTrue(r.getOffsetMsgId().endsWith(":2"), r.getOffsetMsgId());
            assertEquals(previous + 1, r.getQueueOffset(), "offsets of one queue grow by one per message");
            previous = r.getQueueOffset();
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
        producer.send(message("orders", "counted", "TagA", "k"));
        String metrics = Metrics.scrape(pulsar.webUrl() + "/metrics/");
        assertTrue(Metrics.value(metrics, "magnetar_rocketmq_requests_total", "code=\"SEND_MESSAGE_V2\"",
                "outcome=\"success\"").orElse(0) >= 1, metrics);
        assertTrue(Metrics.value(metrics, "magnetar_rocketmq_requests_total", "code=\"GET_ROUTEINFO_BY_TOPIC\"",
                "outcome=\"success\"").orElse(0) >= 1, metrics);
        assertTrue(Metrics.value(metrics, "magnetar_rocketmq_connections").orElse(0) >= 1, metrics);
    }
}
