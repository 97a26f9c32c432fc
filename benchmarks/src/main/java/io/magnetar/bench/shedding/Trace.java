package io.magnetar.bench.shedding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A scenario generated from a seed: the initial cluster and bundles, and timed events. {@link #all} lists the
 * comparison's traces; {@code quick} shrinks them (fewer bundles, shorter), never changes their shape.
 */
final class Trace {
    static final long MINUTE = 60_000;
    static final long START = 1_700_000_000_000L - (1_700_000_000_000L % (24 * 3_600_000L));

    enum EventType { JOIN, LEAVE, HOT_BUNDLE, START }

    /** Something that happens at {@code at} (millis after the start); {@code step} events are timed for convergence. */
    record Event(long at, EventType type, boolean membership) {
    }

    interface Builder {
        /** Populates the world, returns the events. */
        List<Event> build(World world, Random random);
    }

    final String name;
    final String description;
    final long durationMillis;
    final double jitter;
    final double diurnalAmplitude;
    final double diurnalPeriodHours;
    final boolean steady;
    private final Builder builder;

    private Trace(String name, String description, long durationMillis, double jitter, double diurnalAmplitude,
                  double diurnalPeriodHours, boolean steady, Builder builder) {
        this.name = name;
        this.description = description;
        this.durationMillis = durationMillis;
        this.jitter = jitter;
        this.diurnalAmplitude = diurnalAmplitude;
        this.diurnalPeriodHours = diurnalPeriodHours;
        this.steady = steady;
        this.builder = builder;
    }

    World newWorld(long seed, List<Event> events) {
        World world = new World(seed, START, jitter, diurnalAmplitude, diurnalPeriodHours);
        events.addAll(builder.build(world, new Random(seed * 31 + name.hashCode())));
        return world;
    }

    /** Whether the trace has an event of this type (the same for every seed). */
    boolean has(EventType type) {
        List<Event> events = new ArrayList<>();
        newWorld(1, events);
        return events.stream().anyMatch(e -> e.type() == type);
    }

    static List<Trace> all(boolean quick) {
        int scale = quick ? 1 : 2;
        long minutes = quick ? 45 : 90;
        List<Trace> traces = new ArrayList<>();
        traces.add(new Trace("two-brokers-one-empty", "2 brokers, all " + 15 * scale + " bundles on one (96 % of one "
                + "broker in total), the other empty", minutes * MINUTE, 0.03, 0, 24, false, (world, random) -> {
                    world.addBroker(1, 0);
                    world.addBroker(1, 0);
                    addBundles(world, random, 15 * scale, 0.96, false);
                    world.bundles.values().forEach(b -> b.owner = "broker-0:8080");
                    return List.of(new Event(0, EventType.START, false));
                }));
        traces.add(new Trace("broker-joins", "4 balanced brokers at 65 %, " + 40 * scale + " bundles; an empty broker "
                + "joins at 15 min", (minutes - 15) * MINUTE, 0.03, 0, 24, false, (world, random) -> {
                    for (int i = 0; i < 4; i++) {
                        world.addBroker(1, 0);
                    }
                    addBundles(world, random, 40 * scale, 4 * 0.65, false);
                    balance(world);
                    return List.of(new Event(15 * MINUTE, EventType.JOIN, true));
                }));
        traces.add(new Trace("broker-removed", "5 balanced brokers at 50 %, " + 50 * scale + " bundles; one leaves at "
                + "15 min", (minutes - 15) * MINUTE, 0.03, 0, 24, false, (world, random) -> {
                    for (int i = 0; i < 5; i++) {
                        world.addBroker(1, 0);
                    }
                    addBundles(world, random, 50 * scale, 5 * 0.50, false);
                    balance(world);
                    return List.of(new Event(15 * MINUTE, EventType.LEAVE, true));
                }));
        traces.add(new Trace("hot-bundle-x8", "4 balanced brokers at 45 %, " + 40 * scale + " bundles; the largest "
                + "bundle's traffic grows 8x at 15 min", (minutes - 15) * MINUTE, 0.03, 0, 24, false,
                (world, random) -> {
                    for (int i = 0; i < 4; i++) {
                        world.addBroker(1, 0);
                    }
                    addBundles(world, random, 40 * scale, 4 * 0.45, false);
                    balance(world);
                    return List.of(new Event(15 * MINUTE, EventType.HOT_BUNDLE, false));
                }));
        traces.add(new Trace("heterogeneous", "4 brokers: one with 2x capacity, one with 40 % background CPU; "
                + 40 * scale + " bundles dealt round-robin", minutes * MINUTE, 0.03, 0, 24, false, (world, random) -> {
                    world.addBroker(1, 0);
                    world.addBroker(2, 0);
                    world.addBroker(1, 0.40);
                    world.addBroker(1, 0);
                    addBundles(world, random, 40 * scale, 0.55 * 5 - 0.40, false);
                    int i = 0;
                    List<String> names = new ArrayList<>(world.brokers.keySet());
                    for (World.Bundle bundle : world.bundles.values()) {
                        bundle.owner = names.get(i++ % names.size());
                    }
                    return List.of(new Event(0, EventType.START, false));
                }));
        traces.add(new Trace("diurnal-zipf-24h", "6 brokers, " + 60 * scale + " Zipf-sized bundles in three regions "
                + "peaking at different hours, 24 h", 24 * 60 * MINUTE, 0.03, 0.6, 24, false, (world, random) -> {
                    for (int i = 0; i < 6; i++) {
                        world.addBroker(1, 0);
                    }
                    addBundles(world, random, 60 * scale, 6 * 0.50, true);
                    balance(world);
                    return List.of();
                }));
        traces.add(new Trace("scale-out-in", "4 brokers, " + 50 * scale + " bundles, load cycling every 4 h; a broker "
                + "joins at each peak and one leaves at each trough", (quick ? 8 : 12) * 60 * MINUTE, 0.03, 0.45, 4,
                false, (world, random) -> {
                    for (int i = 0; i < 4; i++) {
                        world.addBroker(1, 0);
                    }
                    addBundles(world, random, 50 * scale, 4 * 0.45, false);
                    for (World.Bundle bundle : world.bundles.values()) {
                        bundle.phaseHours = 0;
                    }
                    balance(world);
                    List<Event> events = new ArrayList<>();
                    long hours = quick ? 8 : 12;
                    for (long h = 1; h < hours; h += 2) {
                        boolean peak = (h % 4) == 1;
                        events.add(new Event(h * 60 * MINUTE, peak ? EventType.JOIN : EventType.LEAVE, true));
                    }
                    return events;
                }));
        traces.add(new Trace("steady-jitter", "5 balanced brokers at 55 %, " + 40 * scale + " bundles, constant load, "
                + "+/-10 % measurement jitter", (quick ? 2 : 4) * 60 * MINUTE, 0.10, 0, 24, true, (world, random) -> {
                    for (int i = 0; i < 5; i++) {
                        world.addBroker(1, 0);
                    }
                    addBundles(world, random, 40 * scale, 5 * 0.55, false);
                    balance(world);
                    return List.of();
                }));
        return traces;
    }

    /**
     * Adds {@code count} bundles whose CPU work totals {@code totalLoad} unit brokers. Sizes are Zipf-like
     * ({@code zipf}) or log-normal, messages 0.3-8 KiB, fan-out 1-3; each bundle belongs to one of three regions whose
     * diurnal peaks are 0, 5 and 9 h apart.
     */
    private static void addBundles(World world, Random random, int count, double totalLoad, boolean zipf) {
        double[] weights = new double[count];
        List<Integer> ranks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ranks.add(i);
        }
        java.util.Collections.shuffle(ranks, random);
        for (int i = 0; i < count; i++) {
            weights[i] = zipf ? 1.0 / Math.pow(ranks.get(i) + 1, 0.9) : Math.exp(random.nextGaussian() * 0.6);
        }
        double[] regionPhases = {0, 5, 9};
        List<World.Bundle> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double fanout = 1 + random.nextInt(3);
            double messageSize = 300 * Math.pow(8192 / 300.0, random.nextDouble());
            double phase = regionPhases[random.nextInt(3)] + random.nextGaussian() * 0.5;
            added.add(world.addBundle(weights[i], fanout, messageSize, phase));
        }
        long now = world.now;
        double work = 0;
        for (World.Bundle bundle : added) {
            work += world.baseWork(bundle);
        }
        double scale = totalLoad * World.UNIT_CAPACITY / work;
        world.bundles.clear();
        int index = 0;
        for (World.Bundle bundle : added) {
            World.Bundle scaled = world.addBundle(bundle.baseIn * scale, bundle.fanout, bundle.messageSize,
                    bundle.phaseHours);
            assert scaled.index == index++;
        }
        world.now = now;
    }

    /** Longest-processing-time assignment: the cluster starts balanced (max/avg about 1.01). */
    private static void balance(World world) {
        List<World.Bundle> bundles = new ArrayList<>(world.bundles.values());
        bundles.sort(Comparator.comparingDouble(world::work).reversed());
        java.util.Map<String, Double> load = new java.util.HashMap<>();
        for (World.Broker broker : world.brokers.values()) {
            load.put(broker.name, broker.background);
        }
        for (World.Bundle bundle : bundles) {
            World.Broker least = null;
            for (World.Broker broker : world.brokers.values()) {
                if (least == null || load.get(broker.name) < load.get(least.name)) {
                    least = broker;
                }
            }
            bundle.owner = least.name;
            load.merge(least.name, world.work(bundle) / least.capacity, Double::sum);
        }
    }
}
