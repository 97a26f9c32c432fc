package io.magnetar.bench.shedding;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/** Replays one trace, for one seed, through one policy, and measures. */
final class Simulation {
    static final long TICK = 5_000;
    static final long SAMPLE_INTERVAL = 60_000;
    static final long SHEDDING_INTERVAL = 60_000;
    static final long GRACE_PERIOD = 30 * 60_000;
    static final double CONVERGED_RATIO = 1.10;
    static final long CONVERGED_HOLD = 10 * 60_000;
    static final double HOT = 0.85;
    static final double HOT_MULTIPLIER = 8;

    /** What one run measured. */
    record Result(double maxOverAvg, double stdPoints, double brokerMinutesAbove85, int unloads, double hours,
                  int repeatMoves, List<Integer> cyclesToConverge, List<Integer> membershipCycles,
                  double movedMbPerSecond, int splitsSuggested, int hotSplitsSuggested) {
    }

    private Simulation() {
    }

    static Result run(Trace trace, long seed, Function<World, SheddingPolicy> policyFactory) {
        List<Trace.Event> events = new ArrayList<>();
        World world = trace.newWorld(seed, events);
        SheddingPolicy policy = policyFactory.apply(world);
        Random random = new Random(seed * 7 + 3);
        Map<String, Integer> sampleCounts = new HashMap<>();
        Map<String, Long> phases = new HashMap<>();
        for (World.Broker broker : world.brokers.values()) {
            start(world, broker, policy, sampleCounts, phases, random);
        }
        long start = world.now;
        long steps = trace.durationMillis / TICK;
        double[] ratios = new double[(int) steps];
        double ratioSum = 0;
        double stdSum = 0;
        double hotMinutes = 0;
        int unloads = 0;
        int repeats = 0;
        double moved = 0;
        Map<String, Long> lastMoved = new HashMap<>();
        Set<String> hot = new HashSet<>();
        Set<String> suggested = new HashSet<>();
        int nextEvent = 0;
        events.sort((a, b) -> Long.compare(a.at(), b.at()));
        for (int step = 0; step < steps; step++) {
            long offset = step * TICK;
            while (nextEvent < events.size() && events.get(nextEvent).at() <= offset) {
                apply(events.get(nextEvent++), world, policy, sampleCounts, phases, random, hot);
            }
            Map<String, Double> loads = world.loads();
            double max = 0;
            double sum = 0;
            double squares = 0;
            for (double load : loads.values()) {
                max = Math.max(max, load);
                sum += load;
                squares += load * load;
                if (load > HOT) {
                    hotMinutes += TICK / 60_000.0;
                }
            }
            int n = loads.size();
            double mean = sum / n;
            ratios[step] = max / mean;
            ratioSum += max / mean;
            stdSum += Math.sqrt(Math.max(0, squares / n - mean * mean)) * 100;
            world.advance(TICK, loads);
            long now = world.now;
            for (World.Broker broker : new ArrayList<>(world.brokers.values())) {
                boolean fresh = (now - phases.get(broker.name)) % SAMPLE_INTERVAL == 0;
                World.Sample sample = fresh
                        ? world.sample(broker, sampleCounts.merge(broker.name, 1, Integer::sum))
                        : broker.lastSample;
                policy.onReporterTick(sample, fresh, now);
            }
            if ((now - start) % SHEDDING_INTERVAL == 0) {
                for (SheddingPolicy.Transfer transfer : policy.shed(now)) {
                    World.Bundle bundle = world.bundles.get(transfer.bundle());
                    if (bundle == null || bundle.owner == null || !world.brokers.containsKey(transfer.to())) {
                        continue;
                    }
                    unloads++;
                    moved += world.throughput(bundle) / (1024 * 1024);
                    Long previous = lastMoved.put(bundle.name, now);
                    if (previous != null && now - previous < GRACE_PERIOD) {
                        repeats++;
                    }
                    bundle.owner = transfer.to();
                }
                suggested.addAll(policy.splitSuggestions());
            }
        }
        List<Integer> cycles = new ArrayList<>();
        List<Integer> membership = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            long from = events.get(i).at();
            long until = i + 1 < events.size() ? events.get(i + 1).at() : trace.durationMillis;
            int c = cyclesToConverge(ratios, from, until);
            cycles.add(c);
            if (events.get(i).membership()) {
                membership.add(c);
            }
        }
        double hours = trace.durationMillis / World.HOUR;
        int hotSuggested = (int) suggested.stream().filter(hot::contains).count();
        return new Result(ratioSum / steps, stdSum / steps, hotMinutes, unloads, hours, repeats, cycles, membership,
                moved / hours, suggested.size(), hotSuggested);
    }

    private static void start(World world, World.Broker broker, SheddingPolicy policy,
                              Map<String, Integer> sampleCounts, Map<String, Long> phases, Random random) {
        phases.put(broker.name, world.now - TICK * random.nextInt((int) (SAMPLE_INTERVAL / TICK)));
        World.Sample sample = world.sample(broker, sampleCounts.merge(broker.name, 1, Integer::sum));
        policy.onReporterTick(sample, true, world.now);
    }

    private static void apply(Trace.Event event, World world, SheddingPolicy policy,
                              Map<String, Integer> sampleCounts, Map<String, Long> phases, Random random,
                              Set<String> hot) {
        switch (event.type()) {
            case JOIN -> start(world, world.addBroker(1, 0), policy, sampleCounts, phases, random);
            case LEAVE -> {
                List<String> names = new ArrayList<>(world.brokers.keySet());
                String leaving = names.get(1 + random.nextInt(names.size() - 1)); // never the leader
                List<String> orphans = world.removeBroker(leaving);
                policy.onBrokerLeft(leaving, world.now);
                Collections.shuffle(orphans, random);
                for (String orphan : orphans) {
                    world.bundles.get(orphan).owner = policy.assign(orphan, world.now);
                }
            }
            case HOT_BUNDLE -> hot.add(world.heatLargestBundle(HOT_MULTIPLIER));
            case START -> {
            }
        }
    }

    /**
     * Shedding cycles from {@code from} until max/avg is at most 1.10 and stays so for 10 minutes (or until the next
     * event); {@link Integer#MAX_VALUE} when it never does.
     */
    static int cyclesToConverge(double[] ratios, long from, long until) {
        int first = (int) (from / TICK);
        int last = (int) Math.min(ratios.length, until / TICK);
        int hold = (int) (CONVERGED_HOLD / TICK);
        int runStart = -1;
        for (int i = first; i < last; i++) {
            if (ratios[i] <= CONVERGED_RATIO) {
                if (runStart < 0) {
                    runStart = i;
                }
                if (i - runStart + 1 >= hold || i == last - 1 && last < ratios.length) {
                    return (int) Math.ceil((runStart - first) * (double) TICK / SHEDDING_INTERVAL);
                }
            } else {
                runStart = -1;
            }
        }
        return Integer.MAX_VALUE;
    }
}
