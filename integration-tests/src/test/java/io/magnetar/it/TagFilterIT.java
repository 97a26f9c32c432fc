package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.client.TaggedMessages;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.StandaloneCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.CompressionType;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageIdAdv;
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
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tag and SQL92 filtering on a real standalone broker with Magnetar installed by install.sh: tenant {@code public}
 * has tagFilter on, tenant {@code plain} keeps the default (off). The broker keeps batch-index acknowledgements
 * ({@code acknowledgmentAtBatchIndexLevelEnabled=true}) so mixed-tag batches are split per message.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TagFilterIT {
    private static final String[] TAGS = {"TagA", "TagB", "TagC"};
    private static final String[] B_VALUES = {"x", "y", "z", "w"};
    private static final String TAG_EXPRESSION = "TagA || TagB";
    private static final String SQL_EXPRESSION = "a > 5 AND b IN ('x','y')";

    private static StandaloneCluster pulsar;
    private static PulsarClient client;
    private static PulsarAdmin admin;

    /** What a test message carries, so expectations are computed here, independently of Magnetar's filter. */
    private record Sent(String value, String tag, int a, String b) { }

    @BeforeAll
    static void start() throws Exception {
        pulsar = StandaloneCluster.builder("tagfilter")
                .conf("acknowledgmentAtBatchIndexLevelEnabled", "true")
                .start();
        client = pulsar.newClient();
        admin = pulsar.newAdmin(0);
        admin.tenants().createTenant("plain", TenantInfo.builder().allowedClusters(Set.of("standalone")).build());
        admin.namespaces().createNamespace("plain/default");

        Http.Response put = Http.put(pulsar.webUrl() + "/magnetar/v1/tenants/public/features", "{\"tagFilter\": true}");
        assertEquals(200, put.status(), put.body());
        // The interceptor holds its own view of the flags and learns of the change through the metadata store.
        Await.until("interceptor sees tagFilter on for public", Duration.ofSeconds(10), () -> Metrics.value(
                Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_interceptor_flag_tenants_overridden")
                .orElse(-1) == 1);
    }

    @AfterAll
    static void stop() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (client != null) {
            client.close();
        }
        if (pulsar != null) {
            pulsar.close();
        }
    }

    private static Consumer<String> subscribe(String topic, String name, SubscriptionType type,
                                              Map<String, String> properties) throws PulsarClientException {
        return client.newConsumer(Schema.STRING).topic(topic).subscriptionName(name).subscriptionType(type)
                .subscriptionProperties(properties)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                // Acknowledge single messages of a batch, so a batch split by the broker can complete.
                .enableBatchIndexAcknowledgment(true)
                .subscribe();
    }

    /**
     * Publishes 60 unbatched messages, 60 in mixed LZ4 batches of 10 and two uncompressed batches of one tag
     * each (all TagC, all TagA); every message has the numeric property a and the property b.
     */
    private static List<Sent> publish(String topic) throws Exception {
        List<Sent> sent = new ArrayList<>();
        try (Producer<String> unbatched = client.newProducer(Schema.STRING).topic(topic).enableBatching(false)
                .create();
             Producer<String> mixed = client.newProducer(Schema.STRING).topic(topic).enableBatching(true)
                     .batchingMaxMessages(10).batchingMaxPublishDelay(10, TimeUnit.SECONDS)
                     .compressionType(CompressionType.LZ4).create();
             Producer<String> uniform = client.newProducer(Schema.STRING).topic(topic).enableBatching(true)
                     .batchingMaxMessages(10).batchingMaxPublishDelay(10, TimeUnit.SECONDS).create()) {
            for (int i = 0; i < 60; i++) {
                sent.add(send(unbatched, "u-" + i, TAGS[i % 3], i % 10, B_VALUES[i % 4]));
            }
            for (int i = 0; i < 60; i++) {
                sent.add(send(mixed, "m-" + i, TAGS[i % 3], (i * 7) % 10, B_VALUES[(i / 3) % 4]));
            }
            mixed.flush();
            for (int i = 0; i < 10; i++) {
                sent.add(send(uniform, "c-" + i, "TagC", 9, "x"));
            }
            uniform.flush();
            for (int i = 0; i < 10; i++) {
                sent.add(send(uniform, "a-" + i, "TagA", 1, "z"));
            }
            uniform.flush();
        }
        return sent;
    }

    private static Sent send(Producer<String> producer, String value, String tag, int a, String b) {
        producer.newMessage().value(value).property("TAGS", tag).property("a", Integer.toString(a))
                .property("b", b).sendAsync();
        return new Sent(value, tag, a, b);
    }

    private static Set<String> expected(List<Sent> sent, Predicate<Sent> matches) {
        return sent.stream().filter(matches).map(Sent::value).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Receives and acknowledges until {@code expected} messages came, then waits for any extra ones. */
    private static List<Message<String>> receiveAll(Consumer<String> consumer, int expected) throws Exception {
        List<Message<String>> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (got.size() < expected && System.nanoTime() < deadline) {
            Message<String> m = consumer.receive(1, TimeUnit.SECONDS);
            if (m != null) {
                got.add(m);
                consumer.acknowledge(m);
            }
        }
        Message<String> extra;
        while ((extra = consumer.receive(2, TimeUnit.SECONDS)) != null) {
            got.add(extra);
            consumer.acknowledge(extra);
        }
        return got;
    }

    private static Set<String> values(List<Message<String>> messages) {
        Set<String> values = messages.stream().map(Message::getValue).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(messages.size(), values.size(), "no message delivered twice: " + messages.stream()
                .map(Message::getValue).toList());
        return values;
    }

    private static long backlog(String topic, String subscription) throws Exception {
        return admin.topics().getStats(topic).getSubscriptions().get(subscription).getMsgBacklog();
    }

    private static double filterMetric(String family, String outcome) {
        return Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"), family, "outcome=\"" + outcome + "\"")
                .orElse(0);
    }

    @Test
    @Order(1)
    void filteredSubscriptionsReceiveExactlyTheMatchingMessages() throws Exception {
        String topic = "persistent://public/default/tag-filter";
        try (Consumer<String> tags = subscribe(topic, "tags", SubscriptionType.Shared,
                     Map.of("TAGS", TAG_EXPRESSION));
             Consumer<String> sql = subscribe(topic, "sql", SubscriptionType.Exclusive,
                     Map.of("SQL92", SQL_EXPRESSION));
             Consumer<String> all = subscribe(topic, "all", SubscriptionType.Shared, Map.of())) {
            List<Sent> sent = publish(topic);
            Set<String> wantTags = expected(sent, s -> s.tag.equals("TagA") || s.tag.equals("TagB"));
            Set<String> wantSql = expected(sent, s -> s.a > 5 && (s.b.equals("x") || s.b.equals("y")));
            assertTrue(wantSql.size() > 10 && wantSql.size() < sent.size() / 2, "a selective SQL92 filter");

            List<Message<String>> everything = receiveAll(all, sent.size());
            assertEquals(expected(sent, s -> true), values(everything), "the unfiltered subscription is untouched");
            long mixedBatches = everything.stream().filter(m -> m.getValue().startsWith("m-"))
                    .filter(m -> ((MessageIdAdv) m.getMessageId()).getBatchSize() == 10).count();
            assertEquals(60, mixedBatches, "the m- messages really travelled in batches of 10");

            assertEquals(wantTags, values(receiveAll(tags, wantTags.size())));
            assertEquals(wantSql, values(receiveAll(sql, wantSql.size())));

            for (String sub : List.of("tags", "sql", "all")) {
                Await.until(sub + " backlog drained once every delivered message is acknowledged",
                        Duration.ofSeconds(20), () -> sub + ": " + backlogOrError(topic, sub),
                        () -> backlogOrError(topic, sub) == 0);
            }
        }
        assertTrue(filterMetric("magnetar_filter_entries_total", "batch_split") >= 12,
                "mixed batches were split for both filtered subscriptions");
        assertTrue(filterMetric("magnetar_filter_entries_total", "rejected") >= 1);
        assertTrue(filterMetric("magnetar_filter_messages_total", "filtered") > 0);
        assertEquals(0, filterMetric("magnetar_filter_messages_total", "unmatched_delivered"));
    }

    /**
     * The fast path: producers built with {@link TaggedMessages} send batches of one tag (LZ4 and ZSTD, with and
     * without message keys, untagged messages too), which the broker decides from the batch header; a producer that
     * tags its messages the same way but keeps Pulsar's default batcher mixes tags in a batch, and the broker must
     * not take that batch's header at its word.
     */
    @Test
    @Order(2)
    void batchesOfOneTagAreFilteredFromTheirHeaderExactly() throws Exception {
        String topic = "persistent://public/default/tag-filter-fast";
        double headerAcceptedBefore = filterMetric("magnetar_filter_entries_total", "header_accepted");
        double headerRejectedBefore = filterMetric("magnetar_filter_entries_total", "header_rejected");
        double splitBefore = filterMetric("magnetar_filter_entries_total", "batch_split");
        String[] tagsAndNone = {"TagA", "TagB", "TagC", null};
        try (Consumer<String> tags = subscribe(topic, "tags", SubscriptionType.Shared,
                     Map.of("TAGS", TAG_EXPRESSION));
             Consumer<String> sqlTags = subscribe(topic, "sql-tags", SubscriptionType.Exclusive,
                     Map.of("SQL92", "TAGS IN ('TagB', 'TagC') OR TAGS IS NULL"));
             Consumer<String> sqlMore = subscribe(topic, "sql-more", SubscriptionType.Shared,
                     Map.of("SQL92", "TAGS = 'TagA' AND a > 4"));
             Consumer<String> all = subscribe(topic, "all", SubscriptionType.Shared, Map.of())) {
            List<Sent> sent = new ArrayList<>();
            try (Producer<String> lz4 = TaggedMessages.producer(client.newProducer(Schema.STRING).topic(topic)
                         .batchingMaxMessages(40).batchingMaxPublishDelay(10, TimeUnit.SECONDS)
                         .compressionType(CompressionType.LZ4)).create();
                 Producer<String> zstdKeyed = TaggedMessages.producer(client.newProducer(Schema.STRING).topic(topic)
                         .batchingMaxMessages(40).batchingMaxPublishDelay(10, TimeUnit.SECONDS)
                         .compressionType(CompressionType.ZSTD)).create();
                 Producer<String> defaultBatcher = client.newProducer(Schema.STRING).topic(topic)
                         .enableBatching(true).batchingMaxMessages(8)
                         .batchingMaxPublishDelay(10, TimeUnit.SECONDS).compressionType(CompressionType.LZ4)
                         .create()) {
                for (int i = 0; i < 80; i++) {
                    sent.add(sendTagged(lz4, "f-" + i, tagsAndNone[i % 4], i % 10, null));
                }
                lz4.flush();
                for (int i = 0; i < 80; i++) {
                    sent.add(sendTagged(zstdKeyed, "k-" + i, tagsAndNone[(i / 3) % 4], (i * 3) % 10, "key-" + i % 2));
                }
                zstdKeyed.flush();
                for (int i = 0; i < 24; i++) {
                    sent.add(sendTagged(defaultBatcher, "d-" + i, TAGS[i % 3], i % 10, null));
                }
                defaultBatcher.flush();
            }

            List<Message<String>> everything = receiveAll(all, sent.size());
            assertEquals(expected(sent, s -> true), values(everything), "the unfiltered subscription is untouched");
            Map<String, Set<String>> taggedBatches = new java.util.HashMap<>();
            Map<String, Set<String>> defaultBatches = new java.util.HashMap<>();
            for (Message<String> m : everything) {
                MessageIdAdv id = (MessageIdAdv) m.getMessageId();
                assertTrue(id.getBatchSize() >= 3, m.getValue() + " travelled in a batch: " + id);
                (m.getValue().startsWith("d-") ? defaultBatches : taggedBatches)
                        .computeIfAbsent(id.getLedgerId() + ":" + id.getEntryId(), k -> new TreeSet<>())
                        .add(String.valueOf(m.getProperty("TAGS")));
            }
            assertTrue(taggedBatches.values().stream().allMatch(t -> t.size() == 1),
                    "a TaggedMessages batch holds one tag: " + taggedBatches);
            assertTrue(defaultBatches.values().stream().allMatch(t -> t.size() == 3),
                    "the default batcher mixed tags in every batch: " + defaultBatches);

            Set<String> wantTags = expected(sent, s -> "TagA".equals(s.tag) || "TagB".equals(s.tag));
            Set<String> wantSqlTags = expected(sent, s -> s.tag == null || s.tag.equals("TagB")
                    || s.tag.equals("TagC"));
            Set<String> wantSqlMore = expected(sent, s -> "TagA".equals(s.tag) && s.a > 4);
            assertEquals(wantTags, values(receiveAll(tags, wantTags.size())));
            assertEquals(wantSqlTags, values(receiveAll(sqlTags, wantSqlTags.size())));
            assertEquals(wantSqlMore, values(receiveAll(sqlMore, wantSqlMore.size())));
            for (String sub : List.of("tags", "sql-tags", "sql-more", "all")) {
                Await.until(sub + " backlog drained", Duration.ofSeconds(20),
                        () -> sub + ": " + backlogOrError(topic, sub), () -> backlogOrError(topic, sub) == 0);
            }
        }
        assertTrue(filterMetric("magnetar_filter_entries_total", "header_accepted") - headerAcceptedBefore >= 8,
                "one-tag batches were accepted from their header");
        assertTrue(filterMetric("magnetar_filter_entries_total", "header_rejected") - headerRejectedBefore >= 8,
                "and rejected from their header");
        assertTrue(filterMetric("magnetar_filter_entries_total", "batch_split") - splitBefore >= 3,
                "mixed default batches and TAGS-and-a filters went message by message");
        assertEquals(0, filterMetric("magnetar_filter_messages_total", "unmatched_delivered"));
    }

    private static Sent sendTagged(Producer<String> producer, String value, String tag, int a, String key) {
        TaggedMessages.tag(producer.newMessage().value(value).property("a", Integer.toString(a)).property("b", "x"),
                tag, key).sendAsync();
        return new Sent(value, tag, a, "x");
    }

    private static long backlogOrError(String topic, String sub) {
        try {
            return backlog(topic, sub);
        } catch (Exception e) {
            return -1;
        }
    }

    @Test
    @Order(3)
    void invalidExpressionIsRefusedAtSubscribe() throws Exception {
        String topic = "persistent://public/default/tag-filter-refused";
        admin.topics().createNonPartitionedTopic(topic);
        PulsarClientException e = assertThrows(PulsarClientException.class,
                () -> subscribe(topic, "bad-sql", SubscriptionType.Exclusive, Map.of("SQL92", "a > AND b = 1")));
        assertTrue(e.getMessage().contains("Magnetar refused subscription 'bad-sql'"), e.getMessage());
        assertTrue(e.getMessage().contains("SQL92 expression: unexpected token 'AND' at offset 4"), e.getMessage());
        PulsarClientException tags = assertThrows(PulsarClientException.class,
                () -> subscribe(topic, "bad-tags", SubscriptionType.Shared, Map.of("TAGS", "TagA ||")));
        assertTrue(tags.getMessage().contains("Magnetar refused subscription 'bad-tags'"), tags.getMessage());

        assertFalse(admin.topics().getSubscriptions(topic).contains("bad-sql"), "no subscription was created");
        assertEquals(2, Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                "magnetar_interceptor_subscriptions_refused_total", "reason=\"filter_expression\"").orElse(-1));
    }

    @Test
    @Order(4)
    void tenantWithTagFilterOffReceivesEverything() throws Exception {
        String topic = "persistent://plain/default/tag-filter";
        try (Consumer<String> tags = subscribe(topic, "tags", SubscriptionType.Shared,
                     Map.of("TAGS", TAG_EXPRESSION));
             Consumer<String> sql = subscribe(topic, "sql", SubscriptionType.Exclusive,
                     Map.of("SQL92", SQL_EXPRESSION))) {
            List<Sent> sent = publish(topic);
            Set<String> everything = expected(sent, s -> true);
            assertEquals(everything, values(receiveAll(tags, sent.size())));
            assertEquals(everything, values(receiveAll(sql, sent.size())));
        }
        // Vanilla Pulsar does not look at subscription properties: neither does Magnetar for this tenant.
        subscribe(topic, "bad-sql", SubscriptionType.Exclusive, Map.of("SQL92", "a > AND")).close();
    }

    /** Switches tagFilter on for tenant public again (a test before switched it off) and waits for the filter. */
    private static void tagFilterOnForPublic() throws Exception {
        Http.Response put = Http.put(pulsar.webUrl() + "/magnetar/v1/tenants/public/features", "{\"tagFilter\": true}");
        assertEquals(200, put.status(), put.body());
        Await.until("interceptor sees tagFilter on for public", Duration.ofSeconds(10), () -> Metrics.value(
                Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_interceptor_flag_tenants_overridden")
                .orElse(-1) == 1);
        // the entry filter publishes its flag view once a filtered dispatcher loaded it
        Await.until("entry filter sees tagFilter on for public", Duration.ofSeconds(10), () -> Metrics.value(
                Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_filter_flag_tenants_overridden")
                .orElse(1) == 1);
    }

    private static Consumer<String> subscribeSplit(String topic, String name, Map<String, String> properties)
            throws PulsarClientException {
        return client.newConsumer(Schema.STRING).topic(topic).subscriptionName(name)
                .subscriptionType(SubscriptionType.Shared).subscriptionProperties(properties)
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .enableBatchIndexAcknowledgment(true).receiverQueueSize(100).subscribe();
    }

    /** Receives without acknowledging until nothing comes for 2 s. */
    private static List<Message<String>> receiveUnacknowledged(Consumer<String> consumer) throws Exception {
        List<Message<String>> got = new ArrayList<>();
        Message<String> m;
        while ((m = consumer.receive(2, TimeUnit.SECONDS)) != null) {
            got.add(m);
        }
        return got;
    }

    private static String consumerState(String topic, String subscription) {
        try {
            var sub = admin.topics().getStats(topic).getSubscriptions().get(subscription);
            return sub.getConsumers().stream().map(c -> "permits=" + c.getAvailablePermits() + " unacked="
                    + c.getUnackedMessages() + " blocked=" + c.isBlockedConsumerOnUnackedMsgs())
                    .collect(Collectors.joining(", ", subscription + " backlog=" + sub.getMsgBacklog() + " [", "]"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    /**
     * A Shared consumer that reached its unacknowledged-message limit is blocked by the broker until enough of its
     * messages are acknowledged. The messages of a split batch are acknowledged by batch index only (the client
     * never acknowledges the whole entry, the filtered-out indexes were never delivered to it), and Pulsar unblocks
     * a consumer only on whole-entry acknowledgements: without Magnetar's help the filtered consumer stays blocked
     * with nothing unacknowledged. The unfiltered subscription of the same topic is the control.
     */
    @Test
    @Order(7)
    void consumerBlockedOnUnackedMessagesResumesAfterAcknowledgingSplitBatches() throws Exception {
        tagFilterOnForPublic();
        String namespace = "public/unacked-limit";
        admin.namespaces().createNamespace(namespace);
        admin.namespaces().setMaxUnackedMessagesPerConsumer(namespace, 20);
        String topic = "persistent://" + namespace + "/split-batches";
        try (Consumer<String> filtered = subscribeSplit(topic, "tags", Map.of("TAGS", "TagA"));
             Consumer<String> all = subscribeSplit(topic, "all", Map.of())) {
            List<Sent> sent = new ArrayList<>();
            try (Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).enableBatching(true)
                    .batchingMaxMessages(10).batchingMaxPublishDelay(10, TimeUnit.SECONDS).create()) {
                for (int i = 0; i < 200; i++) {
                    sent.add(send(producer, "s-" + i, i % 2 == 0 ? "TagA" : "TagB", i % 10, "x"));
                }
                producer.flush();
            }
            for (Consumer<String> consumer : List.of(all, filtered)) {
                String sub = consumer.getSubscription();
                Set<String> want = expected(sent, s -> sub.equals("all") || s.tag.equals("TagA"));
                List<Message<String>> first = receiveUnacknowledged(consumer);
                assertTrue(first.size() >= 20 && first.size() < want.size(),
                        sub + ": the broker stopped at the unacknowledged limit: " + first.size() + "; "
                                + consumerState(topic, sub));
                for (Message<String> m : first) {
                    consumer.acknowledge(m);
                }
                List<Message<String>> got = new ArrayList<>(first);
                got.addAll(receiveAll(consumer, want.size() - first.size()));
                assertEquals(want, values(got), sub + ": every message once the first ones are acknowledged; "
                        + consumerState(topic, sub));
                Await.until(sub + " backlog drained", Duration.ofSeconds(20),
                        () -> consumerState(topic, sub), () -> backlogOrError(topic, sub) == 0);
            }
        }
        // the 20 split batches, acknowledged index by index, left the filtered consumer's pending acknowledgements
        assertTrue(Metrics.value(Metrics.scrape(pulsar.webUrl() + "/metrics/"),
                "magnetar_interceptor_batch_index_ack_entries_completed_total").orElse(0) >= 20);
    }

    /**
     * A negatively acknowledged message of a split batch comes back with a growing redelivery count (what a
     * dead-letter policy counts). The filter splits the batch again on each redelivery; acknowledging its
     * non-matching indexes anew would reset the entry's count in Pulsar's redelivery tracker.
     */
    @Test
    @Order(8)
    void redeliveriesOfASplitBatchAreCounted() throws Exception {
        tagFilterOnForPublic();
        String topic = "persistent://public/default/tag-filter-redelivery";
        try (Consumer<String> consumer = client.newConsumer(Schema.STRING).topic(topic).subscriptionName("s")
                .subscriptionType(SubscriptionType.Shared).subscriptionProperties(Map.of("TAGS", "TagA"))
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
                .enableBatchIndexAcknowledgment(true).negativeAckRedeliveryDelay(100, TimeUnit.MILLISECONDS)
                .subscribe()) {
            List<Sent> sent = new ArrayList<>();
            try (Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).enableBatching(true)
                    .batchingMaxMessages(10).batchingMaxPublishDelay(10, TimeUnit.SECONDS).create()) {
                for (int i = 0; i < 10; i++) {
                    sent.add(send(producer, "r-" + i, i % 2 == 0 ? "TagA" : "TagB", i, "x"));
                }
                producer.flush();
            }
            Set<String> want = expected(sent, s -> s.tag.equals("TagA"));
            for (int delivery = 0; delivery < 3; delivery++) {
                List<Message<String>> got = new ArrayList<>();
                while (got.size() < want.size()) {
                    Message<String> m = consumer.receive(10, TimeUnit.SECONDS);
                    assertTrue(m != null, "delivery " + delivery + ": got only " + got.size());
                    got.add(m);
                }
                assertEquals(want, values(got), "delivery " + delivery);
                for (Message<String> m : got) {
                    assertEquals(delivery, m.getRedeliveryCount(), m.getValue() + " on delivery " + delivery);
                    consumer.negativeAcknowledge(m);
                }
            }
        }
    }

    /** Publishes one unbatched message per tag, values {@code <prefix>-<tag>}. */
    private static void publishOnePerTag(String topic, String prefix) throws Exception {
        try (Producer<String> producer = client.newProducer(Schema.STRING).topic(topic).enableBatching(false)
                .create()) {
            for (String tag : TAGS) {
                producer.newMessage().value(prefix + "-" + tag).property("TAGS", tag).send();
            }
        }
    }

    @Test
    @Order(5)
    void updatedSubscriptionPropertiesTakeEffect() throws Exception {
        String topic = "persistent://public/default/tag-filter-update";
        try (Consumer<String> consumer = subscribe(topic, "s", SubscriptionType.Shared, Map.of("TAGS", "TagA"))) {
            publishOnePerTag(topic, "first");
            assertEquals(Set.of("first-TagA"), values(receiveAll(consumer, 1)));

            admin.topics().updateSubscriptionProperties(topic, "s", Map.of("TAGS", "TagC || TagB"));
            publishOnePerTag(topic, "second");
            assertEquals(Set.of("second-TagB", "second-TagC"), values(receiveAll(consumer, 2)));
        }
    }

    @Test
    @Order(6)
    void switchingTheFlagOffDeliversEverythingWithoutReconnecting() throws Exception {
        String topic = "persistent://public/default/tag-filter-switch";
        try (Consumer<String> consumer = subscribe(topic, "s", SubscriptionType.Shared, Map.of("TAGS", "TagA"))) {
            publishOnePerTag(topic, "on");
            assertEquals(Set.of("on-TagA"), values(receiveAll(consumer, 1)));

            assertEquals(200, Http.delete(pulsar.webUrl() + "/magnetar/v1/tenants/public/features").status());
            // The entry filter has its own flag view (its own class loader), fed by the metadata store.
            Await.until("entry filter sees tagFilter off for public", Duration.ofSeconds(10), () -> Metrics.value(
                    Metrics.scrape(pulsar.webUrl() + "/metrics/"), "magnetar_filter_flag_tenants_overridden")
                    .orElse(-1) == 0);
            publishOnePerTag(topic, "off");
            assertEquals(Set.of("off-TagA", "off-TagB", "off-TagC"), values(receiveAll(consumer, 3)));
        }
    }
}
