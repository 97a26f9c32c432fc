package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.magnetar.it.harness.Ports;
import io.magnetar.it.harness.StandaloneCluster;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Reader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official RocketMQ 5.x remoting client (its own failsafe execution: it shares the 4.x client's class names)
 * against a standalone broker with the RocketMQ protocol handler enabled.
 */
class RocketMqClient5IT {
    private static StandaloneCluster pulsar;
    private static PulsarClient pulsarClient;
    private static String rocketMqAddress;

    @BeforeAll
    static void start() throws Exception {
        int port = Ports.free();
        rocketMqAddress = "127.0.0.1:" + port;
        pulsar = StandaloneCluster.builder("rocketmq5")
                .rocketMq(port)
                .start();
        pulsarClient = pulsar.newClient();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pulsarClient != null) {
            pulsarClient.close();
        }
        if (pulsar != null) {
            pulsar.close();
        }
    }

    @Test
    void theFiveClientSendsAndConsumesWithItsTagsAndProperties() throws Exception {
        assertEquals("V5", MQVersion.getVersionDesc(MQVersion.CURRENT_VERSION).substring(0, 2),
                "this execution runs the 5.x client");
        DefaultMQProducer producer = new DefaultMQProducer("five-producers");
        producer.setNamesrvAddr(rocketMqAddress);
        producer.setVipChannelEnabled(false);
        producer.setSendMsgTimeout(10_000);
        producer.start();
        try {
            for (int i = 0; i < 3; i++) {
                org.apache.rocketmq.common.message.Message m = new org.apache.rocketmq.common.message.Message(
                        "five", "TagF", "key-" + i, ("five-" + i).getBytes(StandardCharsets.UTF_8));
                m.putUserProperty("client", "5");
                SendResult r = producer.send(m);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus());
                assertEquals(i, r.getQueueOffset());
            }
        } finally {
            producer.shutdown();
        }
        try (Reader<byte[]> reader = pulsarClient.newReader().topic("persistent://public/default/five")
                .startMessageId(MessageId.earliest).create()) {
            for (int i = 0; i < 3; i++) {
                Message<byte[]> m = reader.readNext(30, TimeUnit.SECONDS);
                assertEquals("five-" + i, new String(m.getValue(), StandardCharsets.UTF_8));
                assertEquals("TagF", m.getProperty("TAGS"));
                assertEquals("key-" + i, m.getProperty("KEYS"));
                assertEquals("5", m.getProperty("client"));
            }
        }

        List<String> received = Collections.synchronizedList(new ArrayList<>());
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer("five-consumers");
        consumer.setNamesrvAddr(rocketMqAddress);
        consumer.setVipChannelEnabled(false);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe("five", "TagF");
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            for (MessageExt m : messages) {
                received.add(new String(m.getBody(), StandardCharsets.UTF_8) + "/" + m.getTags() + "/"
                        + m.getUserProperty("client"));
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        consumer.start();
        try {
            Await.until("the 5.x push consumer receives the 3 messages", Duration.ofSeconds(60),
                    () -> received.size() >= 3);
        } finally {
            consumer.shutdown();
        }
        assertEquals(List.of("five-0/TagF/5", "five-1/TagF/5", "five-2/TagF/5"), received.stream().sorted().toList());
    }
}
