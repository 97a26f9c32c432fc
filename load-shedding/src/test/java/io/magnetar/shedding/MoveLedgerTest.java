package io.magnetar.shedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MoveLedgerTest {
    private static final long MINUTE = 60_000;
    private static final String X = "t/x/0x00000000_0xffffffff";
    private static final String Y = "t/y/0x00000000_0xffffffff";

    private final SheddingConfig config = SheddingConfig.defaults(); // settle 1 min, dwell 30 min
    private final Map<String, BrokerModel> models = new HashMap<>(Map.of("a", new BrokerModel(),
            "b", new BrokerModel(), "c", new BrokerModel()));
    private final MoveLedger ledger = new MoveLedger(config, models);
    private LoadSnapshot previous;

    /** Every broker reported at {@code reportedAt}; {@code ownerPairs} is bundle, owner, bundle, owner... */
    private void observe(long now, long reportedAt, List<String> brokers, String... ownerPairs) {
        Map<String, BrokerLoad> byName = new LinkedHashMap<>();
        brokers.forEach(b -> byName.put(b, new BrokerLoad(b, reportedAt, 0.5, 100)));
        Map<String, String> owners = new HashMap<>();
        List<BundleLoad> bundles = new java.util.ArrayList<>();
        for (int i = 0; i < ownerPairs.length; i += 2) {
            owners.put(ownerPairs[i], ownerPairs[i + 1]);
            bundles.add(new BundleLoad(ownerPairs[i], ownerPairs[i + 1], 10));
        }
        LoadSnapshot snapshot = new LoadSnapshot(now, List.copyOf(byName.values()), bundles);
        ledger.observe(snapshot, previous, byName, owners);
        previous = snapshot;
    }

    @Test
    void aMovedBundleStaysForItsDwellTimeAndDoesNotGoBackForTwice() {
        observe(0, 0, List.of("a", "b", "c"), X, "a");
        ledger.record(new Move(X, "a", "b", 10), 0);
        observe(5 * MINUTE, 5 * MINUTE, List.of("a", "b", "c"), X, "b"); // settled: no longer in flight
        assertNull(ledger.plannedMove(X));

        BundleLoad onB = new BundleLoad(X, "b", 10);
        assertFalse(ledger.movable(onB, "c", 29 * MINUTE));
        assertTrue(ledger.movable(onB, "c", 30 * MINUTE));
        assertFalse(ledger.movable(onB, "a", 59 * MINUTE), "not back to its origin within twice the dwell");
        assertTrue(ledger.movable(onB, "a", 60 * MINUTE));
    }

    @Test
    void aMoveStaysInFlightUntilTheDestinationReportsAfterTheSettleTime() {
        observe(0, 0, List.of("a", "b"), X, "a");
        ledger.record(new Move(X, "a", "b", 10), 0);
        observe(MINUTE / 2, MINUTE / 2, List.of("a", "b"), X, "b");
        assertNotNull(ledger.plannedMove(X), "the destination's report may not show it yet");
        assertFalse(ledger.movable(new BundleLoad(X, "b", 10), "a", 40 * MINUTE), "in flight: never movable");

        observe(2 * MINUTE, 2 * MINUTE, List.of("a", "b"), X, "b");
        assertNull(ledger.plannedMove(X));
    }

    @Test
    void aMoveThatDidNotHappenIsForgottenOnceItsOwnerReportsAfterTheSettleTime() {
        observe(0, 0, List.of("a", "b"), X, "a");
        ledger.record(new Move(X, "a", "b", 10), 0);
        observe(2 * MINUTE, 2 * MINUTE, List.of("a", "b"), X, "a");
        assertNull(ledger.plannedMove(X));
        assertEquals(1, ledger.moved().size(), "still counted as moved for the unlisted throughput");
    }

    @Test
    void aBrokerGoneWhoseBundlesTheLoadManagerPlacedStartsTheOrphanWindow() {
        observe(0, 0, List.of("a", "b", "c"), X, "a", Y, "c");
        assertFalse(ledger.orphansSettling(0));
        observe(MINUTE, MINUTE, List.of("a", "b"), X, "a", Y, "b");
        assertTrue(ledger.orphansSettling(MINUTE + MoveLedger.ORPHANS_SETTLE_MILLIS));
        assertFalse(ledger.orphansSettling(MINUTE + MoveLedger.ORPHANS_SETTLE_MILLIS + 1));
        assertEquals(MINUTE, models.get("a").lastChangeMillis, "every remaining broker's reports wait");
        assertEquals(MINUTE, models.get("b").lastChangeMillis);
    }

    @Test
    void anUnplannedOwnershipChangeMarksBothBrokersButAPlannedOneIsNotUnplanned() {
        observe(0, 0, List.of("a", "b", "c"), X, "a", Y, "b");
        ledger.record(new Move(X, "a", "b", 10), 0);
        observe(MINUTE, MINUTE, List.of("a", "b", "c"), X, "b", Y, "c");
        assertEquals(0, models.get("a").lastChangeMillis, "a changed only by our move, at 0");
        assertEquals(MINUTE, models.get("b").lastChangeMillis, "b lost Y without a move of ours");
        assertEquals(MINUTE, models.get("c").lastChangeMillis);
        assertFalse(ledger.orphansSettling(MINUTE));
    }

    @Test
    void aReportIsMovedAroundWhenOneOfOurMovesFallsInTheSettleTimeBeforeIt() {
        ledger.record(new Move(X, "a", "b", 10), 10 * MINUTE);
        assertFalse(ledger.movedAround("a", 10 * MINUTE), "taken at the move: does not count it");
        assertTrue(ledger.movedAround("a", 10 * MINUTE + 1));
        assertTrue(ledger.movedAround("b", 11 * MINUTE));
        assertFalse(ledger.movedAround("b", 11 * MINUTE + 1), "settled");
        assertFalse(ledger.movedAround("c", 10 * MINUTE + 1));
    }

    @Test
    void aPlacementIsInFlightAndTheLatestPlannedMoveWins() {
        ledger.placed(X, null, "c", 10, 0);
        assertNull(ledger.plannedMove(X), "a placement of a new bundle is no planned move");
        ledger.record(new Move(X, "a", "b", 10), 0);
        ledger.placed(X, "a", "c", 10, 0);
        assertEquals("c", ledger.plannedMove(X).to());
        ledger.retainDestinations(java.util.Set.of("a", "b"));
        assertEquals("b", ledger.plannedMove(X).to());
        assertEquals(0, models.get("c").lastChangeMillis, "the placement touched its destination");
    }
}
