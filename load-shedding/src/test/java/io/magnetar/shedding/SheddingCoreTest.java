package io.magnetar.shedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SheddingCoreTest {
    private static final long MINUTE = 60_000;
    private static final double SLOPE = 0.01; // load per throughput unit

    private static SheddingCore core(String... keyValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return new SheddingCore(SheddingConfig.from(properties, SheddingConfig.LoadBalancerKeys.PULSAR_DEFAULTS));
    }

    /** Runs shedding cycles one minute apart, applying every move at once; returns the moves of each cycle. */
    private static List<List<Move>> run(SheddingCore core, TestCluster cluster, int cycles, long start) {
        List<List<Move>> all = new java.util.ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            List<Move> moves = core.plan(cluster.snapshot(start + i * MINUTE));
            cluster.apply(moves);
            all.add(moves);
        }
        return all;
    }

    @Test
    void fillsAnEmptyBrokerInOneCycleWithoutOvershoot() {
        TestCluster cluster = new TestCluster().broker("a", 0, SLOPE).broker("b", 0, SLOPE)
                .bundles("ns", 30, "a", 3);
        List<List<Move>> cycles = run(core(), cluster, 10, 0);

        assertFalse(cycles.get(0).isEmpty());
        assertTrue(cycles.get(0).stream().allMatch(m -> m.from().equals("a") && m.to().equals("b")));
        // Inside the trigger band (8 %); past it a move has to cut the peak by 3 points (the min gap) to be made.
        assertTrue(cluster.maxOverMean() <= 1.08, "max/mean " + cluster.maxOverMean());
        assertTrue(cluster.moveCounts.values().stream().allMatch(n -> n == 1), "a bundle moved twice");
        int total = cycles.stream().mapToInt(List::size).sum();
        assertTrue(total < 15, "moved " + total + " of 30 bundles to balance two brokers");
    }

    @Test
    void fillsAnEmptyBrokerWithinTheMoveBudgetOverSeveralCycles() {
        TestCluster cluster = new TestCluster().broker("a", 0, SLOPE).broker("b", 0, SLOPE)
                .bundles("ns", 30, "a", 3);
        List<List<Move>> cycles = run(core("magnetarSheddingMaxMovesPerCycle", "3"), cluster, 10, 0);

        assertTrue(cycles.stream().allMatch(c -> c.size() <= 3), "over budget: " + cycles);
        assertEquals(3, cycles.get(0).size(), "the first cycle spends its budget on the empty broker");
        assertEquals(3, cycles.get(1).size(), "and the next one goes on without waiting for the trigger again");
        assertTrue(cluster.maxOverMean() <= 1.08, "max/mean " + cluster.maxOverMean());
        assertTrue(cluster.moveCounts.values().stream().allMatch(n -> n == 1), "a bundle moved twice");
    }

    @Test
    void spreadsOverSeveralEmptyBrokersInsteadOfHerding() {
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 12, b, 2);
        }
        cluster.broker("e", 0, SLOPE).broker("f", 0, SLOPE);
        // A level of 16 %: with the default 3-point floor of the bands the cluster would count as idle enough.
        List<Move> first = core("magnetarSheddingMaxMovesPerCycle", "40", "magnetarSheddingMinGapPercent", "1")
                .plan(cluster.snapshot(0));
        cluster.apply(first);

        assertEquals(Set.of("e", "f"), Set.of(first.get(0).to(), first.get(1).to()));
        assertTrue(Math.abs(cluster.load("e") - cluster.load("f")) < 0.05,
                cluster.load("e") + " vs " + cluster.load("f"));
        assertTrue(cluster.maxOverMean() <= 1.05, "max/mean " + cluster.maxOverMean());
    }

    @Test
    void leavesGapsOfAFewPointsAloneInALightlyLoadedCluster() {
        // 21 / 18 / 18 % load: 2.0 points (10 %) above the level of 19 %, under the 3-point floor of the bands.
        TestCluster cluster = new TestCluster().broker("a", 0, SLOPE).broker("b", 0, SLOPE).broker("c", 0, SLOPE)
                .bundles("a", 7, "a", 3).bundles("b", 6, "b", 3).bundles("c", 6, "c", 3);
        assertTrue(Math.abs(cluster.load("a") - 0.21) < 0.005 && cluster.load("a") - cluster.load("b") > 0.02);

        assertTrue(run(core(), cluster, 5, 0).stream().allMatch(List::isEmpty), "moved for a 3-point gap");
        assertTrue(run(core("magnetarSheddingMinGapPercent", "1"), cluster, 5, 0).stream().anyMatch(c -> !c.isEmpty()),
                "a 1-point floor lets the 8 % trigger band act");
    }

    @Test
    void leavesABalancedClusterAloneUnderMeasurementNoise() {
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d", "e")) {
            cluster.broker(b, 0.05, SLOPE).bundles(b, 10, b, 5);
        }
        SheddingCore core = core();
        Random random = new Random(7);
        int moves = 0;
        for (int i = 0; i < 240; i++) {
            List<BrokerLoad> noisy = new java.util.ArrayList<>();
            for (BrokerLoad b : cluster.snapshot(i * MINUTE).brokers()) {
                double jitter = 1 + (random.nextDouble() * 2 - 1) * 0.10;
                noisy.add(new BrokerLoad(b.broker(), b.reportedAtMillis(), b.load() * jitter, b.throughput()));
            }
            List<Move> planned = core.plan(new LoadSnapshot(i * MINUTE, noisy, cluster.snapshot(i * MINUTE).bundles()));
            cluster.apply(planned);
            moves += planned.size();
        }
        assertEquals(0, moves);
    }

    @Test
    void staleReportsAfterAMoveDoNotTriggerMoreMoves() {
        TestCluster cluster = new TestCluster().broker("a", 0, SLOPE).broker("b", 0, SLOPE)
                .bundles("ns", 20, "a", 3);
        SheddingCore core = core();
        LoadSnapshot before = cluster.snapshot(0);
        List<Move> first = core.plan(before);
        assertFalse(first.isEmpty());
        // Neither broker has reported since: the same data one and two minutes later.
        for (long t = 1; t <= 2; t++) {
            LoadSnapshot stale = new LoadSnapshot(t * MINUTE, before.brokers(), before.bundles());
            assertEquals(List.of(), core.plan(stale));
        }
        Map<String, Double> predicted = core.predictedLoads(2 * MINUTE);
        cluster.apply(first);
        assertEquals(cluster.load("a"), predicted.get("a"), 1e-9);
        assertEquals(cluster.load("b"), predicted.get("b"), 1e-9);
    }

    @Test
    void movesTheSmallBundlesAwayFromAHotOne() {
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 10, b, 4);
        }
        String hot = "t/a-3/0x00000000_0xffffffff";
        SheddingCore core = core();
        run(core, cluster, 3, 0);
        assertTrue(cluster.moveCounts.isEmpty(), "moved in a balanced cluster");
        cluster.throughputs.put(hot, cluster.throughputs.get(hot) * 8);
        run(core, cluster, 10, 3 * MINUTE);

        assertEquals("a", cluster.owners.get(hot));
        assertFalse(cluster.moveCounts.containsKey(hot), "the hot bundle moved");
        assertTrue(cluster.maxOverMean() <= 1.10, "max/mean " + cluster.maxOverMean());
    }

    @Test
    void suggestsSplittingABundleNoBrokerCanHoldAndMovesTheRestAwayFromIt() {
        String hot = "t/hot/0x00000000_0xffffffff";
        TestCluster cluster = new TestCluster().bundle(hot, "a", 60);
        for (String b : List.of("a", "b", "c")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 10, b, 2);
        }
        SheddingCore core = core();
        run(core, cluster, 3, 0);

        // 0.6 alone against a level of about 0.4: no broker can take it within the band.
        assertEquals(List.of(hot), core.splitSuggestions().stream().map(Split::bundle).toList());
        assertEquals("a", core.splitSuggestions().get(0).broker());
        assertEquals(0.6, core.splitSuggestions().get(0).load(), 1e-6);
        assertFalse(cluster.moveCounts.containsKey(hot), "moving the hot bundle only moves the hot spot");
        // The rest leaves until what stays beside it is within the band: that broker is measured from the bundle.
        assertTrue(cluster.bundlesOn("a") <= 4, cluster.bundlesOn("a") + " bundles still on a");
        assertTrue(cluster.load("a") - 0.6 <= 0.04, "a at " + cluster.load("a"));

        // Split in two halves (as Pulsar does, both stay on the owner): each could sit below the level elsewhere.
        cluster.owners.remove(hot);
        cluster.throughputs.remove(hot);
        cluster.bundle("t/hot/0x00000000_0x7fffffff", "a", 30).bundle("t/hot/0x7fffffff_0xffffffff", "a", 30);
        run(core, cluster, 1, 40 * MINUTE);
        assertTrue(core.splitSuggestions().isEmpty(), "suggested " + core.splitSuggestions());
    }

    @Test
    void swapsWhenEveryBundleIsTooBigForTheGap() {
        TestCluster cluster = new TestCluster().broker("a", 0, SLOPE).broker("b", 0, SLOPE)
                .bundle("t/x1/0x00000000_0xffffffff", "a", 30).bundle("t/x2/0x00000000_0xffffffff", "a", 30)
                .bundle("t/y1/0x00000000_0xffffffff", "b", 22).bundle("t/y2/0x00000000_0xffffffff", "b", 22);
        List<Move> moves = run(core(), cluster, 8, 0).stream().flatMap(List::stream).toList();

        assertEquals(2, moves.size(), moves.toString());
        assertEquals(moves.get(0).from(), moves.get(1).to());
        assertEquals(cluster.load("a"), cluster.load("b"), 1e-9);
    }

    @Test
    void neverMovesABundleAgainWithinItsDwellTimeNorBackToItsOrigin() {
        TestCluster cluster = new TestCluster().broker("a", 0, SLOPE).broker("b", 0, SLOPE)
                .bundles("ns", 10, "a", 5);
        SheddingCore core = core("magnetarSheddingBundleDwellMinutes", "30");
        List<Move> first = core.plan(cluster.snapshot(0));
        cluster.apply(first);
        Set<String> moved = new HashSet<>();
        first.forEach(m -> moved.add(m.bundle()));
        // Now everything on b gets hot: only bundles that have not moved may go back to a.
        for (String bundle : moved) {
            cluster.throughputs.put(bundle, cluster.throughputs.get(bundle) * 3);
        }
        for (int i = 1; i <= 29; i++) {
            for (Move move : core.plan(cluster.snapshot(i * MINUTE))) {
                assertFalse(moved.contains(move.bundle()), "moved again within dwell: " + move);
                cluster.apply(List.of(move));
            }
        }
        for (int i = 30; i < 59; i++) {
            for (Move move : core.plan(cluster.snapshot(i * MINUTE))) {
                assertFalse(moved.contains(move.bundle()) && move.to().equals("a"), "moved back: " + move);
                cluster.apply(List.of(move));
            }
        }
    }

    @Test
    void givesHeterogeneousBrokersEqualLoadNotEqualThroughput() {
        TestCluster cluster = new TestCluster()
                .broker("normal1", 0, SLOPE).broker("normal2", 0, SLOPE)
                .broker("big", 0, SLOPE / 2) // twice the capacity
                .broker("busy", 0.40, SLOPE); // 40 % background CPU
        for (String b : cluster.brokers.keySet()) {
            cluster.bundles(b, 12, b, 2.5);
        }
        double total = cluster.throughputs.values().stream().mapToDouble(Double::doubleValue).sum();
        run(core("magnetarSheddingMinGapPercent", "1"), cluster, 20, 0); // a level near 30 %: bands of 8 / 3 %

        // Equal load L: total = 2 L/SLOPE + L/(SLOPE/2) + (L - 0.40)/SLOPE, below 0.40 so "busy" keeps nothing.
        double level = (total * SLOPE + 0.40) / 5;
        assertTrue(level < 0.40);
        assertEquals(level, cluster.load("normal1"), 0.03);
        assertEquals(level, cluster.load("normal2"), 0.03);
        assertEquals(level, cluster.load("big"), 0.03);
        assertTrue(cluster.load("busy") <= 0.43, "busy at " + cluster.load("busy"));
        assertTrue(cluster.owned("big") > 1.6 * cluster.owned("normal1"), "big broker not given more");
    }

    @Test
    void drainsABrokerBeingRemovedAcrossTheOthers() {
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 8, b, 2);
        }
        SheddingCore core = core("magnetarSheddingDrainBrokers", "d", "magnetarSheddingMaxMovesPerCycle", "5");
        List<List<Move>> cycles = run(core, cluster, 3, 0);

        assertEquals(5, cycles.get(0).size());
        assertEquals(0, cluster.bundlesOn("d"));
        Set<String> destinations = new HashSet<>();
        cycles.forEach(c -> c.forEach(m -> destinations.add(m.to())));
        assertEquals(Set.of("a", "b", "c"), destinations);
    }

    @Test
    void placesNewBundlesWithoutHerdingAndKeepsPlannedDestinations() {
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 5, b, 4);
        }
        SheddingCore core = core();
        core.observe(cluster.snapshot(0));
        Map<String, Integer> placed = new HashMap<>();
        for (int i = 0; i < 30; i++) {
            String to = core.place(List.of("a", "b", "c"), "t/new-" + i + "/0x00000000_0xffffffff", 4, 1000).get();
            placed.merge(to, 1, Integer::sum);
        }
        assertEquals(Map.of("a", 10, "b", 10, "c", 10), placed);

        TestCluster pair = new TestCluster().broker("a", 0, SLOPE).broker("b", 0, SLOPE).broker("c", 0, SLOPE)
                .bundles("ns", 12, "a", 3);
        SheddingCore shedder = core();
        List<Move> moves = shedder.plan(pair.snapshot(0));
        Move first = moves.get(0);
        assertEquals(Optional.of(first.to()), shedder.place(Set.of("a", "b", "c"), first.bundle(), 0, 1));
        String other = first.to().equals("b") ? "c" : "b";
        assertEquals(Optional.of(other), shedder.place(Set.of("a", other), first.bundle(), 0, 2));
        assertEquals(Optional.empty(), shedder.place(Set.of("a"), moves.get(1).bundle(), 0, 3));
        assertNotEquals(Optional.empty(), shedder.place(Set.of("a"), "t/unknown/0x00000000_0xffffffff", 1, 4));
    }

    @Test
    void plansTheBundlesOfABrokerThatLeftAsAWholeWhateverTheLookupOrder() {
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 8, b, 3);
        }
        cluster.bundle("t/big/0x00000000_0xffffffff", "d", 12);
        SheddingCore core = core();
        core.observe(cluster.snapshot(0));
        List<String> orphans = cluster.owners.entrySet().stream()
                .filter(e -> e.getValue().equals("d")).map(Map.Entry::getKey)
                .sorted((x, y) -> Double.compare(cluster.throughputs.get(x), cluster.throughputs.get(y)))
                .toList(); // smallest first: the worst order for one-at-a-time placement
        cluster.brokers.remove("d");
        core.retainBrokers(Set.of("a", "b", "c"), 1000);
        for (String orphan : orphans) {
            cluster.owners.put(orphan, core.place(Set.of("a", "b", "c"), orphan, 0, 1000).orElseThrow());
        }
        assertTrue(cluster.maxOverMean() <= 1.05, "max/mean " + cluster.maxOverMean());
    }

    @Test
    void doesNotUnloadJustToLiftAnUnderloadedBroker() {
        // Four brokers at 0.50 and one at 0.40: the level is 0.48, nobody is 8 % above it, so nothing moves,
        // although the light broker is 17 % below.
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 10, b, 5);
        }
        cluster.broker("e", 0, SLOPE).bundles("e", 8, "e", 5);
        List<List<Move>> cycles = run(core(), cluster, 5, 0);

        assertTrue(cycles.stream().allMatch(List::isEmpty), cycles.toString());
    }

    @Test
    void fillsAJoiningBrokerWithOneFittingBundlePerLoadedBroker() {
        // Each loaded broker holds one bundle worth its whole excess over the level once "e" joins, and small
        // ones: the fewest moves is one per broker, and the small ones stay put.
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundle("t/" + b + "-big/0x00000000_0xffffffff", b, 13);
            for (int i = 0; i < 13; i++) {
                cluster.bundle("t/" + b + "-" + i + "/0x00000000_0xffffffff", b, 3 + i % 3);
            }
        }
        cluster.broker("e", 0, SLOPE);
        List<Move> moves = run(core(), cluster, 5, 0).stream().flatMap(List::stream).toList();

        assertEquals(4, moves.size(), moves.toString());
        assertTrue(moves.stream().allMatch(m -> m.bundle().contains("-big/") && m.to().equals("e")), moves.toString());
        assertTrue(cluster.maxOverMean() <= 1.03, "max/mean " + cluster.maxOverMean());
    }

    @Test
    void neverSwapsSmallBundlesOntoAHotBrokerItCannotRelieve() {
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 10, b, 4);
        }
        String hot = "t/a-3/0x00000000_0xffffffff";
        cluster.throughputs.put(hot, cluster.throughputs.get(hot) * 12);
        List<Move> moves = run(core(), cluster, 10, 0).stream().flatMap(List::stream).toList();

        assertFalse(moves.isEmpty());
        assertTrue(moves.stream().allMatch(m -> m.from().equals("a")), "moved onto the hot broker: " + moves);
        assertEquals("a", cluster.owners.get(hot));
    }

    @Test
    void keepsOnlyTheMovesThatCutThePeakEnoughPerUnload() {
        Move m = new Move("t/x/0x00000000_0xffffffff", "a", "b", 1);
        List<List<Move>> steps = List.of(List.of(m), List.of(m), List.of(m), List.of(m), List.of(m), List.of(m));
        List<Boolean> calm = List.of(false, false, false, false, false, false, false);
        // Peak 10 -> 10 -> 10 -> 4 (three moves for 6: worth it), then 0.5 per move: not worth 1 per move.
        List<Double> peaks = List.of(10.0, 10.0, 10.0, 4.0, 3.5, 3.0, 2.5);
        assertEquals(3, SheddingCore.worthwhilePrefix(steps, peaks, calm, 1.0));
        // A state that may not be left (above the trigger band, or overloaded) needs its next step, whatever it buys.
        List<Boolean> unfinished = List.of(false, false, false, true, true, false, false);
        assertEquals(5, SheddingCore.worthwhilePrefix(steps, peaks, unfinished, 1.0));
    }

    @Test
    void rebalancesWhatTheLoadManagerLeftWhenABrokerLeftAndItPlacedTheBundles() {
        // Five balanced brokers; "e" leaves and the load manager, not this core, places its four bundles: "a" ends
        // 4.9 % above the level, inside the 8 % trigger band, so a core that only sees the result leaves it; the core
        // that saw "e" go knows the imbalance is the blind placement's and brings every broker within the target band.
        TestCluster cluster = new TestCluster();
        for (String b : List.of("a", "b", "c", "d")) {
            cluster.broker(b, 0, SLOPE).bundles(b, 10, b, 5);
        }
        cluster.broker("e", 0, SLOPE);
        double[] orphans = {14, 11, 11, 9};
        for (int i = 0; i < orphans.length; i++) {
            cluster.bundle("t/e-" + i + "/0x00000000_0xffffffff", "e", orphans[i]);
        }
        SheddingCore sawItLeave = core();
        for (int i = 0; i < 5; i++) {
            assertTrue(sawItLeave.plan(cluster.snapshot(i * MINUTE)).isEmpty());
        }
        cluster.brokers.remove("e");
        List<String> targets = List.of("a", "b", "c", "d");
        for (int i = 0; i < orphans.length; i++) {
            cluster.owners.put("t/e-" + i + "/0x00000000_0xffffffff", targets.get(i));
        }
        double before = cluster.maxOverMean();
        assertTrue(before > 1.04 && before < 1.08, "max/mean " + before);

        List<List<Move>> blind = run(core(), cluster, 5, 6 * MINUTE);
        assertTrue(blind.stream().allMatch(List::isEmpty), "inside the trigger band: " + blind);

        List<Move> moves = run(sawItLeave, cluster, 5, 6 * MINUTE).stream().flatMap(List::stream).toList();
        assertFalse(moves.isEmpty());
        assertTrue(moves.stream().allMatch(m -> m.from().equals("a")), moves.toString());
        assertTrue(cluster.maxOverMean() < 1.02, "max/mean " + cluster.maxOverMean());
        assertTrue(cluster.moveCounts.values().stream().allMatch(n -> n == 1), "a bundle moved twice");
    }

    @Test
    void aStaleTotalBehindAFresherTopBundleListingDoesNotMoveTheSameLoadTwice() {
        // The extensible load manager lists each broker's top 10 bundles, refreshed every minute, while a broker
        // rewrites its total only on a 10 % change: after the first cycle's moves, "a" still reports its old total
        // but lists the bundles it kept. Its load did go: nothing more to move.
        List<BundleLoad> onA = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            onA.add(new BundleLoad("t/ns-" + i + "/0x00000000_0xffffffff", "a", 3));
        }
        List<BrokerLoad> reports = List.of(new BrokerLoad("a", 0, 0.6, 60), new BrokerLoad("b", 0, 0.0, 0),
                new BrokerLoad("c", 0, 0.3, 30));
        List<BundleLoad> bundlesOfC = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            bundlesOfC.add(new BundleLoad("t/c-" + i + "/0x00000000_0xffffffff", "c", 3));
        }
        List<BundleLoad> first = new java.util.ArrayList<>(onA.subList(0, 10));
        first.addAll(bundlesOfC);
        SheddingCore core = core();
        List<Move> moves = core.plan(new LoadSnapshot(30_000, reports, first));
        assertFalse(moves.isEmpty());
        assertTrue(moves.stream().allMatch(m -> m.from().equals("a") && m.to().equals("b")), moves.toString());

        // A minute later: the same reports (not rewritten), the listings refreshed.
        Set<String> movedNames = new HashSet<>();
        moves.forEach(m -> movedNames.add(m.bundle()));
        List<BundleLoad> second = new java.util.ArrayList<>(bundlesOfC);
        int listedOnA = 0;
        for (BundleLoad bundle : onA) {
            if (movedNames.contains(bundle.bundle())) {
                second.add(new BundleLoad(bundle.bundle(), "b", bundle.throughput()));
            } else if (listedOnA++ < 10) {
                second.add(bundle);
            }
        }
        List<Move> again = core.plan(new LoadSnapshot(90_000, reports, second));
        assertTrue(again.isEmpty(), "moved again: " + again);
    }

    @Test
    void aStaleTotalGrowsWithTheBundlesStillListed() {
        // "a" lists 10 of its bundles (30 of its 60); its report is not rewritten while every bundle grows 20 %.
        // The unlisted half grew too: "a" is at 72 now, not the 60 - 36 + 36 a stale total would say.
        List<BrokerLoad> reports = List.of(new BrokerLoad("a", 0, 0.6, 60), new BrokerLoad("b", 0, 0.6, 60));
        SheddingCore core = core();
        core.observe(new LoadSnapshot(0, reports, listing(3.0)));
        core.observe(new LoadSnapshot(MINUTE, reports, listing(3.6)));

        Map<String, Double> predicted = core.predictedLoads(MINUTE);
        assertEquals(0.72, predicted.get("a"), 0.005, predicted.toString());
        assertEquals(0.72, predicted.get("b"), 0.005, predicted.toString());
    }

    /** Ten bundles of {@code each} listed for each of "a" and "b". */
    private static List<BundleLoad> listing(double each) {
        List<BundleLoad> bundles = new java.util.ArrayList<>();
        for (String broker : List.of("a", "b")) {
            for (int i = 0; i < 10; i++) {
                bundles.add(new BundleLoad("t/" + broker + "-" + i + "/0x00000000_0xffffffff", broker, each));
            }
        }
        return bundles;
    }

    @Test
    void aPlanEndsClearOfTheTriggerBandByWhatUnlistedThroughputMayHaveDrifted() {
        // Four brokers at 60 % and an empty one. Each loaded broker's 9-unit bundle brings it 3.5 points above the
        // level of 48 %, inside the 3.84-point trigger band, and the 1-unit top-ups after that do not pay for
        // themselves. With every bundle listed that is where the plan stops. With only the top 10 listed, 42 of a
        // broker's 60 units are known from its total alone: 5 % of that may have drifted unseen, so the plan goes on
        // until such a drift would not put the broker above the band.
        List<Move> fullListing = joinPlan(Integer.MAX_VALUE);
        assertEquals(4, fullListing.size(), fullListing.toString());
        assertTrue(fullListing.stream().allMatch(m -> m.bundle().contains("-big/") && m.to().equals("e")),
                fullListing.toString());

        List<Move> topTen = joinPlan(10);
        assertTrue(topTen.containsAll(fullListing), topTen.toString());
        assertTrue(topTen.size() > fullListing.size(), topTen.toString());
        Map<String, Double> owned = new HashMap<>(Map.of("a", 60.0, "b", 60.0, "c", 60.0, "d", 60.0));
        for (Move move : topTen) {
            owned.merge(move.from(), -move.throughput(), Double::sum);
        }
        double level = 0.48;
        double triggerBand = 0.08 * level;
        for (String broker : List.of("a", "b", "c", "d")) {
            double load = SLOPE * owned.get(broker);
            double unlisted = 60 - 9 - 9 * 1.0;
            assertTrue(load - level + SLOPE * unlisted * SheddingCore.UNLISTED_DRIFT <= triggerBand + 1e-9,
                    broker + " at " + load + ": " + topTen);
        }
    }

    /** The first plan after an empty "e" joins four brokers of 60 units, each listing its {@code listed} largest. */
    private static List<Move> joinPlan(int listed) {
        List<BrokerLoad> reports = new java.util.ArrayList<>();
        List<BundleLoad> bundles = new java.util.ArrayList<>();
        for (String broker : List.of("a", "b", "c", "d")) {
            reports.add(new BrokerLoad(broker, 0, SLOPE * 60, 60));
            List<BundleLoad> own = new java.util.ArrayList<>();
            own.add(new BundleLoad("t/" + broker + "-big/0x00000000_0xffffffff", broker, 9));
            for (int i = 0; i < 51; i++) {
                own.add(new BundleLoad("t/" + broker + "-" + i + "/0x00000000_0xffffffff", broker, 1));
            }
            bundles.addAll(own.subList(0, Math.min(listed, own.size())));
        }
        reports.add(new BrokerLoad("e", 0, 0, 0));
        return core().plan(new LoadSnapshot(MINUTE, reports, bundles));
    }

    @Test
    void aReportTakenWhileItsMovesSettleDoesNotLookLikeLoadStillThere() {
        // "a" is pinned at the cap (demand 1.1) when the first plan moves part of it away. Its next report, taken
        // half a minute later, averages the minute: 1.0 before the moves, about 0.65 after, paired with the
        // throughput after them. Read alone, that is a broker still well above the level; read against its last
        // report clear of the moves, it is where the plan put it.
        List<BundleLoad> bundles = new java.util.ArrayList<>();
        for (int i = 0; i < 22; i++) {
            bundles.add(new BundleLoad("t/a-" + i + "/0x00000000_0xffffffff", "a", 5));
        }
        for (String broker : List.of("b", "c")) {
            for (int i = 0; i < 6; i++) {
                bundles.add(new BundleLoad("t/" + broker + "-" + i + "/0x00000000_0xffffffff", broker, 5));
            }
        }
        List<BrokerLoad> before = List.of(new BrokerLoad("a", 0, 1.0, 110), new BrokerLoad("b", 0, SLOPE * 30, 30),
                new BrokerLoad("c", 0, SLOPE * 30, 30));
        SheddingCore core = core();
        List<Move> first = core.plan(new LoadSnapshot(MINUTE, before, bundles));
        assertFalse(first.isEmpty());
        Set<String> moved = new HashSet<>();
        first.forEach(m -> moved.add(m.bundle()));
        List<BundleLoad> after = new java.util.ArrayList<>();
        for (BundleLoad bundle : bundles) {
            Optional<Move> move = first.stream().filter(m -> m.bundle().equals(bundle.bundle())).findFirst();
            after.add(move.map(m -> new BundleLoad(bundle.bundle(), m.to(), bundle.throughput())).orElse(bundle));
        }
        double left = 110 - 5 * moved.size();
        List<BrokerLoad> straddling = List.of(new BrokerLoad("a", 90_000, (1.0 + SLOPE * left) / 2, left),
                before.get(1), before.get(2));

        List<Move> second = core.plan(new LoadSnapshot(2 * MINUTE, straddling, after));
        assertTrue(second.isEmpty(), "moved again on a blended report: " + second);
        assertTrue(SLOPE * left < 0.567 * 1.08, "the first plan left a at " + SLOPE * left);
    }
}
