package io.magnetar.bench.shedding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A lower bound on the unloads any strategy needs to match a time-weighted max/avg, on a trace whose loads stay
 * constant around one step event (a start from an unbalanced placement, a broker joining, a bundle turning hot).
 *
 * <p>Until the first shedding cycle after the event max/avg is at least 1 (a strategy could have moved bundles
 * before the event), and exactly the initial one when the event is the start; matching the figure over the run then
 * needs some later state whose max/avg is at most the rest of the budget,
 * {@code R* = (target x steps - fixed ratios) / remaining steps}. Each unload takes one bundle off one broker, so a
 * broker above {@code R* x avg} needs at least as many unloads as its own largest bundles take to close its excess
 * (only bundles some other broker could hold at all without passing that line count);
 * the sum over brokers bounds the total. On brokers of different capacity the average itself can grow (work moved
 * off a larger broker onto a smaller one), so the bound also tries every number of such unloads at their largest
 * gain and keeps the smallest total.
 */
final class UnloadFloor {
    private UnloadFloor() {
    }

    /** Whether the bound applies: constant loads and exactly one step event that is not a broker leaving. */
    static boolean applies(Trace trace) {
        if (trace.diurnalAmplitude != 0 || trace.steady) {
            return false;
        }
        List<Trace.Event> events = new ArrayList<>();
        trace.newWorld(1, events);
        return events.size() == 1 && events.get(0).type() != Trace.EventType.LEAVE;
    }

    /** The fewest unloads for {@code seed} with which a run's time-weighted max/avg can be at most {@code target}. */
    static OptionalInt of(Trace trace, long seed, double target) {
        List<Trace.Event> events = new ArrayList<>();
        World world = afterEvent(trace, seed, events);
        Trace.Event event = events.get(0);
        long steps = trace.durationMillis / Simulation.TICK;
        long firstMoveStep = (event.at() + Simulation.SHEDDING_INTERVAL) / Simulation.TICK;
        Map<String, Double> loads = world.loads();
        // Moves made before a later event could at best have brought max/avg to 1 until the first cycle after it.
        double fixed = event.at() == 0 ? firstMoveStep * ratio(loads) : firstMoveStep;
        double allowedRatio = (target * steps - fixed) / (steps - firstMoveStep);
        return floor(world, loads, allowedRatio);
    }

    /**
     * The fewest unloads for {@code seed} that can bring the cluster to the simulator's convergence ratio (max/avg
     * {@value Simulation#CONVERGED_RATIO}) after the event, which a strategy has to reach to converge at all.
     */
    static OptionalInt toConverge(Trace trace, long seed) {
        World world = afterEvent(trace, seed, new ArrayList<>());
        return floor(world, world.loads(), Simulation.CONVERGED_RATIO);
    }

    private static World afterEvent(Trace trace, long seed, List<Trace.Event> events) {
        World world = trace.newWorld(seed, events);
        switch (events.get(0).type()) {
            case JOIN -> world.addBroker(1, 0);
            case HOT_BUNDLE -> world.heatLargestBundle(Simulation.HOT_MULTIPLIER);
            default -> {
            }
        }
        return world;
    }

    /** Fewest unloads that can bring every broker to at most {@code allowedRatio} times the average load. */
    static OptionalInt floor(World world, Map<String, Double> loads, double allowedRatio) {
        double minCapacity = world.brokers.values().stream().mapToDouble(b -> b.capacity).min().orElseThrow();
        int n = world.brokers.size();
        double average = loads.values().stream().mapToDouble(Double::doubleValue).sum() / n;
        List<Double> gains = new ArrayList<>();
        for (World.Bundle bundle : world.bundles.values()) {
            World.Broker owner = world.brokers.get(bundle.owner);
            if (owner != null && owner.capacity > minCapacity) {
                gains.add(world.work(bundle) * (1 / minCapacity - 1 / owner.capacity) / n);
            }
        }
        gains.sort(Comparator.reverseOrder());
        int best = Integer.MAX_VALUE;
        double raised = 0;
        for (int extra = 0; extra <= gains.size(); extra++) {
            if (extra > 0) {
                raised += gains.get(extra - 1);
            }
            best = Math.min(best, floorBelow(world, loads, allowedRatio * (average + raised), minCapacity, extra));
        }
        return best == Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of(best);
    }

    /**
     * Fewest unloads that bring every broker to at most {@code ceiling}, with at least {@code extra} of them off the
     * larger brokers. A bundle leaving a broker above the ceiling lands somewhere: on a broker below it, the
     * unloads that one then needs for that bundle alone are owed too (counted once, for the costliest bundle moved,
     * since several bundles may share a destination's room).
     */
    private static int floorBelow(World world, Map<String, Double> loads, double ceiling, double minCapacity,
                                  int extra) {
        Map<String, List<double[]>> sources = new HashMap<>();
        List<Integer> costs = new ArrayList<>(List.of(0));
        for (World.Bundle bundle : world.bundles.values()) {
            World.Broker owner = world.brokers.get(bundle.owner);
            if (owner != null && loads.get(owner.name) > ceiling) {
                int cost = landingCost(world, loads, owner, world.work(bundle), ceiling);
                sources.computeIfAbsent(owner.name, k -> new ArrayList<>()).add(new double[] {world.work(bundle), cost});
                if (cost != Integer.MAX_VALUE) {
                    costs.add(cost);
                }
            }
        }
        int best = Integer.MAX_VALUE;
        for (int allowedCost : new java.util.TreeSet<>(costs)) {
            int smallest = 0;
            int larger = 0;
            boolean feasible = true;
            for (Map.Entry<String, List<double[]>> source : sources.entrySet()) {
                World.Broker broker = world.brokers.get(source.getKey());
                List<Double> works = new ArrayList<>();
                for (double[] bundle : source.getValue()) {
                    if (bundle[1] <= allowedCost) {
                        works.add(bundle[0]);
                    }
                }
                int needed = largestFirst(works, (loads.get(broker.name) - ceiling) * broker.capacity);
                if (needed == Integer.MAX_VALUE) {
                    feasible = false;
                    break;
                }
                if (broker.capacity > minCapacity) {
                    larger += needed;
                } else {
                    smallest += needed;
                }
            }
            if (feasible) {
                best = Math.min(best, allowedCost + smallest + Math.max(larger, extra));
            }
        }
        return best;
    }

    /**
     * Fewest unloads some other broker needs to take {@code work} from {@code owner} and stay at most
     * {@code ceiling}: none on a broker with room, or on one above the ceiling anyway (its own shedding is counted
     * as a source's) if the work fits there at all; MAX_VALUE when it fits nowhere.
     */
    private static int landingCost(World world, Map<String, Double> loads, World.Broker owner, double work,
                                   double ceiling) {
        int best = Integer.MAX_VALUE;
        for (World.Broker broker : world.brokers.values()) {
            if (broker == owner || broker.background + work / broker.capacity > ceiling) {
                continue;
            }
            double load = loads.get(broker.name);
            if (load > ceiling) {
                return 0;
            }
            double excess = (load + work / broker.capacity - ceiling) * broker.capacity;
            List<Double> works = new ArrayList<>();
            for (World.Bundle bundle : world.bundles.values()) {
                if (broker.name.equals(bundle.owner)) {
                    works.add(world.work(bundle));
                }
            }
            best = Math.min(best, largestFirst(works, excess));
        }
        return best;
    }

    /** How many of the largest {@code works} add up to {@code excess}; MAX_VALUE if all of them do not. */
    private static int largestFirst(List<Double> works, double excess) {
        if (excess <= 0) {
            return 0;
        }
        works.sort(Comparator.reverseOrder());
        double shed = 0;
        for (int i = 0; i < works.size(); i++) {
            shed += works.get(i);
            if (shed >= excess) {
                return i + 1;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static double ratio(Map<String, Double> loads) {
        double max = 0;
        double sum = 0;
        for (double load : loads.values()) {
            max = Math.max(max, load);
            sum += load;
        }
        return max / (sum / loads.size());
    }
}
