package io.magnetar.bench;

import static io.magnetar.bench.report.Report.median;

import io.magnetar.bench.report.Report;
import io.magnetar.bench.report.Table;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.PulsarClient;

/**
 * What installing Magnetar costs a tenant whose messages use no feature: the stock distribution and the same
 * distribution with every Magnetar plugin installed and every feature on for the tenant, measured in
 * alternating rounds in one run.
 */
final class OverheadBenchmark implements Benchmark {
    private static final String ALL_ON =
            "{\"delay\":true,\"transaction\":true,\"retry\":true,\"deadLetter\":true,\"tagFilter\":true}";

    private record Round(double publishRate, double p50Micros, double p99Micros, double consumeRate) { }

    @Override
    public String name() {
        return "overhead";
    }

    @Override
    public String description() {
        return "stock Pulsar vs Pulsar with every Magnetar plugin: publish throughput, latency, consume rate";
    }

    @Override
    public void run(boolean quick, PrintStream out) throws Exception {
        int rounds = quick ? 2 : 6;
        long warmupMs = quick ? 1_500 : 3_000;
        long measureMs = quick ? 6_000 : 10_000;
        int fixedRate = quick ? 2_000 : 5_000;
        int drainCount = quick ? 50_000 : 200_000;
        byte[] payload = new byte[1024];
        Arrays.fill(payload, (byte) 'm');

        out.printf("overhead benchmark (%s): Pulsar standalone from the same distribution, stock vs with Magnetar,"
                + " one discarded warm-up round (r0) then %d alternating rounds%n", quick ? "quick" : "full", rounds);
        out.printf("  1 KiB messages, no Magnetar feature used; all features on for tenant public on the Magnetar broker%n");
        out.printf("  saturation: 1000 in flight, %d s measured after %d s warm-up; latency: %d msg/s fixed rate;"
                + " consume: %d-message backlog%n%n", measureMs / 1000, warmupMs / 1000, fixedRate, drainCount);

        CompletableFuture<StandaloneCluster> vanillaStart = CompletableFuture.supplyAsync(() ->
                broker("bench-vanilla").magnetar(false).start());
        CompletableFuture<StandaloneCluster> magnetarStart = CompletableFuture.supplyAsync(() ->
                broker("bench-magnetar").magnetar(true).start());
        try (StandaloneCluster vanilla = vanillaStart.join();
             StandaloneCluster magnetar = magnetarStart.join();
             PulsarClient vanillaClient = vanilla.newClient();
             PulsarClient magnetarClient = magnetar.newClient();
             PulsarAdmin vanillaAdmin = vanilla.newAdmin(0);
             PulsarAdmin magnetarAdmin = magnetar.newAdmin(0)) {
            Http.Response on = Http.put(magnetar.webUrl() + "/magnetar/v1/tenants/public/features", ALL_ON);
            if (on.status() != 200) {
                throw new IllegalStateException("could not switch features on: " + on.status() + " " + on.body());
            }
            List<Round> stock = new ArrayList<>();
            List<Round> withMagnetar = new ArrayList<>();
            Table rows = new Table(out, "%-6d", "%-9s", "%14.0f", "%10.2f", "%10.2f", "%14.0f")
                    .header("round", "broker", "publish msg/s", "p50 ms", "p99 ms", "consume msg/s");
            for (int r = 0; r <= rounds; r++) {
                boolean magnetarFirst = r % 2 == 0;
                for (int i = 0; i < 2; i++) {
                    boolean isMagnetar = (i == 0) == magnetarFirst;
                    PulsarClient client = isMagnetar ? magnetarClient : vanillaClient;
                    PulsarAdmin admin = isMagnetar ? magnetarAdmin : vanillaAdmin;
                    String prefix = "persistent://public/default/overhead-r" + r + "-";
                    double rate = LoadGenerator.saturate(client, prefix + "sat", payload, 1000, warmupMs, measureMs);
                    admin.topics().delete(prefix + "sat", true);
                    Histogram h = LoadGenerator.fixedRate(client, prefix + "lat", payload, fixedRate, warmupMs,
                            measureMs);
                    admin.topics().delete(prefix + "lat", true);
                    double consume = LoadGenerator.drain(client, prefix + "drain", payload, drainCount);
                    admin.topics().delete(prefix + "drain", true);
                    Round round = new Round(rate, h.getValueAtPercentile(50), h.getValueAtPercentile(99), consume);
                    if (r > 0) {
                        (isMagnetar ? withMagnetar : stock).add(round);
                    }
                    rows.row(r, isMagnetar ? "magnetar" : "stock", round.publishRate, round.p50Micros / 1000,
                            round.p99Micros / 1000, round.consumeRate);
                }
            }
            double throughputRatio = median(withMagnetar, Round::publishRate) / median(stock, Round::publishRate);
            double p50Ratio = median(withMagnetar, Round::p50Micros) / median(stock, Round::p50Micros);
            double p99Ratio = median(withMagnetar, Round::p99Micros) / median(stock, Round::p99Micros);
            double consumeRatio = median(withMagnetar, Round::consumeRate) / median(stock, Round::consumeRate);
            out.println();
            Table medians = new Table(out, "%-9s", "%14.0f", "%10.2f", "%10.2f", "%14.0f")
                    .header("median", "publish msg/s", "p50 ms", "p99 ms", "consume msg/s");
            medians.row("stock", median(stock, Round::publishRate),
                    median(stock, Round::p50Micros) / 1000, median(stock, Round::p99Micros) / 1000,
                    median(stock, Round::consumeRate));
            medians.row("magnetar", median(withMagnetar, Round::publishRate),
                    median(withMagnetar, Round::p50Micros) / 1000, median(withMagnetar, Round::p99Micros) / 1000,
                    median(withMagnetar, Round::consumeRate));
            new Table(out, "%-9s", "%14.3f", "%10.3f", "%10.3f", "%14.3f")
                    .row("ratio", throughputRatio, p50Ratio, p99Ratio, consumeRatio);
            out.println();
            Report.result(out, "throughput_ratio_vs_vanilla=%.3f p99_ratio_vs_vanilla=%.3f p50_ratio_vs_vanilla=%.3f"
                    + " consume_ratio_vs_vanilla=%.3f", throughputRatio, p99Ratio, p50Ratio, consumeRatio);
        }
    }

    /**
     * Both brokers get the same settings. Saturation writes several GB a round: deleting each phase's topic and
     * letting the embedded bookie roll and collect small entry logs and journals keeps the disk bounded.
     */
    private static StandaloneCluster.Builder broker(String name) {
        return StandaloneCluster.builder(name).memory("-Xms1g -Xmx1g -XX:MaxDirectMemorySize=1g")
                .conf("gcWaitTime", "5000")
                .conf("logSizeLimit", Long.toString(64L << 20))
                .conf("journalMaxSizeMB", "256")
                .conf("journalMaxBackups", "1");
    }

}
