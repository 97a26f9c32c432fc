package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.PulsarRuntime;
import io.magnetar.it.harness.S3ProxyServer;
import io.magnetar.it.harness.StandaloneCluster;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.pulsar.client.admin.LongRunningProcessStatus;
import org.apache.pulsar.client.admin.OffloadProcessStatus;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.admin.PulsarAdminException;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.impl.MessageIdImpl;
import org.apache.pulsar.common.policies.data.ManagedLedgerInternalStats.LedgerInfo;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Magnetar's offloader against a store that checks every request's SigV4 signature (s3proxy with
 * {@code aws-v2-or-v4} authorization), in each way it uploads: the default unsigned bodies with a CRC32C (a streamed
 * PUT with an aws-chunked trailer, and a multipart upload), and {@code UploadIntegrity=signed}. A wrong secret is
 * refused by the store, the offload fails, and the messages stay readable from BookKeeper.
 */
class TieredOffloadSignatureIT {
    private static final String BUCKET = "magnetar-signed-it";
    private static final String IDENTITY = "it-access-key";
    private static final String CREDENTIAL = "it-secret-key";
    private static final int MESSAGES = 250;
    private static final int ENTRIES_PER_LEDGER = 100;
    private static final int PAYLOAD = 60_000;

    private static S3ProxyServer s3;
    private static StandaloneCluster pulsar;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3ProxyServer.startVerifyingSignatures(Paths.get(System.getProperty("magnetar.s3proxy.jar",
                        "target/s3proxy/s3proxy.jar")),
                PulsarRuntime.workDir().resolve("s3proxy-signed-" + ProcessHandle.current().pid()), IDENTITY,
                CREDENTIAL, BUCKET, "256m");
        // TieredOffloadSetup's broker passes these credentials through the environment.
        pulsar = TieredOffloadSetup.broker("offload-signed", s3, BUCKET, ENTRIES_PER_LEDGER).build();
        pulsar.start();
    }

    @AfterAll
    static void stop() {
        TieredOffloadSetup.close(pulsar, s3);
    }

    @Test
    void streamedPutsWithAChecksumTrailerAreAcceptedAndReadBack() throws Exception {
        // ~6 MB ledgers, under the 32 MiB single-PUT limit: one streamed PUT each, STREAMING-UNSIGNED-PAYLOAD-TRAILER
        offloadsAndReadsBack("public/signed-streamed", Map.of());
    }

    @Test
    void multipartUploadsWithPerPartChecksumsAreAcceptedAndReadBack() throws Exception {
        // Above 5 MiB a ledger goes multipart: two parts of 5 MiB and the rest, each UNSIGNED-PAYLOAD with its CRC32C
        offloadsAndReadsBack("public/signed-multipart", Map.of("SinglePutMaxBytes", Integer.toString(5 << 20)));
    }

    @Test
    void signedPayloadsAreAcceptedAndReadBack() throws Exception {
        offloadsAndReadsBack("public/signed-payload", Map.of("UploadIntegrity", "signed"));
    }

    @Test
    void aWrongSecretIsRefusedByTheStoreAndNothingIsLost() throws Exception {
        String namespace = "public/signed-wrong-secret";
        String topic = "persistent://" + namespace + "/t";
        List<byte[]> payloads = TieredOffloadSetup.payloads(MESSAGES, PAYLOAD, 11);
        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            prepare(admin, client, namespace, topic, Map.of("AccessKeyId", IDENTITY, "SecretAccessKey", "not-it"),
                    payloads);
            List<LedgerInfo> ledgers = admin.topics().getInternalStats(topic).ledgers;
            admin.topics().triggerOffload(topic, new MessageIdImpl(ledgers.get(ledgers.size() - 1).ledgerId, 0, -1));
            OffloadProcessStatus[] status = new OffloadProcessStatus[1];
            Await.until("offload of " + topic + " to fail", Duration.ofSeconds(120),
                    () -> status[0] == null ? "" : status[0].getStatus() + " " + status[0].getLastError(), () -> {
                        try {
                            status[0] = admin.topics().offloadStatus(topic);
                        } catch (PulsarAdminException e) {
                            throw new AssertionError("offload status of " + topic, e);
                        }
                        assertTrue(status[0].getStatus() != LongRunningProcessStatus.Status.SUCCESS,
                                "offloaded with a wrong secret");
                        return status[0].getStatus() == LongRunningProcessStatus.Status.ERROR;
                    });
            assertTrue(status[0].getLastError().contains("403")
                            || status[0].getLastError().contains("SignatureDoesNotMatch"),
                    "the store's refusal is the error: " + status[0].getLastError());
            assertTrue(admin.topics().getInternalStats(topic).ledgers.stream().noneMatch(l -> l.offloaded),
                    "no ledger marked offloaded");
            TieredOffloadSetup.receiveExactly(client, topic, payloads, MESSAGES);
        }
    }

    /** Offloads a topic of {@code namespace} with these extra settings, then reads it all back from S3 alone. */
    private static void offloadsAndReadsBack(String namespace, Map<String, String> extra) throws Exception {
        String topic = "persistent://" + namespace + "/t";
        List<byte[]> payloads = TieredOffloadSetup.payloads(MESSAGES, PAYLOAD, namespace.hashCode());
        try (PulsarClient client = pulsar.newClient(); PulsarAdmin admin = pulsar.newAdmin(0)) {
            prepare(admin, client, namespace, topic, extra, payloads);
            TieredOffloadSetup.offloadAll(admin, topic, pulsar);
            long offloaded = admin.topics().getInternalStats(topic).ledgers.stream()
                    .filter(l -> l.entries > 0 && l.offloaded).mapToLong(l -> l.entries).sum();
            assertEquals(MESSAGES, offloaded, "every written ledger (closed by the unload) is offloaded");
            double read = TieredOffloadSetup.readBackAfterUnload(pulsar, client, admin, topic, payloads, MESSAGES);
            assertTrue(read >= offloaded, "the offloaded entries came from S3 (tiered-storage-first): " + read);
        }
    }

    /**
     * Creates the namespace with Magnetar's offloader reading tiered storage first and these extra settings, a
     * subscription that keeps the backlog, the messages, and unloads the topic so every written ledger is closed.
     */
    private static void prepare(PulsarAdmin admin, PulsarClient client, String namespace, String topic,
                                Map<String, String> extra, List<byte[]> payloads) throws Exception {
        admin.namespaces().createNamespace(namespace);
        Properties p = new Properties();
        p.setProperty("managedLedgerOffloadDriver", "magnetar-s3");
        p.setProperty("managedLedgerOffloadBucket", BUCKET);
        p.setProperty("managedLedgerOffloadServiceEndpoint", s3.endpoint());
        p.setProperty("managedLedgerOffloadedReadPriority", "tiered-storage-first");
        extra.forEach((key, value) -> p.setProperty("managedLedgerOffloadExtraConfig" + key, value));
        admin.namespaces().setOffloadPolicies(namespace, OffloadPoliciesImpl.create(p));
        client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("sub")
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
        TieredOffloadSetup.produce(client, topic, payloads);
        admin.topics().unload(topic);
    }
}
