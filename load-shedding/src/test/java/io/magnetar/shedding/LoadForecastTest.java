package io.magnetar.shedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadForecastTest {
    private static final String X = "t/x/0x00000000_0xffffffff";
    private static final String Y = "t/y/0x00000000_0xffffffff";

    private final SheddingConfig config = SheddingConfig.defaults();
    private final Map<String, BrokerModel> models = new HashMap<>();
    private final MoveLedger ledger = new MoveLedger(config, models);
    private final LoadForecast.Noise noise = new LoadForecast.Noise();

    /** a: 0.8 load for 80 bytes/s (bundle X), b: 0.2 for 20 (bundle Y); no fitted models yet. */
    private final LoadSnapshot snapshot = new LoadSnapshot(0,
            List.of(new BrokerLoad("a", 0, 0.8, 80), new BrokerLoad("b", 0, 0.2, 20)),
            List.of(new BundleLoad(X, "a", 80), new BundleLoad(Y, "b", 20)));

    private LoadForecast forecast(LoadSnapshot s) {
        return new LoadForecast(s.nowMillis(), s, models, ledger, noise, config);
    }

    @Test
    void readsBrokersWithoutAModelFromTheirReportAtTheClusterSlope() {
        LoadForecast forecast = forecast(snapshot);
        assertEquals(0.8, forecast.load("a"), 1e-9);
        assertEquals(0.01, forecast.slope("b"), 1e-9);
        assertEquals(0.5, forecast.level(List.of("a", "b")), 1e-9, "the load that spreads 100 bytes/s evenly");
        assertEquals(0.3, forecast.deviation("a", 0.5), 1e-9);
    }

    @Test
    void appliesTheMovesInFlightAndEachPlannedMove() {
        ledger.record(new Move(Y, "b", "a", 20), 0);
        LoadForecast forecast = forecast(snapshot);
        assertEquals(1.0, forecast.load("a"), 1e-9, "the move in flight lands on a");
        assertEquals(0.0, forecast.load("b"), 1e-9);

        forecast.apply(new Move(X, "a", "b", 80));
        assertEquals(0.2, forecast.load("a"), 1e-9);
        assertEquals(List.of(new BundleLoad(X, "b", 80)), forecast.bundlesOn("b"));
        assertEquals("a", forecast.leastLoadedAfter(List.of("a", "b"), 10));
    }

    @Test
    void countsTheThroughputABrokerDoesNotList() {
        LoadSnapshot partial = new LoadSnapshot(0,
                List.of(new BrokerLoad("a", 0, 0.8, 80), new BrokerLoad("b", 0, 0.2, 20)),
                List.of(new BundleLoad(X, "a", 40), new BundleLoad(Y, "b", 20)));
        LoadForecast forecast = forecast(partial);
        assertEquals(0.8, forecast.load("a"), 1e-9, "40 listed + 40 unlisted");
        forecast.apply(new Move(X, "a", "b", 40));
        assertEquals(0.4, forecast.load("a"), 1e-9, "the unlisted 40 stay");
    }

    @Test
    void aBundleNotInTheSnapshotHasTheThroughputLastSeenOfIt() {
        ledger.observe(new LoadSnapshot(0, List.of(), List.of(new BundleLoad("t/z/0", "c", 7))), null, Map.of(),
                Map.of());
        LoadForecast forecast = forecast(snapshot);
        assertEquals(80, forecast.bundleThroughput(X, 1), 1e-9);
        assertEquals(7, forecast.bundleThroughput("t/z/0", 1), 1e-9);
        assertEquals(1, forecast.bundleThroughput("t/unknown/0", 1), 1e-9);
        assertEquals(0, forecast.bundleThroughput(null, -3), 1e-9);
    }

    @Test
    void theNoiseEstimateStartsAtThePriorAndLearnsFromCleanReports() {
        assertEquals(BrokerModel.PRIOR_NOISE, noise.relative(), 1e-12);
        BrokerModel exact = new BrokerModel();
        BrokerModel noisy = new BrokerModel();
        LoadForecast.Noise quiet = new LoadForecast.Noise();
        for (int i = 0; i < 50; i++) {
            double t = 100 + i % 5 * 10;
            quiet.trackInnovation(exact, t, 0.01 * t);
            exact.addSample(i * 60_000L, t, 0.01 * t, 600_000);
            double load = 0.01 * t * (i % 2 == 0 ? 1.2 : 0.8);
            noise.trackInnovation(noisy, t, load);
            noisy.addSample(i * 60_000L, t, load, 600_000);
        }
        assertTrue(quiet.relative() < BrokerModel.PRIOR_NOISE / 2, "reports on the model: " + quiet.relative());
        assertTrue(noise.relative() > BrokerModel.PRIOR_NOISE * 2, "reports 20 % off: " + noise.relative());
    }
}
