package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.client.TransactionalProducer;
import io.magnetar.client.TransactionalProducer.Half;
import io.magnetar.client.TransactionalProducer.HalfMessage;
import io.magnetar.client.TransactionalProducer.LocalTransactionState;
import io.magnetar.it.harness.BrokerNode;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.MultiBrokerCluster;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RocketMQ-style transactional messages on a 2-broker cluster with Magnetar installed by install.sh (short check
 * intervals): commit, rollback, check-back answered by another producer of the group, check-max, no head-of-line
 * blocking, bad resolutions refused, the owner killed with -9 while a half is pending, and the producer refused while
 * the tenant has the feature off. One cluster for the class; the scenarios are one story in this order, so once one
 * fails the later ones are skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(StopAtFirstFailure.class)
class TransactionalMessagesIT {
    private static final String TOPIC = "persistent://public/default/payments";
    private static final int CHECK_MAX = 6;

    /** A listener whose answers the test sets; records the checks it got. */
    private static final class Listener implements TransactionalProducer.TransactionListener<String> {
        private final LocalTransactionState execute;
        private volatile LocalTransactionState check;
        final List<HalfMessage<String>> checks = new CopyOnWriteArrayList<>();

        Listener(LocalTransactionState execute, LocalTransactionState check) {
            this.execute = execute;
            this.check = check;
        }

        @Override
        public LocalTransactionState executeLocalTransaction(HalfMessage<String> message, Object arg) {
            return execute;
        }

        @Override
        public LocalTransactionState checkLocalTransaction(HalfMessage<String> message) {
            checks.add(message);
            return check;
        }
    }

    private MultiBrokerCluster cluster;
    private PulsarClient client;
    private PulsarAdmin admin;
    // what the scenarios pass on, in order: each reads the exclusive subscription on from where the last one left it
    private Consumer<String> exclusive;
    private Consumer<String> shared;
    private Producer<String> plain;
    private String rolledBack;
    private String askedBack;
    private String neverDecided;
    private Listener undecided;
    private TransactionalProducer<String> other;
    private TransactionalProducer<String> stubborn;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = MultiBrokerCluster.builder("txn").brokers(2)
                .brokerConf("magnetarTransactionTimeoutSeconds", "1")
                .brokerConf("magnetarTransactionCheckIntervalSeconds", "2")
                .brokerConf("magnetarTransactionCheckMax", Integer.toString(CHECK_MAX)).start();
        client = cluster.newReconnectingClient();
        admin = cluster.newAdmin(0);
    }

    @AfterAll
    void stopCluster() throws Exception {
        try {
            closeTheGroupsProducers();
        } finally {
            ClassResources.closeInOrder(plain, shared, exclusive, admin, client, cluster);
        }
    }

    @Test
    @Order(1)
    void theProducerIsRefusedWhileTheTenantHasTheFeatureOff() {
        PulsarClientException off = assertThrows(PulsarClientException.NotAllowedException.class,
                () -> TransactionalProducer.create(client, Schema.STRING, TOPIC, "early",
                        new Listener(LocalTransactionState.COMMIT_MESSAGE, null)));
        assertTrue(off.getMessage().contains("transactional messages are off for tenant 'public'"),
                off.getMessage());
    }

    /** With the feature on: commit, visible once, as sent, without the half-message property. */
    @Test
    @Order(2)
    void aCommittedHalfArrivesAsSent() throws Exception {
        Http.Response on = Http.put(cluster.broker(0).webUrl() + "/magnetar/v1/tenants/public/features",
                "{\"transaction\":true}");
        assertEquals(200, on.status(), on.body());
        Await.until("the flag reached both brokers", Duration.ofSeconds(10), () ->
                Http.get(cluster.broker(1).webUrl() + "/magnetar/v1/tenants/public/features").body()
                        .contains("\"transaction\":true"));

        exclusive = client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("x")
                .subscriptionType(SubscriptionType.Exclusive).subscribe();
        shared = client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("s")
                .subscriptionType(SubscriptionType.Shared).subscribe();
        plain = client.newProducer(Schema.STRING).topic(TOPIC).enableBatching(false).create();

        String committed;
        try (TransactionalProducer<String> producer = TransactionalProducer.create(client, Schema.STRING,
                TOPIC, "payments", new Listener(LocalTransactionState.COMMIT_MESSAGE, null))) {
            TransactionalProducer.SendResult result = producer.send(new Half<>("order-1", "committed",
                    Map.of("app", "v1")), null);
            committed = result.transactionId();
            assertEquals(LocalTransactionState.COMMIT_MESSAGE, result.state());
        }
        Message<String> m = exclusive.receive(20, TimeUnit.SECONDS);
        assertTrue(m != null, "the committed message arrived");
        assertEquals("committed", m.getValue());
        assertEquals("order-1", m.getKey());
        assertEquals("v1", m.getProperty("app"));
        assertEquals(committed, m.getProperty("ORIGIN_MESSAGE_ID"), "carries its transaction id");
        assertNull(m.getProperty("TRAN_MSG"), "no longer a half message");
        exclusive.acknowledge(m);
    }

    /** A rolled-back half never shows, and an unresolved one delays nothing: a plain message sent after arrives. */
    @Test
    @Order(3)
    void aPlainMessageAfterARolledBackAndAnUnresolvedHalfArrivesAtOnce() throws Exception {
        try (TransactionalProducer<String> producer = TransactionalProducer.create(client, Schema.STRING,
                TOPIC, "payments", new Listener(LocalTransactionState.ROLLBACK_MESSAGE, null))) {
            rolledBack = producer.send(new Half<>("order-2", "rolled back", Map.of()), null).transactionId();
        }

        undecided = new Listener(LocalTransactionState.UNKNOW, LocalTransactionState.UNKNOW);
        TransactionalProducer<String> crashed = TransactionalProducer.create(client, Schema.STRING, TOPIC,
                "checkout", new Listener(LocalTransactionState.UNKNOW, LocalTransactionState.UNKNOW));
        askedBack = crashed.send(new Half<>("order-3", "asked back", Map.of()), null).transactionId();
        crashed.close(); // its process is gone: another producer of the group must be asked
        plain.send("plain after a pending half");
        Message<String> next = exclusive.receive(5, TimeUnit.SECONDS);
        assertTrue(next != null && next.getValue().equals("plain after a pending half"),
                "not held back by the unresolved half: " + (next == null ? null : next.getValue()));
        exclusive.acknowledge(next);
    }

    @Test
    @Order(4)
    void anUnresolvedHalfIsAskedBackFromAnotherProducerOfItsGroup() throws Exception {
        Listener survivor = new Listener(LocalTransactionState.UNKNOW, LocalTransactionState.COMMIT_MESSAGE);
        other = TransactionalProducer.create(client, Schema.STRING, TOPIC, "checkout", survivor);
        stubborn = TransactionalProducer.create(client, Schema.STRING, TOPIC, "undecided", undecided);
        neverDecided = stubborn.send(new Half<>("order-4", "never decided", Map.of()), null).transactionId();
        Message<String> back = exclusive.receive(30, TimeUnit.SECONDS);
        assertTrue(back != null, "the half committed by the group's other producer arrived");
        assertEquals("asked back", back.getValue());
        assertEquals(askedBack, back.getProperty("ORIGIN_MESSAGE_ID"));
        exclusive.acknowledge(back);
        assertTrue(survivor.checks.stream().anyMatch(c -> c.transactionId().equals(askedBack)
                && c.value().equals("asked back") && c.checkTimes() >= 1), "checked: " + survivor.checks);
    }

    @Test
    @Order(5)
    void badResolutionsAreRefused() throws Exception {
        badResolutionsAreRefused(client, rolledBack, askedBack, neverDecided);
    }

    @Test
    @Order(6)
    void aHalfNeverDecidedGoesToTheCheckMaxTopicAfterItsLastCheck() throws Exception {
        try (Consumer<String> checkMax = client.newConsumer(Schema.STRING)
                .topic("persistent://public/default/TRANS_CHECK_MAX_TIME_TOPIC").subscriptionName("ops")
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
            Message<String> gaveUp = checkMax.receive(60, TimeUnit.SECONDS);
            assertTrue(gaveUp != null, "the never-decided half reached the check-max topic");
            assertEquals("never decided", gaveUp.getValue());
            assertEquals(neverDecided, gaveUp.getProperty("MAGNETAR_TXN_ID"));
            assertEquals(Integer.toString(CHECK_MAX), gaveUp.getProperty("MAGNETAR_TXN_CHECK_TIMES"));
            assertEquals(CHECK_MAX, undecided.checks.stream()
                    .filter(c -> c.transactionId().equals(neverDecided)).count(), "checked each time");
        } finally {
            closeTheGroupsProducers();
        }
    }

    /** The owner is killed with -9 while a half is pending; the next owner asks back and commits it. */
    @Test
    @Order(7)
    void aPendingHalfIsCommittedByTheNextOwnerAfterAKill() throws Exception {
        Listener late = new Listener(LocalTransactionState.UNKNOW, LocalTransactionState.UNKNOW);
        try (TransactionalProducer<String> producer = TransactionalProducer.create(client, Schema.STRING,
                TOPIC, "late", late)) {
            String pending = producer.send(new Half<>("order-5", "survived", Map.of()), null).transactionId();
            owner(cluster, admin).kill9();
            late.check = LocalTransactionState.COMMIT_MESSAGE;
            Message<String> survived = exclusive.receive(90, TimeUnit.SECONDS);
            assertTrue(survived != null, "the pending half was committed after the kill");
            assertEquals("survived", survived.getValue());
            assertEquals(pending, survived.getProperty("ORIGIN_MESSAGE_ID"));
            exclusive.acknowledge(survived);
        }
    }

    /** Nothing else ever became visible, on either subscription type: each committed message once. */
    @Test
    @Order(8)
    void nothingElseBecameVisibleOnEitherSubscriptionType() throws Exception {
        Message<String> extra = exclusive.receive(5, TimeUnit.SECONDS);
        assertNull(extra, "nothing more: " + (extra == null ? null : extra.getValue()));
        Map<String, Integer> sharedSaw = new HashMap<>();
        Message<String> s;
        while ((s = shared.receive(3, TimeUnit.SECONDS)) != null) {
            sharedSaw.merge(s.getValue(), 1, Integer::sum);
            shared.acknowledge(s);
        }
        assertEquals(Map.of("committed", 1, "plain after a pending half", 1, "asked back", 1,
                "survived", 1), sharedSaw);
    }

    private void closeTheGroupsProducers() throws Exception {
        try {
            ClassResources.closeInOrder(stubborn, other);
        } finally {
            stubborn = null;
            other = null;
        }
    }

    /** Resolutions sent by hand, as a client in another language would: refused with the reason. */
    private static void badResolutionsAreRefused(PulsarClient client, String rolledBack, String pendingOfCheckout,
                                                 String neverDecided) throws Exception {
        try (Producer<byte[]> raw = client.newProducer(Schema.BYTES).topic(TOPIC).enableBatching(false).create()) {
            PulsarClientException noGroup = assertThrows(PulsarClientException.NotAllowedException.class,
                    () -> raw.newMessage().value(new byte[] {1}).property("TRAN_MSG", "true").send());
            assertTrue(noGroup.getMessage().contains("PGROUP"), noGroup.getMessage());
            PulsarClientException unknown = assertThrows(PulsarClientException.NotAllowedException.class,
                    () -> resolution(raw, "999999:0:-1", "COMMIT", "payments").send());
            assertTrue(unknown.getMessage().contains("no such transaction"), unknown.getMessage());
            PulsarClientException afterRollback = assertThrows(PulsarClientException.NotAllowedException.class,
                    () -> resolution(raw, rolledBack, "COMMIT", "payments").send());
            assertTrue(afterRollback.getMessage().contains("already rolled back"), afterRollback.getMessage());
            PulsarClientException otherGroup = assertThrows(PulsarClientException.NotAllowedException.class,
                    () -> resolution(raw, neverDecided, "COMMIT", "payments").send());
            assertTrue(otherGroup.getMessage().contains("belongs to producer group 'undecided'"),
                    otherGroup.getMessage());
            // a repeated answer for a committed transaction is ignored, not applied twice
            resolution(raw, pendingOfCheckout, "COMMIT", "checkout").send();
        }
    }

    private static org.apache.pulsar.client.api.TypedMessageBuilder<byte[]> resolution(Producer<byte[]> producer,
                                                                                       String id, String resolution,
                                                                                       String group) {
        return producer.newMessage().value(new byte[0]).property("MAGNETAR_TXN_ID", id)
                .property("MAGNETAR_TXN_RESOLUTION", resolution).property("PGROUP", group);
    }

    private static BrokerNode owner(MultiBrokerCluster cluster, PulsarAdmin admin) throws Exception {
        String url = admin.lookups().lookupTopic(TOPIC);
        return cluster.broker(0).serviceUrl().equals(url) ? cluster.broker(0) : cluster.broker(1);
    }
}
