package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.S3ProxyServer;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.common.policies.data.ManagedLedgerInternalStats.LedgerInfo;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;
import org.apache.pulsar.common.policies.data.OffloadedReadPriority;
import org.apache.pulsar.common.policies.data.PersistentTopicInternalStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator's story for tiered storage: an S3-compatible server (s3proxy on loopback), a standalone broker with
 * Magnetar installed by install.sh and {@code managedLedgerOffloadDriver=magnetar-s3}; produce into small ledgers,
 * offload them with {@code topics offload}, let Pulsar delete the BookKeeper copies (deletion lag 0), unload,
 * and read everything back byte-exact from S3 with a fresh consumer.
 *
 * <p>Reads use {@code managedLedgerDataReadPriority=bookkeeper-first}: the broker reads from S3 only once a
 * ledger's BookKeeper copy is gone, so the offloader's read counters prove both the deletion and the read path.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieredOffloadIT {
    private static final String BUCKET = "magnetar-offload-it";
    private static final String TOPIC = "persistent://public/default/offload-it";
    private static final int MESSAGES = 300;
    private static final int ENTRIES_PER_LEDGER = 100;
    private static final int PAYLOAD = 60_000; // 100 entries = ~6 MB per ledger: two 5 MiB multipart parts
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static S3ProxyServer s3;
    private static StandaloneCluster pulsar;

    @BeforeAll
    static void start() throws Exception {
        s3 = TieredOffloadSetup.s3proxy("s3proxy", 0, BUCKET);
        pulsar = TieredOffloadSetup.broker("offload", s3, BUCKET, ENTRIES_PER_LEDGER).build();
        // Pulsar's jcloud offloader beside Magnetar's, where Pulsar's offloader distribution puts it
        Path jcloud = Paths.get(System.getProperty("magnetar.jcloud.nar",
                "target/pulsar-offloaders/tiered-storage-jcloud-4.0.8.nar"));
        Files.copy(jcloud, pulsar.home().resolve("offloaders").resolve(jcloud.getFileName()));
        pulsar.start();
    }

    @AfterAll
    static void stop() {
        TieredOffloadSetup.close(pulsar, s3);
    }

    @Test
    @Order(1)
    void offloadedLedgersReadBackByteExactFromS3AfterBookKeeperCopiesAreDeleted() throws Exception {
        assertTrue(pulsar.broker(0).process().logContains("Magnetar offloader created: bucket=" + BUCKET),
                "the broker created Magnetar's offloader at start:\n" + pulsar.broker(0).process().logTail(40));
        assertTrue(pulsar.broker(0).process().logLinesContaining("it-secret-key").isEmpty(), "no secret in the logs");
        // broker.conf's extra keys reach namespace offloaders too (Pulsar's merge drops them; the factory keeps them)
        List<String> created = pulsar.broker(0).process().logLinesContaining("Magnetar offloader created:");
        assertTrue(created.stream().allMatch(l -> l.contains("partSize=5242880") && l.contains("credentials=ENVIRONMENT")),
                String.join("\n", created));

        List<byte[]> payloads = TieredOffloadSetup.payloads(MESSAGES, PAYLOAD, 8);
        Map<MessageId, Integer> index = new HashMap<>();
        String startMetrics = Metrics.scrape(pulsar.webUrl() + "/metrics/");
        double ledgersBefore = Metrics.value(startMetrics, "magnetar_offload_offloaded_ledgers_total").orElse(0);
        double bytesBefore = Metrics.value(startMetrics, "magnetar_offload_offloaded_bytes_total").orElse(0);

        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            // a durable subscription before producing keeps the whole backlog
            client.newConsumer(Schema.BYTES).topic(TOPIC).subscriptionName("sub")
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
            List<MessageId> sent = TieredOffloadSetup.produce(client, TOPIC, payloads);
            for (int i = 0; i < MESSAGES; i++) {
                index.put(sent.get(i), i);
            }

            // unload closes the last ledger; the reloaded topic writes to a new, empty one
            admin.topics().unload(TOPIC);
            PersistentTopicInternalStats stats = admin.topics().getInternalStats(TOPIC);
            List<LedgerInfo> ledgers = stats.ledgers;
            LedgerInfo current = ledgers.get(ledgers.size() - 1);
            List<LedgerInfo> data = ledgers.stream().filter(l -> l.entries > 0).toList();
            assertEquals(0, current.entries, "the current ledger is empty");
            assertEquals(MESSAGES, data.stream().mapToLong(l -> l.entries).sum());
            assertTrue(data.size() >= MESSAGES / ENTRIES_PER_LEDGER, "ledgers rolled every 100 entries: " + data.size());
            long ledgerBytes = data.stream().mapToLong(l -> l.size).sum();

            TieredOffloadSetup.offloadAll(admin, TOPIC, pulsar);
            PersistentTopicInternalStats after = admin.topics().getInternalStats(TOPIC);
            Set<Long> offloaded = new HashSet<>();
            for (LedgerInfo l : after.ledgers) {
                if (l.entries > 0) {
                    assertTrue(l.offloaded, "ledger " + l.ledgerId + " offloaded");
                    offloaded.add(l.ledgerId);
                }
            }
            assertEquals(data.size(), offloaded.size());

            // one data and one index object per ledger in the bucket, under deterministic names
            List<String> keys = s3.list(BUCKET, "magnetar/");
            for (long ledgerId : offloaded) {
                assertEquals(1, keys.stream().filter(k -> k.endsWith("-ledger-" + ledgerId + ".index")).count(),
                        keys.toString());
                assertEquals(1, keys.stream().filter(k -> k.endsWith("-ledger-" + ledgerId + ".data")).count(),
                        keys.toString());
            }
            String metrics = Metrics.scrape(pulsar.webUrl() + "/metrics/");
            assertEquals(offloaded.size(), TieredOffloadSetup.counter(metrics, "magnetar_offload_offloaded_ledgers_total") - ledgersBefore);
            assertEquals(ledgerBytes, TieredOffloadSetup.counter(metrics, "magnetar_offload_offloaded_bytes_total") - bytesBefore);

            // deletion lag 0: the trimmer deletes every BookKeeper copy
            Await.until("BookKeeper copies of " + offloaded + " deleted", WAIT,
                    () -> String.valueOf(deletedFromBookKeeper()), () -> deletedFromBookKeeper().containsAll(offloaded));

            // a fresh broker-side view: no cached read handles or entries
            admin.topics().unload(TOPIC);
            double readBefore = TieredOffloadSetup.counter(Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_offload_read_bytes_total");
            // several readers of the same offloaded ledgers at once, each gets everything
            List<CompletableFuture<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                readers.add(CompletableFuture.supplyAsync(() -> {
                    try (org.apache.pulsar.client.api.Reader<byte[]> reader = client.newReader(Schema.BYTES)
                            .topic(TOPIC).startMessageId(MessageId.earliest).create()) {
                        int n = 0;
                        while (n < MESSAGES) {
                            Message<byte[]> m = reader.readNext(30, TimeUnit.SECONDS);
                            assertNotNull(m, "reader got message " + n);
                            assertArrayEquals(payloads.get(n), m.getValue(), "reader's payload " + n);
                            n++;
                        }
                        return n;
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            for (CompletableFuture<Integer> r : readers) {
                assertEquals(MESSAGES, r.get(90, TimeUnit.SECONDS));
            }
            try (Consumer<byte[]> consumer = client.newConsumer(Schema.BYTES).topic(TOPIC).subscriptionName("sub")
                    .subscribe()) {
                for (int i = 0; i < MESSAGES; i++) {
                    Message<byte[]> m = consumer.receive(30, TimeUnit.SECONDS);
                    assertNotNull(m, "message " + i + " of " + MESSAGES + " received");
                    Integer sentAs = index.get(m.getMessageId());
                    assertEquals(i, sentAs, "message " + i + " in order, id " + m.getMessageId());
                    assertArrayEquals(payloads.get(i), m.getValue(), "payload of message " + i);
                    consumer.acknowledge(m);
                }
            }
            String end = Metrics.scrape(pulsar.webUrl() + "/metrics/");
            double read = TieredOffloadSetup.counter(end, "magnetar_offload_read_bytes_total") - readBefore;
            assertTrue(read >= (double) MESSAGES * PAYLOAD, "the backlog was read from S3: " + read + " bytes");
            assertTrue(TieredOffloadSetup.counter(end, "magnetar_offload_get_requests_total") >= offloaded.size() * 2,
                    "an index GET and ranged GETs per ledger");
            assertEquals(0.0, Metrics.value(end, "magnetar_offload_errors_total", "operation=\"read\"").orElse(-1));
            assertEquals(0.0, Metrics.value(end, "magnetar_offload_errors_total", "operation=\"offload\"").orElse(-1));

            // everything acknowledged, no retention: trimming drops the ledgers and deletes their objects through us
            admin.topics().trimTopic(TOPIC);
            Await.until("offloaded objects of " + offloaded + " deleted", WAIT, () -> s3.list(BUCKET, "magnetar/").toString(),
                    () -> s3.list(BUCKET, "magnetar/").stream().noneMatch(k -> offloaded.stream()
                            .anyMatch(id -> k.contains("-ledger-" + id + "."))));
            assertEquals(0.0, Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_offload_errors_total",
                    "operation=\"delete\"").orElse(-1));
        }
    }

    @Test
    @Order(2)
    void theAdminCliSetsANamespaceOnMagnetarsDriverAndOffloadsThroughIt() throws Exception {
        String namespace = "public/offload-cli";
        String topic = "persistent://" + namespace + "/cli-topic";
        int messages = 250; // two full ledgers of 100, 50 in the current one
        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            admin.namespaces().createNamespace(namespace);
            // the distribution's own CLI: it accepts magnetar-s3 only through install.sh's pulsar_tools_env.sh
            cli("namespaces", "set-offload-policies", namespace, "--driver", "magnetar-s3", "--bucket", BUCKET,
                    "--endpoint", s3.endpoint(), "--offloadedReadPriority", "tiered-storage-first");
            assertEquals("magnetar-s3", admin.namespaces().getOffloadPolicies(namespace).getManagedLedgerOffloadDriver());

            client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("sub")
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
            List<byte[]> payloads = new ArrayList<>();
            Random random = new Random(9);
            try (Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic).enableBatching(false)
                    .create()) {
                for (int i = 0; i < messages; i++) {
                    byte[] p = new byte[1000 + random.nextInt(1000)];
                    random.nextBytes(p);
                    payloads.add(p);
                    producer.send(p);
                }
            }
            double offloadedBefore = TieredOffloadSetup.counter(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                    "magnetar_offload_offloaded_ledgers_total");
            // keep nothing in BookKeeper beyond the current ledger, and wait for it
            cli("topics", "offload", "--size-threshold", "0", topic);
            cli("topics", "offload-status", "--wait-complete", topic);
            List<LedgerInfo> ledgers = admin.topics().getInternalStats(topic).ledgers;
            long offloaded = ledgers.stream().filter(l -> l.offloaded).count();
            assertEquals(2, offloaded, "the two closed ledgers, not the current one: " + ledgers.size() + " ledgers");
            assertEquals(2.0, TieredOffloadSetup.counter(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                    "magnetar_offload_offloaded_ledgers_total") - offloadedBefore);

            double read = TieredOffloadSetup.readBackAfterUnload(pulsar, client, admin, topic, payloads, messages);
            assertTrue(read >= 200, "the 200 offloaded entries came from S3 (tiered-storage-first): " + read);
        }
    }

    @Test
    @Order(3)
    void ledgersPulsarsJcloudOffloaderWroteAreReadAfterSwitchingToMagnetar() throws Exception {
        String namespace = "public/offload-jcloud";
        String topic = "persistent://" + namespace + "/switch";
        int messages = 250;
        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            admin.namespaces().createNamespace(namespace);
            // Pulsar's own S3 driver, 5 MiB blocks: a 6 MB ledger spans two blocks
            admin.namespaces().setOffloadPolicies(namespace, OffloadPoliciesImpl.create("S3", "us-east-1", BUCKET,
                    s3.endpoint(), null, null, null, null, 5 * 1024 * 1024, 1024 * 1024, null, null, null,
                    OffloadedReadPriority.TIERED_STORAGE_FIRST));
            client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("sub")
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
            List<byte[]> payloads = TieredOffloadSetup.payloads(messages, PAYLOAD, 10);
            TieredOffloadSetup.produce(client, topic, payloads);
            admin.topics().unload(topic);
            double magnetarBefore = TieredOffloadSetup.counter(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                    "magnetar_offload_offloaded_ledgers_total");
            TieredOffloadSetup.offloadAll(admin, topic, pulsar);
            long offloaded = admin.topics().getInternalStats(topic).ledgers.stream().filter(l -> l.offloaded).count();
            assertEquals(3, offloaded, "100 + 100 + 50 entries in three closed ledgers");
            assertEquals(magnetarBefore, TieredOffloadSetup.counter(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                    "magnetar_offload_offloaded_ledgers_total"), "Pulsar's driver wrote these, not Magnetar's");
            List<String> jcloudIndexes = s3.list(BUCKET, "").stream()
                    .filter(k -> !k.startsWith("magnetar/") && k.endsWith("-index")).toList();
            assertTrue(jcloudIndexes.size() >= 3, "jcloud's <uid>-ledger-<id>-index objects: " + jcloudIndexes);

            // the operator switches the namespace to Magnetar's driver; old ledgers stay where jcloud put them
            cli("namespaces", "set-offload-policies", namespace, "--driver", "magnetar-s3", "--bucket", BUCKET,
                    "--endpoint", s3.endpoint(), "--offloadedReadPriority", "tiered-storage-first");
            double read = TieredOffloadSetup.readBackAfterUnload(pulsar, client, admin, topic, payloads, messages);
            assertTrue(read >= messages, "all " + messages + " entries read by Magnetar from jcloud's objects: " + read);
            assertTrue(pulsar.broker(0).process().logContains("in Pulsar's jcloud format"),
                    "Magnetar's jcloud reader was used");
        }
    }

    @Test
    @Order(4)
    void withZstdANamespacesCompressibleMessagesAreStoredSmallerAndReadBackExact() throws Exception {
        String namespace = "public/offload-zstd";
        String topic = "persistent://" + namespace + "/zstd";
        int messages = 250;
        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            admin.namespaces().createNamespace(namespace);
            java.util.Properties p = new java.util.Properties();
            p.setProperty("managedLedgerOffloadDriver", "magnetar-s3");
            p.setProperty("managedLedgerOffloadBucket", BUCKET);
            p.setProperty("managedLedgerOffloadServiceEndpoint", s3.endpoint());
            p.setProperty("managedLedgerOffloadedReadPriority", "tiered-storage-first");
            p.setProperty("managedLedgerOffloadExtraConfigCompression", "zstd");
            admin.namespaces().setOffloadPolicies(namespace, OffloadPoliciesImpl.create(p));
            client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("sub")
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
            // JSON-like order records: zstd shrinks them several times
            List<byte[]> payloads = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                StringBuilder b = new StringBuilder();
                for (int r = 0; b.length() < 20_000; r++) {
                    b.append("{\"order\":").append(i * 1000 + r).append(",\"customer\":\"c-").append(r % 97)
                            .append("\",\"amount\":").append((i * 31 + r) % 5000).append(",\"status\":\"shipped\"}\n");
                }
                payloads.add(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            TieredOffloadSetup.produce(client, topic, payloads);
            admin.topics().unload(topic);
            String before = Metrics.scrape(pulsar.webUrl() + "/metrics/");
            TieredOffloadSetup.offloadAll(admin, topic, pulsar);
            String after = Metrics.scrape(pulsar.webUrl() + "/metrics/");
            double offloaded = TieredOffloadSetup.counter(after, "magnetar_offload_offloaded_bytes_total")
                    - TieredOffloadSetup.counter(before, "magnetar_offload_offloaded_bytes_total");
            double stored = TieredOffloadSetup.counter(after, "magnetar_offload_stored_bytes_total")
                    - TieredOffloadSetup.counter(before, "magnetar_offload_stored_bytes_total");
            assertTrue(offloaded >= 200 * 20_000, "two full ledgers offloaded: " + offloaded);
            assertTrue(stored < offloaded / 3, "stored compressed: " + stored + " of " + offloaded + " bytes");

            double read = TieredOffloadSetup.readBackAfterUnload(pulsar, client, admin, topic, payloads, messages);
            assertTrue(read >= 200, "the offloaded entries came from S3, decompressed (tiered-storage-first): " + read);
        }
    }

    @Test
    @Order(5)
    void aBadOffloadSettingStopsTheBrokerNamingTheKey() {
        try (StandaloneCluster bad = StandaloneCluster.builder("offload-bad-conf")
                .conf("managedLedgerOffloadDriver", "magnetar-s3")
                .conf("managedLedgerOffloadBucket", "Not_A_Bucket")
                .conf("managedLedgerOffloadServiceEndpoint", s3.endpoint())
                .build().startNoWait()) {
            int exit = bad.broker(0).process().awaitExit(Duration.ofSeconds(180));
            assertNotEquals(0, exit, "the broker must not run with an invalid bucket name");
            assertTrue(bad.broker(0).process().logContains(
                    "managedLedgerOffloadBucket: 'Not_A_Bucket' is not a valid S3 bucket name"),
                    bad.broker(0).process().logTail(80));
        }
    }

    /** Runs the installation's bin/pulsar-admin against the broker; fails the test on a non-zero exit. */
    private static String cli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(pulsar.home().resolve("bin/pulsar-admin").toString(),
                "--admin-url", pulsar.webUrl()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("pulsar-admin " + String.join(" ", args) + " did not finish");
        }
        assertEquals(0, p.exitValue(), "pulsar-admin " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    /** Ledgers the broker reports as deleted from BookKeeper after their offload. */
    private static Set<Long> deletedFromBookKeeper() {
        Pattern p = Pattern.compile("Deleted and invalidated offloaded ledger (\\d+) from bookkeeper");
        Set<Long> ids = new HashSet<>();
        for (String line : pulsar.broker(0).process().logLinesContaining("Deleted and invalidated offloaded ledger")) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                ids.add(Long.parseLong(m.group(1)));
            }
        }
        return ids;
    }
}
