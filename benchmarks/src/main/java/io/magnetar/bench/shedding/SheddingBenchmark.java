package io.magnetar.bench.shedding;

import io.magnetar.bench.report.Report;
import io.magnetar.shedding.pulsar.MagnetarLoadSheddingStrategy;
import io.magnetar.shedding.pulsar.MagnetarNamespaceUnloadStrategy;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.loadbalance.extensions.models.UnloadCounter;
import org.apache.pulsar.broker.loadbalance.extensions.scheduler.TransferShedder;
import org.apache.pulsar.broker.loadbalance.impl.AvgShedder;
import org.apache.pulsar.broker.loadbalance.impl.LeastLongTermMessageRate;
import org.apache.pulsar.broker.loadbalance.impl.LeastResourceUsageWithWeight;
import org.apache.pulsar.broker.loadbalance.impl.OverloadShedder;
import org.apache.pulsar.broker.loadbalance.impl.ThresholdShedder;
import org.apache.pulsar.broker.loadbalance.impl.UniformLoadShedder;

/**
 * {@code bin/magnetar bench shedding [--quick]}: replays the same generated traces, seeds and measurement noise
 * through Magnetar's shedding strategy and Pulsar 4.0.7's own shedders (the real classes, default configuration),
 * prints one table per trace and a final RESULT line.
 */
public final class SheddingBenchmark {
    static final String MAGNETAR = "Magnetar";
    /** The same core behind the extensible load manager; the RESULT line takes the worse of the two rows. */
    static final String MAGNETAR_EXTENSIBLE = "Magnetar/extensible";
    /**
     * Magnetar's placement under the modular load manager with its shedding switched off (no unload ever): what
     * placement alone achieves, printed under a table when the best built-in made no unloads. Not a contender.
     */
    static final String PLACEMENT_ONLY = "Magnetar placement only";

    private SheddingBenchmark() {
    }

    /** {@code java ... io.magnetar.bench.shedding.SheddingBenchmark [--quick]}. */
    public static void main(String[] args) throws Exception {
        boolean quick = false;
        for (String arg : args) {
            if (!arg.equals("--quick")) {
                System.err.println("usage: SheddingBenchmark [--quick]");
                System.exit(2);
            }
            quick = true;
        }
        run(quick, System.out);
    }

    /** The contenders, each behind the load manager it runs under. */
    static Map<String, Function<World, SheddingPolicy>> policies() {
        Map<String, Function<World, SheddingPolicy>> policies = new LinkedHashMap<>();
        policies.put(MAGNETAR, world -> {
            MagnetarLoadSheddingStrategy magnetar = new MagnetarLoadSheddingStrategy(() -> world.now);
            return new ModularPolicy(MAGNETAR, magnetar, magnetar, new ServiceConfiguration(), world);
        });
        policies.put(MAGNETAR_EXTENSIBLE, world -> new ExtensiblePolicy(MAGNETAR_EXTENSIBLE,
                new MagnetarNamespaceUnloadStrategy(() -> world.now), new ServiceConfiguration(), true));
        policies.put("ThresholdShedder+LLTMR", world -> new ModularPolicy("ThresholdShedder+LLTMR",
                new ThresholdShedder(), new LeastLongTermMessageRate(), new ServiceConfiguration(), world));
        policies.put("ThresholdShedder+LRUW", world -> new ModularPolicy("ThresholdShedder+LRUW",
                new ThresholdShedder(), new LeastResourceUsageWithWeight(), new ServiceConfiguration(), world));
        policies.put("OverloadShedder", world -> new ModularPolicy("OverloadShedder",
                new OverloadShedder(), new LeastLongTermMessageRate(), new ServiceConfiguration(), world));
        policies.put("UniformLoadShedder", world -> new ModularPolicy("UniformLoadShedder",
                new UniformLoadShedder(), new LeastLongTermMessageRate(), new ServiceConfiguration(), world));
        policies.put("AvgShedder", world -> {
            AvgShedder avg = new AvgShedder();
            return new ModularPolicy("AvgShedder", avg, avg, new ServiceConfiguration(), world);
        });
        policies.put("TransferShedder", world -> new ExtensiblePolicy("TransferShedder",
                new TransferShedder(new UnloadCounter()), new ServiceConfiguration(), false));
        policies.put(PLACEMENT_ONLY, world -> {
            // Shedding switched off by its own settings: a plan would start only with a broker 100 % (and 50
            // points) above the level. The strategy still reads the load data every cycle, as it places.
            ServiceConfiguration conf = new ServiceConfiguration();
            conf.getProperties().setProperty("magnetarSheddingTriggerPercent", "100");
            conf.getProperties().setProperty("magnetarSheddingMinGapPercent", "50");
            MagnetarLoadSheddingStrategy magnetar = new MagnetarLoadSheddingStrategy(() -> world.now);
            return new ModularPolicy(PLACEMENT_ONLY, magnetar, magnetar, conf, world);
        });
        return policies;
    }

    /** Per trace and policy, the results of every seed. */
    record Row(String policy, List<Simulation.Result> results) {
        double mean(java.util.function.ToDoubleFunction<Simulation.Result> metric) {
            return results.stream().mapToDouble(metric).average().orElse(Double.NaN);
        }

        double unloadsPerHour() {
            return mean(r -> r.unloads() / r.hours());
        }

        int repeats() {
            return results.stream().mapToInt(Simulation.Result::repeatMoves).sum();
        }

        int worstCycles() {
            return results.stream().flatMap(r -> r.cyclesToConverge().stream()).mapToInt(i -> i).max().orElse(-1);
        }

        int worstMembershipCycles() {
            return results.stream().flatMap(r -> r.membershipCycles().stream()).mapToInt(i -> i).max().orElse(-1);
        }
    }

    public static void run(boolean quick, PrintStream out) throws Exception {
        // The built-ins warn on every overloaded broker they see; the tables are the output.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.pulsar", "error");
        // Magnetar's split warnings too: the tables count its suggestions.
        System.setProperty("org.slf4j.simpleLogger.log.io.magnetar.shedding", "error");
        int seeds = quick ? 2 : 3;
        List<Trace> traces = Trace.all(quick);
        Map<String, Function<World, SheddingPolicy>> policies = policies();
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "shedding-sim");
            t.setDaemon(true);
            return t;
        });
        Map<Trace, Map<String, List<Future<Simulation.Result>>>> futures = new LinkedHashMap<>();
        for (Trace trace : traces) {
            Map<String, List<Future<Simulation.Result>>> byPolicy = new LinkedHashMap<>();
            for (Map.Entry<String, Function<World, SheddingPolicy>> policy : policies.entrySet()) {
                List<Future<Simulation.Result>> runs = new ArrayList<>();
                for (long seed = 1; seed <= seeds; seed++) {
                    long s = seed;
                    runs.add(pool.submit(() -> Simulation.run(trace, s, policy.getValue())));
                }
                byPolicy.put(policy.getKey(), runs);
            }
            futures.put(trace, byPolicy);
        }
        out.printf(Locale.ROOT, "Load shedding: Magnetar vs Pulsar 4.0.7's shedders (real classes, default settings), "
                + "%d seeds per trace%s.%n", seeds, quick ? ", quick scale" : "");
        out.println("Time-weighted over the true broker loads; shedding every 1 min, reports as the load managers "
                + "write them, 5 s ticks.");
        double worstBalance = 0;
        double worstUnloads = 0;
        int steadyPingPong = 0;
        int maxCycles = 0;
        for (Map.Entry<Trace, Map<String, List<Future<Simulation.Result>>>> entry : futures.entrySet()) {
            Trace trace = entry.getKey();
            List<Row> rows = new ArrayList<>();
            for (Map.Entry<String, List<Future<Simulation.Result>>> runs : entry.getValue().entrySet()) {
                List<Simulation.Result> results = new ArrayList<>();
                for (Future<Simulation.Result> f : runs.getValue()) {
                    results.add(f.get());
                }
                rows.add(new Row(runs.getKey(), results));
            }
            Row placementOnly = rows.stream().filter(r -> r.policy().equals(PLACEMENT_ONLY)).findFirst().orElseThrow();
            rows.remove(placementOnly);
            printTable(out, trace, rows);
            Row magnetar = rows.get(0);
            Row extensible = rows.get(1);
            Row bestBuiltin = rows.stream().filter(r -> !r.policy().startsWith(MAGNETAR))
                    .min((a, b) -> Double.compare(a.mean(Simulation.Result::maxOverAvg),
                            b.mean(Simulation.Result::maxOverAvg)))
                    .orElseThrow();
            double balanceRatio = magnetar.mean(Simulation.Result::maxOverAvg)
                    / bestBuiltin.mean(Simulation.Result::maxOverAvg);
            double unloadRatio = ratio(magnetar.unloadsPerHour(), bestBuiltin.unloadsPerHour());
            double extensibleBalanceRatio = extensible.mean(Simulation.Result::maxOverAvg)
                    / bestBuiltin.mean(Simulation.Result::maxOverAvg);
            double extensibleUnloadRatio = ratio(extensible.unloadsPerHour(), bestBuiltin.unloadsPerHour());
            out.printf(Locale.ROOT, "best-balancing built-in: %s; Magnetar's max/avg ratio %.3f, unload ratio %s; "
                            + "Magnetar/extensible's %.3f, %s%n", bestBuiltin.policy(), balanceRatio,
                    format(unloadRatio), extensibleBalanceRatio, format(extensibleUnloadRatio));
            if (bestBuiltin.unloadsPerHour() == 0 && magnetar.unloadsPerHour() > 0) {
                double alone = placementOnly.mean(Simulation.Result::maxOverAvg);
                int cycles = placementOnly.worstMembershipCycles();
                out.printf(Locale.ROOT, "Magnetar's placement alone, shedding off (%.1f unloads/h): max/avg %.3f (ratio %.3f "
                                + "to the best built-in's), cycles to converge after joins and leaves %s -> zero "
                                + "unloads %s its balance%n", placementOnly.unloadsPerHour(), alone,
                        alone / bestBuiltin.mean(Simulation.Result::maxOverAvg),
                        cycles == Integer.MAX_VALUE ? "never" : cycles < 0 ? "-" : Integer.toString(cycles),
                        alone <= bestBuiltin.mean(Simulation.Result::maxOverAvg) ? "match" : "do not match");
            }
            if (UnloadFloor.applies(trace)) {
                printFloor(out, trace, bestBuiltin);
                printConvergenceFloor(out, trace, magnetar, extensible);
            }
            int splits = magnetar.results().stream().mapToInt(Simulation.Result::splitsSuggested).sum();
            if (splits > 0) {
                String which = trace.has(Trace.EventType.HOT_BUNDLE) ? String.format(Locale.ROOT, ", %d of them the "
                        + "one that turned hot", magnetar.results().stream()
                        .mapToInt(Simulation.Result::hotSplitsSuggested).sum()) : "";
                out.printf(Locale.ROOT, "Magnetar suggested splitting %d bundle(s) over the %d seeds%s (a split is the "
                        + "operator's or Pulsar's auto-split's to make; not simulated)%n", splits, seeds, which);
            }
            worstBalance = Math.max(worstBalance, Math.max(balanceRatio, extensibleBalanceRatio));
            worstUnloads = Math.max(worstUnloads, Math.max(unloadRatio, extensibleUnloadRatio));
            if (trace.steady) {
                steadyPingPong += magnetar.repeats() + extensible.repeats();
            }
            maxCycles = Math.max(maxCycles,
                    Math.max(magnetar.worstMembershipCycles(), extensible.worstMembershipCycles()));
        }
        pool.shutdownNow();
        out.println();
        Report.result(out, "worst_balance_ratio_vs_best_builtin=%.3f worst_unload_ratio_vs_best_builtin=%s "
                        + "steady_pingpong=%d max_cycles_to_converge=%s", worstBalance, format(worstUnloads),
                steadyPingPong, maxCycles == Integer.MAX_VALUE ? "never" : Integer.toString(maxCycles));
    }

    /**
     * The fewest unloads any strategy needs to match the best built-in's balance seed by seed, against the built-in's
     * own unloads: above 0.5, the target of half its unloads cannot be met without balancing worse.
     */
    private static void printFloor(PrintStream out, Trace trace, Row bestBuiltin) {
        double sum = 0;
        List<String> perSeed = new ArrayList<>();
        for (int i = 0; i < bestBuiltin.results().size(); i++) {
            Simulation.Result result = bestBuiltin.results().get(i);
            java.util.OptionalInt floor = UnloadFloor.of(trace, i + 1, result.maxOverAvg());
            if (floor.isEmpty()) {
                return;
            }
            sum += floor.getAsInt();
            perSeed.add(floor.getAsInt() + "/" + result.unloads());
        }
        double floorPerHour = sum / bestBuiltin.results().size() / (trace.durationMillis / World.HOUR);
        double ratio = ratio(floorPerHour, bestBuiltin.unloadsPerHour());
        out.printf(Locale.ROOT, "fewest unloads that can match its balance (lower bound, per seed vs its own: %s): "
                        + "%.1f/h, unload ratio %s -> the <= 0.5 target is %s%n", String.join(" ", perSeed),
                floorPerHour, format(ratio), ratio > 0.5 ? "out of reach" : "not ruled out by this bound");
    }

    /**
     * Magnetar's unloads seed by seed against the fewest any strategy needs to bring max/avg to the convergence
     * ratio after the event: how close to the least disruption that still converges it comes.
     */
    private static void printConvergenceFloor(PrintStream out, Trace trace, Row magnetar, Row extensible) {
        List<String> perSeed = new ArrayList<>();
        for (int i = 0; i < magnetar.results().size(); i++) {
            java.util.OptionalInt floor = UnloadFloor.toConverge(trace, i + 1);
            if (floor.isEmpty()) {
                return;
            }
            perSeed.add(magnetar.results().get(i).unloads() + "," + extensible.results().get(i).unloads() + "/"
                    + floor.getAsInt());
        }
        out.printf(Locale.ROOT, "fewest unloads that can reach max/avg %.2f after the event (lower bound), per seed, "
                + "Magnetar,Magnetar/extensible/bound: %s%n", Simulation.CONVERGED_RATIO, String.join(" ", perSeed));
    }

    private static double ratio(double ours, double theirs) {
        if (ours == 0) {
            return 0;
        }
        return theirs == 0 ? Double.POSITIVE_INFINITY : ours / theirs;
    }

    private static String format(double ratio) {
        return Double.isInfinite(ratio) ? "inf" : String.format(Locale.ROOT, "%.3f", ratio);
    }

    private static void printTable(PrintStream out, Trace trace, List<Row> rows) {
        out.println();
        out.printf("== %s: %s%n", trace.name, trace.description);
        out.printf(Locale.ROOT, "%-23s %8s %8s %12s %10s %11s %10s %12s%n", "strategy", "max/avg", "std pp",
                "brk-min>85%", "unloads/h", "repeat<30m", "cycles", "moved MB/s/h");
        for (Row row : rows) {
            int cycles = row.worstCycles();
            out.printf(Locale.ROOT, "%-23s %8.3f %8.2f %12.1f %10.1f %11d %10s %12.1f%n", row.policy(),
                    row.mean(Simulation.Result::maxOverAvg), row.mean(Simulation.Result::stdPoints),
                    row.mean(Simulation.Result::brokerMinutesAbove85), row.unloadsPerHour(), row.repeats(),
                    cycles < 0 ? "-" : cycles == Integer.MAX_VALUE ? "never" : Integer.toString(cycles),
                    row.mean(Simulation.Result::movedMbPerSecond));
        }
    }
}
