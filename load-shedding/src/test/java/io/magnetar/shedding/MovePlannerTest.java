package io.magnetar.shedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MovePlannerTest {
    private final Map<String, BrokerModel> models = new HashMap<>();

    private static SheddingConfig config(String... keyValues) {
        Properties properties = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.setProperty(keyValues[i], keyValues[i + 1]);
        }
        return SheddingConfig.from(properties, SheddingConfig.LoadBalancerKeys.PULSAR_DEFAULTS);
    }

    /** Brokers at 0.01 load per byte/s; {@code perBroker} bundles of {@code each} bytes/s on each listed broker. */
    private static LoadSnapshot snapshot(Map<String, double[]> brokers) {
        List<BrokerLoad> reports = new ArrayList<>();
        List<BundleLoad> bundles = new ArrayList<>();
        brokers.forEach((broker, spec) -> {
            int count = (int) spec[0];
            double each = spec[1];
            reports.add(new BrokerLoad(broker, 0, 0.01 * count * each, count * each));
            for (int i = 0; i < count; i++) {
                bundles.add(new BundleLoad("t/" + broker + "-" + i + "/0x00000000_0xffffffff", broker, each));
            }
        });
        return new LoadSnapshot(0, reports, bundles);
    }

    private MovePlanner.Plan plan(SheddingConfig config, MoveLedger ledger, LoadSnapshot snapshot) {
        return new MovePlanner(config, ledger).plan(new LoadForecast(0, snapshot, models, ledger,
                new LoadForecast.Noise(), config));
    }

    @Test
    void movesOffAnOverloadedBrokerCarryTheOverloadReasonAndAreRecorded() {
        SheddingConfig config = config();
        MoveLedger ledger = new MoveLedger(config, models);
        // a at 0.9 (above the 85 % threshold), b at 0.1
        LoadSnapshot snapshot = snapshot(new java.util.TreeMap<>(Map.of("a", new double[] {9, 10},
                "b", new double[] {1, 10})));
        MovePlanner.Plan plan = plan(config, ledger, snapshot);
        assertTrue(plan.moves().size() >= 3, "moves " + plan.moves());
        assertEquals(Move.Reason.OVERLOAD, plan.moves().get(0).reason(), "the first move leaves a at 0.9");
        assertEquals(Move.Reason.TRIGGER, plan.moves().get(plan.moves().size() - 1).reason(),
                "the last leaves a below the threshold");
        for (Move move : plan.moves()) {
            assertEquals("a", move.from());
            assertEquals(move.to(), ledger.plannedMove(move.bundle()).to(), "recorded in flight");
        }
    }

    @Test
    void aDrainedBrokerIsEmptiedFirstWithTheDrainReason() {
        SheddingConfig config = config("magnetarSheddingDrainBrokers", "c", "magnetarSheddingMaxMovesPerCycle", "3");
        MoveLedger ledger = new MoveLedger(config, models);
        LoadSnapshot snapshot = snapshot(new java.util.TreeMap<>(Map.of("a", new double[] {3, 10},
                "b", new double[] {3, 10}, "c", new double[] {5, 10})));
        MovePlanner.Plan plan = plan(config, ledger, snapshot);
        assertEquals(3, plan.moves().size(), "the budget");
        for (Move move : plan.moves()) {
            assertEquals("c", move.from());
            assertEquals(Move.Reason.DRAIN, move.reason());
        }
        assertEquals(Set.of("a", "b"), plan.moves().stream().map(Move::to).collect(Collectors.toSet()),
                "each onto the broker least loaded after it");
    }

    @Test
    void whenNoSingleBundleFitsItSwapsABigOneForASmallerOne() {
        SheddingConfig config = config();
        MoveLedger ledger = new MoveLedger(config, models);
        // a: 40 + 30, b: 20 + 10 (0.7 vs 0.3, level 0.5): moving 40 or 30 lifts b above the band; 40 for 20 does not
        LoadSnapshot snapshot = new LoadSnapshot(0,
                List.of(new BrokerLoad("a", 0, 0.7, 70), new BrokerLoad("b", 0, 0.3, 30)),
                List.of(new BundleLoad("t/a0/0", "a", 40), new BundleLoad("t/a1/0", "a", 30),
                        new BundleLoad("t/b0/0", "b", 20), new BundleLoad("t/b1/0", "b", 10)));
        MovePlanner.Plan plan = plan(config, ledger, snapshot);
        assertEquals(List.of(new Move("t/a0/0", "a", "b", 40, Move.Reason.SWAP),
                new Move("t/b0/0", "b", "a", 20, Move.Reason.SWAP)), plan.moves());
    }

    @Test
    void aBalancedClusterGetsNoPlan() {
        SheddingConfig config = config();
        MoveLedger ledger = new MoveLedger(config, models);
        LoadSnapshot snapshot = snapshot(new java.util.TreeMap<>(Map.of("a", new double[] {5, 10},
                "b", new double[] {5, 10})));
        MovePlanner.Plan plan = plan(config, ledger, snapshot);
        assertEquals(List.of(), plan.moves());
        assertEquals(List.of(), plan.splits());
    }

    @Test
    void keepsOnlyThePrefixWorthItsUnloads() {
        Move m = new Move("t/x/0", "a", "b", 1);
        List<List<Move>> steps = List.of(List.of(m), List.of(m, m), List.of(m));
        List<Boolean> calm = List.of(false, false, false, false);
        // 10 -> 9 (1 per unload) -> 5 (2 per unload) -> 4.9: the last one buys 0.1
        assertEquals(2, MovePlanner.worthwhilePrefix(steps, List.of(10.0, 9.0, 5.0, 4.9), calm, 1.0));
        assertEquals(0, MovePlanner.worthwhilePrefix(steps, List.of(10.0, 9.9, 9.8, 9.7), calm, 1.0));
        List<Boolean> overloaded = List.of(true, true, true, false);
        assertEquals(3, MovePlanner.worthwhilePrefix(steps, List.of(10.0, 9.9, 9.8, 9.7), overloaded, 1.0),
                "an unfinished state is never a place to stop");
    }
}
