package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.magnetar.it.harness.PulsarRuntime;
import io.magnetar.it.harness.S3ProxyServer;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.IOException;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.LongRunningProcessStatus;
import org.apache.pulsar.client.admin.OffloadProcessStatus;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.admin.PulsarAdminException;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.apache.pulsar.common.policies.data.ManagedLedgerInternalStats.LedgerInfo;

/** What the offload ITs share: s3proxy, a standalone on Magnetar's driver, random payloads produced unbatched. */
final class TieredOffloadSetup {
    private TieredOffloadSetup() {
    }

    /** s3proxy on loopback with one bucket; every operation delayed by {@code latencyMs}. */
    static S3ProxyServer s3proxy(String name, long latencyMs, String bucket) throws IOException {
        S3ProxyServer s3 = S3ProxyServer.start(Paths.get(System.getProperty("magnetar.s3proxy.jar",
                "target/s3proxy/s3proxy.jar")), PulsarRuntime.workDir().resolve(name + "-"
                + ProcessHandle.current().pid()), latencyMs, "256m");
        s3.createBucket(bucket);
        return s3;
    }

    /**
     * A standalone offloading to {@code bucket} with {@code magnetar-s3} in 5 MiB parts, deletion lag 0, reads from
     * BookKeeper while it has the ledger, ledgers rolled every {@code entriesPerLedger} entries.
     */
    static StandaloneCluster.Builder broker(String name, S3ProxyServer s3, String bucket, int entriesPerLedger) {
        return StandaloneCluster.builder(name)
                .conf("managedLedgerOffloadDriver", "magnetar-s3")
                .conf("managedLedgerOffloadBucket", bucket)
                .conf("managedLedgerOffloadServiceEndpoint", s3.endpoint())
                // s3proxy runs with authorization=none: any pair is accepted, but the SDK signs with one. From the
                // environment: a standalone's embedded bookie logs every line of standalone.conf.
                .env("ACCESS_KEY_ID", "it-access-key")
                .env("ACCESS_KEY_SECRET", "it-secret-key")
                .conf("managedLedgerOffloadExtraConfigPartSizeBytes", Integer.toString(5 * 1024 * 1024))
                .conf("managedLedgerOffloadDeletionLagMs", "0")
                .conf("managedLedgerDataReadPriority", "bookkeeper-first")
                .conf("managedLedgerMaxEntriesPerLedger", Integer.toString(entriesPerLedger))
                .conf("managedLedgerMinLedgerRolloverTimeMinutes", "0")
                .conf("retentionCheckIntervalInSeconds", "2")
                // trimming follows the persisted mark-delete position, flushed every 60 s by default
                .conf("managedLedgerCursorPositionFlushSeconds", "1");
    }

    /** Triggers an offload of every closed ledger of the topic and waits until it succeeds; fails on an error. */
    static void offloadAll(PulsarAdmin admin, String topic, StandaloneCluster pulsar) throws Exception {
        List<LedgerInfo> ledgers = admin.topics().getInternalStats(topic).ledgers;
        admin.topics().triggerOffload(topic, new MessageIdImpl(ledgers.get(ledgers.size() - 1).ledgerId, 0, -1));
        OffloadProcessStatus[] status = new OffloadProcessStatus[1];
        Await.until("offload of " + topic, Duration.ofSeconds(120), () -> status[0] == null ? ""
                : status[0].getStatus() + " " + status[0].getLastError(), () -> {
                    try {
                        status[0] = admin.topics().offloadStatus(topic);
                    } catch (PulsarAdminException e) {
                        throw new AssertionError("offload status of " + topic, e);
                    }
                    if (status[0].getStatus() == LongRunningProcessStatus.Status.ERROR) {
                        throw new AssertionError("offload failed: " + status[0].getLastError() + "\n"
                                + pulsar.broker(0).process().logTail(60));
                    }
                    return status[0].getStatus() == LongRunningProcessStatus.Status.SUCCESS;
                });
    }

    /** Stops the broker, then s3proxy; either may be null (a start that failed). */
    static void close(StandaloneCluster pulsar, S3ProxyServer s3) {
        try (S3ProxyServer last = s3) {
            if (pulsar != null) {
                pulsar.close();
            }
        }
    }

    static List<byte[]> payloads(int count, int size, long seed) {
        Random random = new Random(seed);
        List<byte[]> payloads = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] p = new byte[size];
            random.nextBytes(p);
            payloads.add(p);
        }
        return payloads;
    }

    /** Sends every payload, unbatched, and waits for each; the message ids in order. */
    static List<MessageId> produce(PulsarClient client, String topic, List<byte[]> payloads) throws Exception {
        try (Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic).enableBatching(false)
                .blockIfQueueFull(true).create()) {
            List<CompletableFuture<MessageId>> sent = new ArrayList<>();
            for (byte[] p : payloads) {
                sent.add(producer.sendAsync(p));
            }
            producer.flush();
            List<MessageId> ids = new ArrayList<>(sent.size());
            for (CompletableFuture<MessageId> f : sent) {
                ids.add(f.get(30, TimeUnit.SECONDS));
            }
            return ids;
        }
    }

    static double counter(String exposition, String family) {
        return Metrics.value(exposition, family).orElseThrow(() -> new AssertionError(family + " not on /metrics/"));
    }

    /** Unloads the topic, receives the messages exactly; the entries the offloader read meanwhile. */
    static double readBackAfterUnload(StandaloneCluster pulsar, PulsarClient client, PulsarAdmin admin, String topic,
                                      List<byte[]> payloads, int messages) throws Exception {
        admin.topics().unload(topic);
        String entries = "magnetar_offload_read_entries_total";
        double before = counter(Metrics.scrape(pulsar.webUrl() + "/metrics/"), entries);
        receiveExactly(client, topic, payloads, messages);
        return counter(Metrics.scrape(pulsar.webUrl() + "/metrics/"), entries) - before;
    }

    /** A consumer of subscription {@code sub} receives the first {@code messages} payloads, byte-exact, in order. */
    static void receiveExactly(PulsarClient client, String topic, List<byte[]> payloads, int messages)
            throws Exception {
        try (Consumer<byte[]> consumer = client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("sub")
                .subscribe()) {
            for (int i = 0; i < messages; i++) {
                Message<byte[]> m = consumer.receive(30, TimeUnit.SECONDS);
                assertNotNull(m, "message " + i + " received");
                assertArrayEquals(payloads.get(i), m.getValue(), "payload of message " + i);
                consumer.acknowledge(m);
            }
        }
    }
}
