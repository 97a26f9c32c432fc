package io.magnetar.filter.pulsar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.filter.BatchDecision;
import io.magnetar.filter.BatchTagHint;
import io.magnetar.metrics.MagnetarMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pulsar.common.api.proto.CompressionType;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.junit.jupiter.api.Test;

class TagFilterEngineTest {
    private static final String TOPIC = "persistent://acme/ns/orders";
    private static final ByteBuf NO_DATA = Unpooled.EMPTY_BUFFER;

    private final Set<String> tenantsOn = new HashSet<>(Set.of("acme"));
    private final MagnetarMetrics metrics = new MagnetarMetrics("filter", "test");
    private final TagFilterEngine engine = new TagFilterEngine(tenantsOn::contains, metrics, new EntryProperties());
    private final Object subscription = new Object();

    private static Map<String, String> props(String key, String value) {
        Map<String, String> m = new HashMap<>();
        m.put(key, value);
        return m;
    }

    private TagFilterEngine.Verdict unbatched(Map<String, String> subProps, Map<String, String> msgProps) {
        return engine.filter(subscription, TOPIC, "sub", subProps, Entries.unbatchedMetadata(msgProps), NO_DATA,
                true);
    }

    private long counter(String name, String outcome) {
        String prefix = "magnetar_filter_" + name + "_total{cluster=\"test\",outcome=\"" + outcome + "\"} ";
        return metrics.toPrometheusText().lines().filter(l -> l.startsWith(prefix))
                .mapToLong(l -> Long.parseLong(l.substring(prefix.length()))).findFirst().orElse(-1);
    }

    @Test
    void unbatchedMessagesAreAcceptedOrRejectedOnTheirTags() {
        Map<String, String> tags = props("TAGS", "TagA || TagB");
        assertEquals(BatchDecision.DELIVER, unbatched(tags, Map.of("TAGS", "TagA")).decision());
        assertEquals(BatchDecision.DROP, unbatched(tags, Map.of("TAGS", "TagC")).decision());
        assertEquals(BatchDecision.DROP, unbatched(tags, Map.of()).decision());
        assertEquals(1, counter("entries", "accepted"));
        assertEquals(2, counter("entries", "rejected"));
        assertEquals(2, counter("messages", "filtered"));
    }

    @Test
    void tenantWithTheFeatureOffGetsEverythingAndNothingIsCompiled() {
        tenantsOn.clear();
        Map<String, String> sql = props("SQL92", "a > 5");
        assertEquals(BatchDecision.DELIVER, unbatched(sql, Map.of("a", "1")).decision());
        assertEquals(BatchDecision.DELIVER, unbatched(props("SQL92", "a >"), Map.of()).decision());
        assertEquals(0, engine.cache().compilations(), "no compile while the feature is off");
        assertEquals(0, counter("entries", "rejected"));
        assertEquals(0, counter("entries", "accepted"), "feature-off entries are not counted as filtered");

        tenantsOn.add("acme");
        assertEquals(BatchDecision.DROP, unbatched(sql, Map.of("a", "1")).decision(), "the flag is read per entry");
    }

    @Test
    void unfilteredSubscriptionsAndMatchAllTagsDeliverEverything() {
        assertEquals(BatchDecision.DELIVER, unbatched(Map.of(), Map.of("TAGS", "TagC")).decision());
        Object other = new Object();
        assertEquals(BatchDecision.DELIVER, engine.filter(other, TOPIC, "all", props("TAGS", "*"),
                Entries.unbatchedMetadata(Map.of()), NO_DATA, true).decision());
        assertEquals(0, counter("entries", "rejected"));
    }

    @Test
    void compilesOncePerPropertiesMapAndRecompilesWhenPulsarReplacesIt() {
        Map<String, String> first = props("TAGS", "TagA");
        for (int i = 0; i < 5; i++) {
            unbatched(first, Map.of("TAGS", "TagA"));
        }
        assertEquals(1, engine.cache().compilations());
        SubscriptionFilterCache.Entry entry = engine.cache().get(subscription, TOPIC, "sub");
        assertSame(entry.filterFor(first), entry.filterFor(first));

        // PersistentSubscription.updateSubscriptionProperties swaps in a new map.
        Map<String, String> second = props("TAGS", "TagB");
        assertEquals(BatchDecision.DROP, unbatched(second, Map.of("TAGS", "TagA")).decision());
        assertEquals(BatchDecision.DELIVER, unbatched(second, Map.of("TAGS", "TagB")).decision());
        assertEquals(2, engine.cache().compilations());
        assertEquals("acme", entry.tenant());

        engine.filter(new Object(), "persistent://other/ns/t", "sub", first, Entries.unbatchedMetadata(Map.of()),
                NO_DATA, true);
        assertEquals(2, engine.cache().size(), "one entry per subscription object");
    }

    @Test
    void storedInvalidExpressionDeliversEverythingAndIsCounted() {
        Map<String, String> bad = props("SQL92", "a > AND");
        assertEquals(BatchDecision.DELIVER, unbatched(bad, Map.of("a", "1")).decision());
        assertEquals(BatchDecision.DELIVER, unbatched(bad, Map.of("a", "1")).decision());
        assertTrue(metrics.toPrometheusText().contains("magnetar_filter_invalid_expressions_total{cluster=\"test\"} 1"),
                metrics.toPrometheusText());
        assertNull(engine.cache().get(subscription, TOPIC, "sub").filterFor(bad));
    }

    private TagFilterEngine.Verdict batch(CompressionType compression, boolean batchIndexAck,
                                          List<Entries.Message> messages) {
        MessageMetadata[] md = new MessageMetadata[1];
        ByteBuf entry = Entries.batchEntry(md, compression, messages, false);
        try {
            return engine.filter(subscription, TOPIC, "sub", props("TAGS", "TagA || TagB"), md[0], entry,
                    batchIndexAck);
        } finally {
            entry.release();
        }
    }

    private static List<Entries.Message> tags(String... tags) {
        return java.util.Arrays.stream(tags).map(t -> Entries.Message.of(Map.of("TAGS", t))).toList();
    }

    @Test
    void mixedBatchIsSplitWithBatchIndexAckKeepingOnlyTheMatchingIndexes() {
        TagFilterEngine.Verdict v = batch(CompressionType.LZ4, true, tags("TagC", "TagA", "TagC", "TagB", "TagC"));
        assertEquals(BatchDecision.DELIVER_MATCHING, v.decision());
        assertArrayEquals(new long[] {0b01010}, v.keepAckSet(), "bits set = indexes still to deliver");
        assertEquals(1, counter("entries", "batch_split"));
        assertEquals(2, counter("messages", "matched"));
        assertEquals(3, counter("messages", "filtered"));
    }

    @Test
    void mixedBatchIsDeliveredWholeWithoutBatchIndexAck() {
        TagFilterEngine.Verdict v = batch(CompressionType.ZLIB, false, tags("TagC", "TagA"));
        assertEquals(BatchDecision.DELIVER_WHOLE_BATCH, v.decision());
        assertNull(v.keepAckSet());
        assertEquals(1, counter("messages", "unmatched_delivered"));
        assertEquals(0, counter("messages", "filtered"));
    }

    @Test
    void homogeneousBatchesAreDeliveredOrDroppedWhole() {
        assertEquals(BatchDecision.DELIVER, batch(CompressionType.NONE, true, tags("TagA", "TagB")).decision());
        assertEquals(BatchDecision.DROP, batch(CompressionType.ZSTD, false, tags("TagC", "TagC", "TagC")).decision());
        assertEquals(1, counter("entries", "accepted"));
        assertEquals(1, counter("entries", "rejected"));
    }

    @Test
    void unreadableBatchesAreDeliveredNotDropped() {
        MessageMetadata encrypted = Entries.batchMetadata(2, CompressionType.NONE, 10);
        encrypted.addEncryptionKey().setKey("k").setValue(new byte[] {1});
        assertEquals(BatchDecision.DELIVER, engine.filter(subscription, TOPIC, "sub", props("TAGS", "TagA"),
                encrypted, NO_DATA, true).decision());

        MessageMetadata truncated = Entries.batchMetadata(3, CompressionType.NONE, 10);
        ByteBuf entry = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0});
        assertEquals(BatchDecision.DELIVER, engine.filter(subscription, TOPIC, "sub", props("TAGS", "TagA"),
                truncated, entry, true).decision());
        assertEquals(1, entry.refCnt());
        entry.release();
        assertEquals(2, counter("entries", "unreadable"));
    }

    @Test
    void markersAreLeftToTheBroker() {
        MessageMetadata marker = Entries.unbatchedMetadata(Map.of()).setMarkerType(1);
        assertEquals(BatchDecision.DELIVER, engine.filter(subscription, TOPIC, "sub", props("TAGS", "TagA"), marker,
                NO_DATA, true).decision());
    }

    /** The ordering key a tag-aware producer writes (the wire convention of {@code BatchTagHint}). */
    private static byte[] hint(String tag) {
        byte[] t = tag.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] key = java.util.Arrays.copyOf(new byte[] {0, 'M', 'G', 'T', 1, 'T'}, 6 + t.length);
        System.arraycopy(t, 0, key, 6, t.length);
        return key;
    }

    /** A batch whose header names {@code headerTag}; the payload's own tags are {@code payloadTags}. */
    private TagFilterEngine.Verdict hinted(TagFilterEngine on, String headerTag, long sequenceId, long highest,
                                           Map<String, String> filter, String... payloadTags) {
        MessageMetadata[] md = new MessageMetadata[1];
        ByteBuf entry = Entries.batchEntry(md, CompressionType.LZ4, tags(payloadTags), false);
        md[0].setOrderingKey(hint(headerTag)).setSequenceId(sequenceId).setHighestSequenceId(highest);
        try {
            return on.filter(subscription, TOPIC, "sub", filter, md[0], entry, true);
        } finally {
            assertEquals(1, entry.refCnt(), "the entry's buffer is left as it was");
            entry.release();
        }
    }

    @Test
    void batchesOfOneTagAreDecidedFromTheHeaderWithoutDecompressing() {
        TagFilterEngine noDecoding = new TagFilterEngine(tenantsOn::contains, metrics, new EntryProperties(type -> {
            throw new AssertionError("the payload of a hinted batch was decompressed");
        }));
        Map<String, String> ab = props("TAGS", "TagA || TagB");
        assertEquals(BatchDecision.DELIVER,
                hinted(noDecoding, "TagA", 20, 20, ab, "TagA", "TagA", "TagA").decision());
        assertEquals(BatchDecision.DROP, hinted(noDecoding, "TagC", 23, 23, ab, "TagC", "TagC").decision());
        assertEquals(BatchDecision.DELIVER, hinted(noDecoding, "TagB", 24, 24, props("SQL92", "TAGS = 'TagB'"),
                "TagB").decision(), "an SQL92 expression over TAGS alone");
        assertEquals(2, counter("entries", "header_accepted"));
        assertEquals(1, counter("entries", "header_rejected"));
        assertEquals(4, counter("messages", "matched"));
        assertEquals(2, counter("messages", "filtered"));
        assertEquals(0, counter("entries", "accepted"), "no per-message pass");
    }

    @Test
    void encryptedBatchesOfOneTagAreFilteredToo() {
        MessageMetadata encrypted = Entries.batchMetadata(4, CompressionType.NONE, 10).setOrderingKey(hint("TagC"))
                .setSequenceId(9).setHighestSequenceId(9);
        encrypted.addEncryptionKey().setKey("k").setValue(new byte[] {1});
        assertEquals(BatchDecision.DROP, engine.filter(subscription, TOPIC, "sub", props("TAGS", "TagA"),
                encrypted, NO_DATA, true).decision());
        assertEquals(0, counter("entries", "unreadable"));
    }

    @Test
    void aHintTheHeaderCannotVouchForFallsBackToEveryMessage() {
        Map<String, String> ab = props("TAGS", "TagA || TagB");
        // the default batcher's shape (sequence ids 11..14): the first message's key says nothing of the others
        TagFilterEngine.Verdict v = hinted(engine, "TagA", 11, 14, ab, "TagA", "TagC", "TagB", "TagC");
        assertEquals(BatchDecision.DELIVER_MATCHING, v.decision());
        assertArrayEquals(new long[] {0b0101}, v.keepAckSet());
        // an expression reading another property than TAGS
        assertEquals(BatchDecision.DROP, hinted(engine, "TagA", 15, 15, props("SQL92", "TAGS = 'TagA' AND a > 5"),
                "TagA", "TagA").decision(), "messages without a: decided per message");
        assertEquals(0, counter("entries", "header_accepted"));
        assertEquals(0, counter("entries", "header_rejected"));
        assertEquals(1, counter("entries", "batch_split"));
        assertEquals(1, counter("entries", "rejected"));
    }

    @Test
    void aForeignOrderingKeyIsIgnored() {
        MessageMetadata[] md = new MessageMetadata[1];
        ByteBuf entry = Entries.batchEntry(md, CompressionType.NONE, tags("TagC", "TagA"), false);
        md[0].setOrderingKey("TagA".getBytes(java.nio.charset.StandardCharsets.UTF_8)).setHighestSequenceId(1);
        try {
            assertEquals(BatchDecision.DELIVER_MATCHING, engine.filter(subscription, TOPIC, "sub",
                    props("TAGS", "TagA"), md[0], entry, true).decision());
        } finally {
            entry.release();
        }
    }

    @Test
    void aSplitIsAppliedOnceTheCursorHoldsOnlyMatchingIndexesUnacknowledged() {
        long[] keep = {0b0101L};
        assertFalse(TagFilterEngine.splitAlreadyApplied(null, keep), "never split: acknowledge");
        assertFalse(TagFilterEngine.splitAlreadyApplied(new long[] {0b1111L}, keep),
                "the consumer acknowledged some indexes, not the filtered-out ones yet");
        assertTrue(TagFilterEngine.splitAlreadyApplied(new long[] {0b0101L}, keep), "the redelivery of a split");
        assertTrue(TagFilterEngine.splitAlreadyApplied(new long[] {0b0100L}, keep),
                "and of a split the consumer partly acknowledged since");
        assertFalse(TagFilterEngine.splitAlreadyApplied(new long[] {0b0001L, 0b1L}, keep),
                "an index past the kept words is not a kept one");
        assertTrue(TagFilterEngine.splitAlreadyApplied(new long[] {0b0001L}, new long[] {0b0101L, 0b11L}));
        assertFalse(TagFilterEngine.splitAlreadyApplied(new long[] {0b0101L}, new long[] {0b0100L}),
                "the subscription's filter changed: index 0 no longer matches");
    }
}
