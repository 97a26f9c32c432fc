package io.magnetar.bench.shedding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pulsar.policies.data.loadbalancer.NamespaceBundleStats;

/**
 * The simulated cluster: brokers with a capacity and background CPU, bundles with a throughput that may follow a
 * diurnal curve, who owns what, and the truth about every broker's load (which only the metrics see; strategies see
 * the jittered, minute-old samples a broker reports).
 */
final class World {
    /** CPU cost of a message on top of its bytes, in byte-equivalents (small messages cost more per byte). */
    static final double MESSAGE_OVERHEAD_BYTES = 100;
    /** Throughput of a unit-capacity broker at 100 % CPU, bytes/s of in + out work. */
    static final double UNIT_CAPACITY = 250e6;
    static final double NIC_BYTES_PER_SECOND = 1.25e9;
    static final double HOUR = 3_600_000;

    static final class Broker {
        final String name;
        final double capacity;
        final double background;
        final int index;
        double loadIntegral;
        long integralSince;
        Sample lastSample;

        Broker(String name, int index, double capacity, double background) {
            this.name = name;
            this.index = index;
            this.capacity = capacity;
            this.background = background;
        }
    }

    static final class Bundle {
        final String name;
        final int index;
        final double baseIn;
        final double fanout;
        final double messageSize;
        double phaseHours;
        double multiplier = 1;
        String owner;

        Bundle(String name, int index, double baseIn, double fanout, double messageSize, double phaseHours) {
            this.name = name;
            this.index = index;
            this.baseIn = baseIn;
            this.fanout = fanout;
            this.messageSize = messageSize;
            this.phaseHours = phaseHours;
        }
    }

    /** A broker's report input: resource usage and per-bundle stats, measured over the last minute. */
    record Sample(String broker, long at, double cpuPercent, double bandwidthInPercent, double bandwidthOutPercent,
                  Map<String, NamespaceBundleStats> bundles) {
        double throughputIn() {
            return bundles.values().stream().mapToDouble(s -> s.msgThroughputIn).sum();
        }

        double throughputOut() {
            return bundles.values().stream().mapToDouble(s -> s.msgThroughputOut).sum();
        }

        double rateIn() {
            return bundles.values().stream().mapToDouble(s -> s.msgRateIn).sum();
        }

        double rateOut() {
            return bundles.values().stream().mapToDouble(s -> s.msgRateOut).sum();
        }
    }

    final Map<String, Broker> brokers = new LinkedHashMap<>();
    final Map<String, Bundle> bundles = new LinkedHashMap<>();
    private final long seed;
    private final double jitter;
    private final double diurnalAmplitude;
    private final double diurnalPeriodHours;
    private int nextBrokerIndex;
    long now;

    World(long seed, long start, double jitter, double diurnalAmplitude, double diurnalPeriodHours) {
        this.seed = seed;
        this.now = start;
        this.jitter = jitter;
        this.diurnalAmplitude = diurnalAmplitude;
        this.diurnalPeriodHours = diurnalPeriodHours;
    }

    Broker addBroker(double capacity, double background) {
        int index = nextBrokerIndex++;
        Broker broker = new Broker("broker-" + index + ":8080", index, capacity * UNIT_CAPACITY, background);
        broker.integralSince = now;
        brokers.put(broker.name, broker);
        return broker;
    }

    /** Removes a broker; returns its bundles, now unowned. */
    List<String> removeBroker(String name) {
        brokers.remove(name);
        List<String> orphans = new ArrayList<>();
        for (Bundle bundle : bundles.values()) {
            if (name.equals(bundle.owner)) {
                bundle.owner = null;
                orphans.add(bundle.name);
            }
        }
        return orphans;
    }

    Bundle addBundle(double baseIn, double fanout, double messageSize, double phaseHours) {
        int index = bundles.size();
        Bundle bundle = new Bundle(String.format("tenant/ns-%04d/0x00000000_0xffffffff", index), index, baseIn,
                fanout, messageSize, phaseHours);
        bundles.put(bundle.name, bundle);
        return bundle;
    }

    /** The largest bundle's traffic grows {@code factor} times; returns its name. */
    String heatLargestBundle(double factor) {
        Bundle largest = null;
        for (Bundle bundle : bundles.values()) {
            if (largest == null || work(bundle) > work(largest)) {
                largest = bundle;
            }
        }
        largest.multiplier *= factor;
        return largest.name;
    }

    double diurnal(Bundle bundle, long at) {
        if (diurnalAmplitude == 0) {
            return 1;
        }
        double hours = at / HOUR;
        return 1 + diurnalAmplitude * Math.sin(2 * Math.PI * (hours - bundle.phaseHours) / diurnalPeriodHours);
    }

    double throughputIn(Bundle bundle) {
        return bundle.baseIn * bundle.multiplier * diurnal(bundle, now);
    }

    double throughput(Bundle bundle) {
        return throughputIn(bundle) * (1 + bundle.fanout);
    }

    /** CPU work of a bundle, bytes/s equivalent. */
    double work(Bundle bundle) {
        return work(bundle, throughputIn(bundle));
    }

    /** CPU work of a bundle at its base rate (no diurnal swing, no multiplier). */
    double baseWork(Bundle bundle) {
        return work(bundle, bundle.baseIn);
    }

    private static double work(Bundle bundle, double in) {
        return in * (1 + bundle.fanout) + MESSAGE_OVERHEAD_BYTES * (in / bundle.messageSize) * (1 + bundle.fanout);
    }

    /** True load of every broker now (0..1+, demand, not capped). */
    Map<String, Double> loads() {
        Map<String, Double> work = new HashMap<>();
        for (Bundle bundle : bundles.values()) {
            if (bundle.owner != null) {
                work.merge(bundle.owner, work(bundle), Double::sum);
            }
        }
        Map<String, Double> loads = new TreeMap<>();
        for (Broker broker : brokers.values()) {
            loads.put(broker.name, broker.background + work.getOrDefault(broker.name, 0.0) / broker.capacity);
        }
        return loads;
    }

    /** Advances time, integrating each broker's CPU for its next sample. */
    void advance(long millis, Map<String, Double> loads) {
        for (Broker broker : brokers.values()) {
            broker.loadIntegral += loads.get(broker.name) * millis;
        }
        now += millis;
    }

    /** A broker measures: CPU averaged since its previous sample, bundle rates now; both with jitter. */
    Sample sample(Broker broker, int sampleIndex) {
        long span = Math.max(1, now - broker.integralSince);
        double cpu = broker.loadIntegral > 0 ? broker.loadIntegral / span : loads().get(broker.name);
        broker.loadIntegral = 0;
        broker.integralSince = now;
        cpu = Math.min(1.0, cpu * noise(broker.index * 7919L + 1, sampleIndex));
        Map<String, NamespaceBundleStats> stats = new HashMap<>();
        double in = 0;
        double out = 0;
        for (Bundle bundle : bundles.values()) {
            if (!broker.name.equals(bundle.owner)) {
                continue;
            }
            double factor = noise(bundle.index * 104_729L + 99_991, sampleIndex);
            NamespaceBundleStats s = new NamespaceBundleStats();
            s.msgThroughputIn = throughputIn(bundle) * factor;
            s.msgThroughputOut = s.msgThroughputIn * bundle.fanout;
            s.msgRateIn = s.msgThroughputIn / bundle.messageSize;
            s.msgRateOut = s.msgRateIn * bundle.fanout;
            s.topics = 4;
            s.producerCount = 4;
            s.consumerCount = (int) Math.ceil(4 * bundle.fanout);
            stats.put(bundle.name, s);
            in += s.msgThroughputIn;
            out += s.msgThroughputOut;
        }
        Sample sample = new Sample(broker.name, now, cpu * 100, 100 * in / NIC_BYTES_PER_SECOND,
                100 * out / NIC_BYTES_PER_SECOND, stats);
        broker.lastSample = sample;
        return sample;
    }

    /** Measurement noise: the same for a given thing and sample in every strategy's run. */
    private double noise(long thing, int sampleIndex) {
        if (jitter == 0) {
            return 1;
        }
        long h = seed * 0x9E3779B97F4A7C15L + thing * 0xC2B2AE3D27D4EB4FL + sampleIndex * 0x165667B19E3779F9L;
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        double uniform = (h >>> 11) * 0x1.0p-53;
        return 1 + (uniform * 2 - 1) * jitter;
    }
}
