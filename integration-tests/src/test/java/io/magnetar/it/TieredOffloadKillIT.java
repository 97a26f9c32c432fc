package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.S3ProxyServer;
import io.magnetar.it.harness.StandaloneCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.apache.pulsar.common.policies.data.ManagedLedgerInternalStats.LedgerInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker dies (kill -9) in the middle of a multipart offload: S3 is left with an open multipart upload and
 * no index. After the restart the operator offloads again: the offload succeeds, the dead attempt's upload is
 * aborted (Pulsar hands the old attempt to {@code deleteOffloaded}), no multipart upload remains, the bucket
 * holds one data and one index object for the ledger, and the ledger reads back byte-exact from S3 once its
 * BookKeeper copy is gone.
 *
 * <p>s3proxy delays every operation by 100 ms and the broker uploads one 5 MiB part at a time, so the ~60 MB
 * ledger's upload is open for seconds: long enough to kill the broker while it runs.
 */
class TieredOffloadKillIT {
    private static final String BUCKET = "magnetar-offload-kill-it";
    private static final String TOPIC = "persistent://public/default/offload-kill-it";
    private static final int MESSAGES = 1000;
    private static final int PAYLOAD = 60_000; // 1000 entries, ~60 MB: twelve 5 MiB parts
    private static final Duration WAIT = Duration.ofSeconds(120);

    private static S3ProxyServer s3;
    private static StandaloneCluster pulsar;

    @BeforeAll
    static void start() throws Exception {
        s3 = TieredOffloadSetup.s3proxy("s3proxy-kill", 100, BUCKET);
        pulsar = TieredOffloadSetup.broker("offload-kill", s3, BUCKET, MESSAGES)
                .conf("managedLedgerOffloadExtraConfigSinglePutMaxBytes", Integer.toString(5 * 1024 * 1024))
                .conf("managedLedgerOffloadExtraConfigUploadConcurrency", "1")
                .build().start();
    }

    @AfterAll
    static void stop() {
        TieredOffloadSetup.close(pulsar, s3);
    }

    @Test
    void anOffloadKilledMidUploadSucceedsAfterRestartAndLeavesNoOrphanUpload() throws Exception {
        List<byte[]> payloads = TieredOffloadSetup.payloads(MESSAGES, PAYLOAD, 88);
        long ledgerId;
        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            client.newConsumer(Schema.BYTES).topic(TOPIC).subscriptionName("sub")
                    .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
            TieredOffloadSetup.produce(client, TOPIC, payloads);
            admin.topics().unload(TOPIC);
            List<LedgerInfo> ledgers = admin.topics().getInternalStats(TOPIC).ledgers;
            List<LedgerInfo> data = ledgers.stream().filter(l -> l.entries > 0).toList();
            assertEquals(1, data.size(), "one full ledger: " + ledgers.size() + " ledgers");
            ledgerId = data.get(0).ledgerId;
            long current = ledgers.get(ledgers.size() - 1).ledgerId;
            admin.topics().triggerOffload(TOPIC, new MessageIdImpl(current, 0, -1));
        }

        // the upload is open (created, parts going up one at a time): kill the broker in the middle of it
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (s3.multipartUploads(BUCKET, "magnetar/").isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "no multipart upload of ledger " + ledgerId + " started");
            Thread.sleep(5);
        }
        pulsar.broker(0).kill9();
        List<String> atKill = s3.list(BUCKET, "magnetar/");
        assertTrue(atKill.stream().noneMatch(k -> k.endsWith(".data")), "killed before the data object was complete: "
                + atKill);
        List<String> orphans = s3.multipartUploads(BUCKET, "magnetar/");
        assertEquals(1, orphans.size(), "the killed broker left its upload open: " + orphans);
        assertTrue(orphans.get(0).endsWith("-ledger-" + ledgerId + ".data"), orphans.toString());

        pulsar.broker(0).restart(StandaloneCluster.START_TIMEOUT);
        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            // right after a kill -9 the standalone's bookie may not be writable yet: the topic loads once it is
            Await.until("the topic loads after the restart", Duration.ofSeconds(60), () -> {
                try {
                    admin.topics().getInternalStats(TOPIC);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            List<LedgerInfo> ledgers = admin.topics().getInternalStats(TOPIC).ledgers;
            assertFalse(ledgers.stream().filter(l -> l.ledgerId == ledgerId).findFirst().orElseThrow().offloaded,
                    "the killed offload did not complete");
            TieredOffloadSetup.offloadAll(admin, TOPIC, pulsar);
            assertTrue(admin.topics().getInternalStats(TOPIC).ledgers.stream()
                    .filter(l -> l.ledgerId == ledgerId).findFirst().orElseThrow().offloaded);

            // the dead attempt leaves no upload behind (Pulsar cleans it up through deleteOffloaded)
            Await.until("no multipart upload left", WAIT, () -> s3.multipartUploads(BUCKET, "").toString(),
                    () -> s3.multipartUploads(BUCKET, "").isEmpty());
            List<String> keys = s3.list(BUCKET, "magnetar/");
            assertEquals(1, keys.stream().filter(k -> k.endsWith("-ledger-" + ledgerId + ".data")).count(),
                    keys.toString());
            assertEquals(1, keys.stream().filter(k -> k.endsWith("-ledger-" + ledgerId + ".index")).count(),
                    keys.toString());
            // (not asserted: magnetar_offload_orphan_uploads_aborted_total. In one CI run the dead attempt's upload was
            // gone with no abort by Magnetar in the broker log; until that path is understood the count is not a
            // reliable witness, the empty upload listing above is)

            // the BookKeeper copy goes (deletion lag 0): the read-back below can only come from S3
            Await.until("BookKeeper copy of ledger " + ledgerId + " deleted", WAIT, () -> "",
                    () -> pulsar.broker(0).process().logContains("Deleted and invalidated offloaded ledger "
                            + ledgerId + " from bookkeeper"));
            admin.topics().unload(TOPIC);
            double readBefore = Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                    "magnetar_offload_read_bytes_total").orElse(0);
            try (Consumer<byte[]> consumer = client.newConsumer(Schema.BYTES).topic(TOPIC).subscriptionName("sub")
                    .subscribe()) {
                for (int i = 0; i < MESSAGES; i++) {
                    Message<byte[]> m = consumer.receive(30, TimeUnit.SECONDS);
                    assertNotNull(m, "message " + i + " of " + MESSAGES + " received");
                    assertArrayEquals(payloads.get(i), m.getValue(), "payload of message " + i);
                    consumer.acknowledge(m);
                }
            }
            double read = Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                    "magnetar_offload_read_bytes_total").orElse(0) - readBefore;
            assertTrue(read >= (double) MESSAGES * PAYLOAD, "the ledger was read from S3: " + read + " bytes");
        }
    }

}
