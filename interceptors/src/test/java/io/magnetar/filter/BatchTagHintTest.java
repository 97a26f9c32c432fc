package io.magnetar.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BatchTagHintTest {
    /** The convention spelled out byte by byte, independently of the client's encoder. */
    private static byte[] key(char kind, String tag, String messageKey) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 'M', 'G', 'T', 1, (byte) kind});
        out.writeBytes(tag.getBytes(StandardCharsets.UTF_8));
        if (messageKey != null) {
            out.write(0);
            out.writeBytes(messageKey.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Test
    void readsTheTagAndIgnoresTheMessageKeyAfterIt() {
        assertEquals("TagA", BatchTagHint.parse(key('T', "TagA", null)).tag());
        assertEquals("TagA", BatchTagHint.parse(key('T', "TagA", "order-17")).tag());
        assertEquals("Étiquette-日本", BatchTagHint.parse(key('T', "Étiquette-日本", "k")).tag());
        BatchTagHint untagged = BatchTagHint.parse(key('N', "", "k"));
        assertNull(untagged.tag(), "a batch of messages without TAGS");
    }

    @Test
    void anyOtherOrderingKeyIsNotAHint() {
        assertNull(BatchTagHint.parse(null));
        assertNull(BatchTagHint.parse(new byte[0]));
        assertNull(BatchTagHint.parse("TagA".getBytes(StandardCharsets.UTF_8)), "an application's own key");
        assertNull(BatchTagHint.parse(new byte[] {0, 'M', 'G', 'T', 1}), "prefix only");
        assertNull(BatchTagHint.parse(new byte[] {0, 'M', 'G', 'T', 2, 'T', 'A'}), "unknown version");
        assertNull(BatchTagHint.parse(key('T', "", null)), "empty tag");
        assertNull(BatchTagHint.parse(key('T', "", "k")), "empty tag before a key");
        assertNull(BatchTagHint.parse(key('N', "x", null)), "untagged with a tag");
        assertNull(BatchTagHint.parse(key('X', "TagA", null)), "unknown kind");
    }

    @Test
    void onlyBatchesShapedByTheKeyBasedBatcherAreTrusted() {
        assertTrue(BatchTagHint.trustedBatch(1, 5, true, 5), "a batch of one");
        assertTrue(BatchTagHint.trustedBatch(0, 5, false, 0), "no batch count: a single message");
        assertTrue(BatchTagHint.trustedBatch(10, 42, true, 42), "key-based: sequence id raised to the highest");
        assertFalse(BatchTagHint.trustedBatch(10, 33, true, 42), "default batcher: ids 33..42, keys may mix");
        assertFalse(BatchTagHint.trustedBatch(10, 42, false, 0), "a batch that does not say its highest id");
    }

    @Test
    void tagExpressionsAreDecidedFromTheTagAlone() {
        MessageFilter ab = TagExpression.compile("TagA || TagB");
        assertEquals(BatchDecision.DELIVER, BatchTagHint.parse(key('T', "TagB", null)).decide(ab));
        assertEquals(BatchDecision.DROP, BatchTagHint.parse(key('T', "TagC", null)).decide(ab));
        assertEquals(BatchDecision.DROP, BatchTagHint.parse(key('N', "", null)).decide(ab));
        assertEquals(BatchDecision.DROP, BatchTagHint.parse(key('T', "taga", null)).decide(ab), "case-sensitive");
    }

    @Test
    void sqlIsDecidedFromTheHeaderOnlyWhenItReadsNothingButTags() {
        BatchTagHint a = BatchTagHint.parse(key('T', "TagA", null));
        BatchTagHint none = BatchTagHint.parse(key('N', "", null));
        assertEquals(BatchDecision.DELIVER, a.decide(Sql92Expression.compile("TAGS IN ('TagA', 'TagB')")));
        assertEquals(BatchDecision.DROP, a.decide(Sql92Expression.compile("TAGS <> 'TagA'")));
        assertEquals(BatchDecision.DELIVER, none.decide(Sql92Expression.compile("TAGS IS NULL")));
        assertEquals(BatchDecision.DROP, none.decide(Sql92Expression.compile("TAGS = 'TagA'")));
        assertNull(a.decide(Sql92Expression.compile("a > 5")), "another property: per message");
        assertNull(a.decide(Sql92Expression.compile("TAGS = 'TagA' AND a > 5")), "the tag alone does not decide");
        assertNull(none.decide(Sql92Expression.compile("TAGS IS NOT NULL OR a > 5")), "false OR unknown");
        // whether the evaluator short-circuits or not, it must never claim an answer it cannot know
        assertNotEquals(BatchDecision.DROP, none.decide(Sql92Expression.compile("TAGS IS NULL OR a > 5")));
        assertNotEquals(BatchDecision.DELIVER,
                BatchTagHint.parse(key('T', "TagB", null)).decide(Sql92Expression.compile("TAGS = 'TagA' AND a > 5")));
    }
}
