package io.magnetar.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code bin/magnetar bench NAME [--quick]}. */
public final class BenchMain {
    private static final Map<String, Benchmark> BENCHMARKS = new LinkedHashMap<>();

    static {
        for (Benchmark b : List.of(
                new OverheadBenchmark(),
                Benchmark.of("shedding", "load-shedding simulator: Magnetar's strategy vs Pulsar 4.0.7's shedders on "
                        + "the same traces", io.magnetar.bench.shedding.SheddingBenchmark::run),
                Benchmark.of("delayed", "delayed delivery, in-process: Magnetar's tracker vs Pulsar 4.0.7's "
                        + "InMemory, Bucket trackers", io.magnetar.bench.delayed.DelayedBenchmark::run),
                Benchmark.of("scheduled", "scheduled messages on a real broker: publish vs plain, lateness, heap per "
                        + "held message, recovery after kill -9", io.magnetar.bench.scheduled.ScheduledBenchmark::run),
                Benchmark.of("delayed-recovery", "delayed delivery, real broker: recovery after unload, Magnetar vs "
                        + "InMemory vs Bucket trackers", io.magnetar.bench.delayedbroker.RecoveryBenchmark::run),
                Benchmark.of("offload", "tiered storage, real broker + s3proxy: magnetar-s3 vs Pulsar's jcloud S3 "
                        + "offloader, offload/read MB/s, 4 readers, CPU/GB",
                        io.magnetar.bench.offload.OffloadBenchmark::run),
                Benchmark.of("transactions", "transactional messages on a real broker: Magnetar's half message + "
                        + "commit vs plain sends vs Pulsar native transactions, commit-to-visible latency",
                        io.magnetar.bench.transactions.TransactionsBenchmark::run),
                Benchmark.of("filter", "tag filter, real broker: filtered vs unfiltered consume rate (unbatched, batched, "
                        + "TaggedMessages header path), broker CPU per 1M filtered, DLQ across kill -9",
                        io.magnetar.bench.filter.FilterBenchmark::run)
                // one Benchmark.of(...) line per benchmark
        )) {
            BENCHMARKS.put(b.name(), b);
        }
    }

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        String name = null;
        boolean quick = false;
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (name == null && !a.startsWith("-")) {
                name = a;
            } else {
                usage("unexpected argument " + a);
            }
        }
        Benchmark b = name == null ? null : BENCHMARKS.get(name);
        if (b == null) {
            usage(name == null ? "no benchmark named" : "unknown benchmark '" + name + "'");
            return;
        }
        b.run(quick, System.out);
        System.exit(0);
    }

    private static void usage(String problem) {
        System.err.println("magnetar bench: " + problem);
        System.err.println("usage: bin/magnetar bench NAME [--quick]");
        BENCHMARKS.values().forEach(b -> System.err.printf("  %-12s %s%n", b.name(), b.description()));
        System.exit(2);
    }
}
