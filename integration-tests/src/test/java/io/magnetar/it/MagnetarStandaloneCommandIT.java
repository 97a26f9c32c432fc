package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.Ports;
import io.magnetar.it.harness.PulsarRuntime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, as a newcomer runs it: bin/magnetar standalone, stop, again with --data-dir. */
class MagnetarStandaloneCommandIT {

    @Test
    void startsWithEveryPluginStopsCleanlyAndKeepsItsDataDir(@TempDir Path tmp) throws Exception {
        int port = Ports.free();
        int webPort = Ports.free();
        int rocketMqPort = Ports.free();
        Path dataDir = tmp.resolve("data");
        String topic = "persistent://public/default/kept";

        Process first = start(tmp.resolve("first.out"), port, webPort, rocketMqPort, dataDir);
        try {
            Http.Response features = Http.get("http://127.0.0.1:" + webPort + "/magnetar/v1/tenants/public/features");
            assertEquals(200, features.status(), features.body());
            for (String f : List.of("delay", "transaction", "retry", "deadLetter", "tagFilter")) {
                assertTrue(features.body().contains("\"" + f + "\":true"), f + " on for public: " + features.body());
            }
            try (PulsarClient client = PulsarClient.builder().serviceUrl("pulsar://127.0.0.1:" + port).build();
                 Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).create()) {
                producer.send("still here");
            }
            // every plugin means the RocketMQ protocol handler too: the official client sends, Pulsar receives
            DefaultMQProducer rocketMq = new DefaultMQProducer("standalone-check");
            rocketMq.setNamesrvAddr("127.0.0.1:" + rocketMqPort);
            rocketMq.setVipChannelEnabled(false);
            rocketMq.setSendMsgTimeout(10_000);
            rocketMq.start();
            try {
                SendResult sent = rocketMq.send(new org.apache.rocketmq.common.message.Message("FromRocketMq", "TagA",
                        "hello from rocketmq".getBytes(StandardCharsets.UTF_8)));
                assertEquals(SendStatus.SEND_OK, sent.getSendStatus(), sent.toString());
            } finally {
                rocketMq.shutdown();
            }
            try (PulsarClient client = PulsarClient.builder().serviceUrl("pulsar://127.0.0.1:" + port).build();
                 Consumer<byte[]> consumer = client.newConsumer()
                         .topic("persistent://public/default/FromRocketMq").subscriptionName("check")
                         .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
                Message<byte[]> m = consumer.receive(60, TimeUnit.SECONDS);
                assertEquals("hello from rocketmq", m == null ? null : new String(m.getValue(), StandardCharsets.UTF_8));
                assertEquals("TagA", m.getProperty("TAGS"), "the tag kept as a Pulsar message property");
            }
        } finally {
            stop(first, tmp.resolve("first.out"));
        }
        assertFalse(listening(webPort), "no broker left behind after Ctrl-C");

        Process second = start(tmp.resolve("second.out"), port, webPort, rocketMqPort, dataDir);
        try (PulsarClient client = PulsarClient.builder().serviceUrl("pulsar://127.0.0.1:" + port).build();
             Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("s")
                     .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
            Message<String> m = consumer.receive(60, TimeUnit.SECONDS);
            assertEquals("still here", m == null ? null : m.getValue(), "--data-dir kept the message");
        } finally {
            stop(second, tmp.resolve("second.out"));
        }
    }

    private static Process start(Path output, int port, int webPort, int rocketMqPort, Path dataDir)
            throws Exception {
        Path script = PulsarRuntime.magnetarScript();
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "standalone", "--port", Integer.toString(port),
                "--web-port", Integer.toString(webPort), "--rocketmq-port", Integer.toString(rocketMqPort),
                "--data-dir", dataDir.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("MAGNETAR_SKIP_BUILD", "1");
        pb.environment().put("PULSAR_MEM", "-Xms256m -Xmx768m -XX:MaxDirectMemorySize=512m");
        Process p = pb.start();
        Await.until("bin/magnetar standalone prints ready", Duration.ofSeconds(240), () -> read(output),
                () -> read(output).contains("magnetar: ready.") || !p.isAlive());
        assertTrue(p.isAlive(), read(output));
        assertTrue(read(output).contains("service URL   pulsar://127.0.0.1:" + port), read(output));
        assertTrue(read(output).contains("namesrvAddr=127.0.0.1:" + rocketMqPort), read(output));
        return p;
    }

    /**
     * Stops the script the way Ctrl-C does, through its INT/TERM trap. The test sends TERM: a process started
     * from a background job inherits SIGINT as ignored, and bash cannot trap a signal ignored on entry.
     */
    private static void stop(Process p, Path output) throws Exception {
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        boolean stopped = p.waitFor(90, TimeUnit.SECONDS);
        if (!stopped) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        assertTrue(stopped, "stopped within 90 s: " + read(output));
        assertEquals(0, p.exitValue(), read(output));
        assertTrue(read(output).contains("magnetar: stopped"), read(output));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }
}
