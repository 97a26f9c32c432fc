package io.magnetar.delayed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DelayIndexTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final DelayIndexSettings SMALL = new DelayIndexSettings(10_000, 100, 16, 2);

    private final AtomicLong clock = new AtomicLong(T0);
    private final MemoryIndexStore store = new MemoryIndexStore();
    private final AtomicInteger changes = new AtomicInteger();
    private final AtomicInteger rebuilds = new AtomicInteger();
    private final IndexStats stats = new IndexStats();

    private DelayIndex newIndex(DelayIndexSettings settings) {
        return new DelayIndex("persistent://t/ns/topic/sub", store, settings, clock::get, countingListener(), stats);
    }

    private DelayIndex.Listener countingListener() {
        return new DelayIndex.Listener() {
            @Override
            public void indexChanged() {
                changes.incrementAndGet();
            }

            @Override
            public void rebuildRequired() {
                rebuilds.incrementAndGet();
            }
        };
    }

    private record Handed(long ledger, long entry, long at) {
    }

    /** Advances the clock in steps, handing out what is due at each step, as the dispatcher would. */
    private List<Handed> drainUntil(DelayIndex index, long until, long step) {
        List<Handed> handed = new ArrayList<>();
        while (clock.get() <= until) {
            index.maintain();
            index.pollDue(100, (l, e) -> handed.add(new Handed(l, e, clock.get())));
            while (index.hasDue()) {
                index.pollDue(100, (l, e) -> handed.add(new Handed(l, e, clock.get())));
            }
            clock.addAndGet(step);
        }
        return handed;
    }

    @Test
    void dueOrPastMessagesAreDeliveredNowAndNotHeld() {
        DelayIndex index = newIndex(SMALL);
        assertFalse(index.add(1, 0, T0));
        assertFalse(index.add(1, 1, T0 - 5_000));
        assertTrue(index.add(1, 2, T0 + 1));
        assertEquals(1, index.size());
        assertFalse(index.contains(1, 0));
        assertTrue(index.contains(1, 2));
    }

    @Test
    void neverHandsOutEarlyAndHandsOutInDueOrder() {
        DelayIndex index = newIndex(SMALL);
        Random random = new Random(7);
        Map<Long, Long> due = new HashMap<>();
        for (long e = 0; e < 2_000; e++) {
            long deliverAt = T0 + 1 + random.nextInt(60_000);
            due.put(e, deliverAt);
            assertTrue(index.add(3, e, deliverAt));
        }
        assertTrue(store.buckets.size() > 5, "far messages were sealed into buckets");
        List<Handed> handed = drainUntil(index, T0 + 61_000, 7);
        assertEquals(2_000, handed.size());
        assertEquals(2_000, new HashSet<>(handed.stream().map(Handed::entry).toList()).size(), "each once");
        long previousDue = Long.MIN_VALUE;
        for (Handed h : handed) {
            long deliverAt = due.get(h.entry());
            assertTrue(h.at() >= deliverAt, "entry " + h.entry() + " handed out early");
            assertTrue(h.at() - deliverAt < 7, "late by more than one step");
            assertTrue(deliverAt >= previousDue || h.at() > previousDue, "out of order");
            previousDue = Math.max(previousDue, deliverAt);
        }
        assertEquals(0, index.size());
    }

    @Test
    void reAddingAHeldPositionDoesNotDuplicateIt() {
        DelayIndex index = newIndex(SMALL);
        index.add(1, 5, T0 + 100);
        index.add(1, 5, T0 + 100);
        index.add(1, 5, T0 + 200);
        assertEquals(1, index.size());
        List<Handed> handed = drainUntil(index, T0 + 300, 10);
        assertEquals(1, handed.size());
    }

    @Test
    void outOfOrderAddsAcrossLedgersComeOutByTimeThenPosition() {
        DelayIndex index = newIndex(SMALL);
        index.add(9, 1, T0 + 500);
        index.add(2, 7, T0 + 300);
        index.add(2, 3, T0 + 300);
        index.add(5, 0, T0 + 100);
        clock.set(T0 + 1_000);
        List<long[]> out = new ArrayList<>();
        index.pollDue(10, (l, e) -> out.add(new long[] {l, e}));
        assertEquals(List.of("5:0", "2:3", "2:7", "9:1"), out.stream().map(p -> p[0] + ":" + p[1]).toList());
    }

    @Test
    void pollDueRespectsTheLimit() {
        DelayIndex index = newIndex(SMALL);
        for (int e = 0; e < 50; e++) {
            index.add(1, e, T0 + 10);
        }
        clock.set(T0 + 10);
        assertEquals(20, index.pollDue(20, (l, e) -> { }));
        assertEquals(30, index.size());
        assertTrue(index.hasDue());
    }

    @Test
    void aBackwardClockJumpDelaysButNeverDeliversEarly() {
        DelayIndex index = newIndex(SMALL);
        index.add(1, 1, T0 + 1_000);
        clock.set(T0 - 3_600_000);
        assertFalse(index.hasDue());
        assertEquals(0, index.pollDue(10, (l, e) -> { }));
        clock.set(T0 + 1_000);
        assertEquals(1, index.pollDue(10, (l, e) -> { }));
    }

    @Test
    void aForwardClockJumpHandsOutEverythingNowDue() {
        DelayIndex index = newIndex(SMALL);
        for (int e = 0; e < 500; e++) {
            index.add(1, e, T0 + 20_000 + e * 1_000L);
        }
        clock.set(T0 + 10_000_000);
        List<Handed> handed = drainUntil(index, clock.get(), 1);
        assertEquals(500, handed.size());
    }

    @Test
    void hugeDelaysStayPersistedAndCheap() {
        DelayIndex index = newIndex(SMALL);
        for (int e = 0; e < 1_000; e++) {
            index.add(4, e, Long.MAX_VALUE - e);
        }
        index.maintain();
        assertEquals(1_000, index.size());
        assertFalse(index.hasDue());
        assertTrue(index.nextWakeMillis() > T0 + 86_400_000L * 365);
        assertEquals(10, store.buckets.size());
        assertEquals(0, store.chunkReads, "nothing loaded for messages due in centuries");
    }

    @Test
    void memoryStaysBoundedWhileMostMessagesArePersisted() {
        DelayIndex index = newIndex(new DelayIndexSettings(60_000, 4_096, 512, 2));
        Random random = new Random(11);
        for (int e = 0; e < 200_000; e++) {
            index.add(7, e, T0 + 1 + random.nextInt(3_600_000));
        }
        index.maintain();
        long bytesPerMessage = index.memoryBytes() / 200_000;
        assertTrue(bytesPerMessage < 3, "memory " + index.memoryBytes() + " B for 200k messages");
        assertTrue(index.persistedBytes() > 200_000 * 2L && index.persistedBytes() < 200_000 * 8L,
                "persisted " + index.persistedBytes());
    }

    @Test
    void recoveryReadsSummariesOnlyAndDeduplicatesReReads() {
        DelayIndex first = newIndex(SMALL);
        Map<Long, Long> due = new HashMap<>();
        for (long e = 0; e < 1_050; e++) {
            long deliverAt = T0 + 30_000 + e * 10;
            due.put(e, deliverAt);
            first.add(2, e, deliverAt);
        }
        long persistedCount = 1_000;
        first.close();
        int sealed = store.buckets.size();
        assertEquals(persistedCount / SMALL.sealThreshold(), sealed);

        DelayIndex second = newIndex(SMALL);
        second.recover();
        assertFalse(second.recovering(), "the memory store completes at once");
        assertEquals(sealed, store.summaryReads);
        assertEquals(0, store.chunkReads);
        assertEquals(persistedCount, second.size());
        assertTrue(second.contains(2, 0));
        assertFalse(second.contains(2, 1_049), "the unsealed tail was never persisted");
        // the dispatcher re-reads the backlog past the skipped positions: the unsealed tail is added again
        for (long e = 0; e < 1_050; e++) {
            assertTrue(second.add(2, e, due.get(e)));
        }
        assertEquals(1_050, second.size());
        List<Handed> handed = drainUntil(second, T0 + 41_000, 5);
        assertEquals(1_050, handed.size());
        assertEquals(1_050, new HashSet<>(handed.stream().map(Handed::entry).toList()).size());
        handed.forEach(h -> assertTrue(h.at() >= due.get(h.entry())));
    }

    @Test
    void addsDuringRecoveryAreBufferedAndMerged() {
        DelayIndex first = newIndex(SMALL);
        for (long e = 0; e < 100; e++) {
            first.add(2, e, T0 + 20_000);
        }
        first.close();
        DeferredStore deferred = new DeferredStore(store);
        DelayIndex second = new DelayIndex("x", deferred, SMALL, clock::get, countingListener(), stats);
        second.recover();
        assertTrue(second.recovering());
        assertTrue(second.add(2, 5, T0 + 20_000), "a re-read of a persisted position");
        assertTrue(second.add(2, 100, T0 + 20_000), "a new position");
        deferred.completeAll();
        assertFalse(second.recovering());
        assertEquals(101, second.size());
        assertEquals(1, changes.get(), "the listener hears that recovery finished");
    }

    @Test
    void anUnreadableOrCorruptSummaryIsDroppedAndItsMessagesReIndexedFromTheBacklog() {
        DelayIndex first = newIndex(SMALL);
        for (long e = 0; e < 300; e++) {
            first.add(2, e, T0 + 20_000 + e);
        }
        first.close();
        long[] ids = store.loadManifest();
        assertEquals(3, ids.length);
        store.unreadable.add(ids[0]);
        store.corrupt.add(ids[1]);

        DelayIndex second = newIndex(SMALL);
        second.recover();
        assertEquals(100, second.size());
        assertFalse(second.contains(2, 0));
        assertFalse(second.contains(2, 100));
        assertTrue(second.contains(2, 200));
        assertEquals(1, store.loadManifest().length, "dropped buckets leave the manifest");
        assertTrue(store.deleted.contains(ids[0]) && store.deleted.contains(ids[1]));
        for (long e = 0; e < 300; e++) {
            second.add(2, e, T0 + 20_000 + e);
        }
        assertEquals(300, drainUntil(second, T0 + 21_000, 3).size());
        assertEquals(2, stats.bucketsDropped.sum());
    }

    @Test
    void aChunkThatStaysUnreadableAsksForARebuildAndDropsEverything() {
        DelayIndex index = newIndex(SMALL);
        for (long e = 0; e < 200; e++) {
            index.add(2, e, T0 + 20_000 + e);
        }
        long[] ids = store.loadManifest();
        store.unreadable.add(ids[0]);
        drainUntil(index, T0 + 19_000, 50);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (rebuilds.get() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, rebuilds.get(), "the subscription is told to re-read its backlog");
        assertEquals(0, index.size());
        assertFalse(index.contains(2, 150), "nothing held: the backlog re-read indexes it again");
        assertEquals(0, store.loadManifest().length);
    }

    @Test
    void bucketsAreDeletedOnceAllTheirMessagesAreHandedOut() {
        DelayIndex index = newIndex(SMALL);
        for (long e = 0; e < 400; e++) {
            index.add(2, e, T0 + 20_000 + e * 10);
        }
        assertEquals(4, store.buckets.size());
        drainUntil(index, T0 + 22_100, 10);
        assertEquals(2, store.buckets.size(), "the first two buckets' messages are all handed out");
        assertEquals(2, store.loadManifest().length);
        drainUntil(index, T0 + 24_100, 10);
        assertEquals(0, store.buckets.size());
        assertEquals(0, index.persistedBytes());
    }

    @Test
    void clearForgetsEverythingAndDeletesThePersistedBuckets() {
        DelayIndex index = newIndex(SMALL);
        for (long e = 0; e < 350; e++) {
            index.add(2, e, T0 + 20_000 + e);
        }
        index.clear().join();
        assertEquals(0, index.size());
        assertTrue(store.buckets.isEmpty());
        assertEquals(0, store.loadManifest().length);
        clock.set(T0 + 100_000);
        assertEquals(0, drainUntil(index, clock.get(), 1).size());
        assertTrue(index.add(2, 1, T0 + 200_000), "usable after clear");
    }

    @Test
    void closeKeepsThePersistedBucketsForTheNextOwner() {
        DelayIndex index = newIndex(SMALL);
        for (long e = 0; e < 250; e++) {
            index.add(2, e, T0 + 20_000 + e);
        }
        index.close();
        assertEquals(2, store.buckets.size());
        assertEquals(2, store.loadManifest().length);
        assertFalse(index.add(2, 999, T0 + 30_000), "a closed index holds nothing");
    }

    @Test
    void aFailedWriteKeepsTheBucketInMemoryAndLosesNothing() {
        store.failWrites = true;
        DelayIndex index = newIndex(SMALL);
        for (long e = 0; e < 200; e++) {
            index.add(2, e, T0 + 20_000 + e);
        }
        assertEquals(0, store.loadManifest().length);
        assertEquals(2, stats.writeFailures.sum());
        assertEquals(200, drainUntil(index, T0 + 21_000, 5).size());
    }

    @Test
    void forgettingThroughTheMarkDeletePositionDropsAcknowledgedPositionsOnly() {
        DelayIndex index = newIndex(SMALL);
        for (long e = 0; e < 10; e++) {
            index.add(3, e, T0 + 1_000);
            index.add(4, e, T0 + 1_000);
            index.add(5, e, T0 + 1_000);
        }
        assertEquals(10 + 5, index.forgetThrough(4, 4));
        assertEquals(15, index.size());
        assertFalse(index.contains(3, 9));
        assertFalse(index.contains(4, 4));
        assertTrue(index.contains(4, 5));
        clock.set(T0 + 1_000);
        List<long[]> handed = new ArrayList<>();
        index.pollDue(100, (l, e) -> handed.add(new long[] {l, e}));
        assertEquals(15, handed.size(), "forgotten positions are not handed out");
        assertTrue(handed.stream().allMatch(p -> p[0] == 5 || p[0] == 4 && p[1] >= 5));
    }

    @Test
    void entryIdsBeyondThirtyTwoBitsAreRefused() {
        DelayIndex index = newIndex(SMALL);
        assertThrows(IllegalArgumentException.class, () -> index.add(1, 1L << 33, T0 + 10));
    }

    @Test
    void latenessIsRecordedAndNeverNegative() {
        DelayIndex index = newIndex(SMALL);
        index.add(1, 1, T0 + 5);
        index.add(1, 2, T0 + 8);
        clock.set(T0 + 8);
        index.pollDue(10, (l, e) -> { });
        assertEquals(2, stats.lateness.count());
        assertEquals(3, stats.lateness.sumMillis());
        assertEquals(1, stats.lateness.cumulative(0), "one exactly on time");
    }

    @Test
    void nextWakeIsTheEarliestDueTimeOrTheNextLoad() {
        DelayIndex index = newIndex(SMALL);
        assertEquals(Long.MAX_VALUE, index.nextWakeMillis());
        index.add(1, 1, T0 + 3_000);
        assertEquals(T0 + 3_000, index.nextWakeMillis());
        index.add(1, 2, T0 + 50_000);
        assertEquals(T0 + 3_000, index.nextWakeMillis());
        Set<Long> ignored = new HashSet<>();
        clock.set(T0 + 3_000);
        index.pollDue(10, (l, e) -> ignored.add(e));
        assertEquals(T0 + 50_000 - SMALL.windowMillis() / 2, index.nextWakeMillis());
    }
}
