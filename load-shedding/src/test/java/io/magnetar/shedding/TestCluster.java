package io.magnetar.shedding;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A tiny world for closed-loop tests: broker load = base + slope x owned throughput, reports on demand. */
final class TestCluster {
    final Map<String, double[]> brokers = new TreeMap<>(); // {base, slope}
    final Map<String, String> owners = new TreeMap<>();
    final Map<String, Double> throughputs = new TreeMap<>();
    final Map<String, Integer> moveCounts = new TreeMap<>();

    TestCluster broker(String name, double base, double slope) {
        brokers.put(name, new double[] {base, slope});
        return this;
    }

    TestCluster bundle(String name, String owner, double throughput) {
        owners.put(name, owner);
        throughputs.put(name, throughput);
        return this;
    }

    /** {@code count} bundles named {@code prefix-i} on {@code owner}, with distinct throughputs around {@code mean}. */
    TestCluster bundles(String prefix, int count, String owner, double mean) {
        for (int i = 0; i < count; i++) {
            bundle("t/" + prefix + "-" + i + "/0x00000000_0xffffffff", owner, mean * (0.5 + (i % 7) / 6.0));
        }
        return this;
    }

    double owned(String broker) {
        double sum = 0;
        for (Map.Entry<String, String> e : owners.entrySet()) {
            if (e.getValue().equals(broker)) {
                sum += throughputs.get(e.getKey());
            }
        }
        return sum;
    }

    double load(String broker) {
        double[] model = brokers.get(broker);
        return model[0] + model[1] * owned(broker);
    }

    /** Every broker reports at {@code now}. */
    LoadSnapshot snapshot(long now) {
        List<BrokerLoad> reports = new ArrayList<>();
        List<BundleLoad> bundles = new ArrayList<>();
        for (String broker : brokers.keySet()) {
            reports.add(new BrokerLoad(broker, now, load(broker), owned(broker)));
        }
        owners.forEach((bundle, owner) -> bundles.add(new BundleLoad(bundle, owner, throughputs.get(bundle))));
        return new LoadSnapshot(now, reports, bundles);
    }

    void apply(List<Move> moves) {
        for (Move move : moves) {
            if (!owners.get(move.bundle()).equals(move.from())) {
                throw new AssertionError("move from a broker that does not own the bundle: " + move);
            }
            owners.put(move.bundle(), move.to());
            moveCounts.merge(move.bundle(), 1, Integer::sum);
        }
    }

    double maxOverMean() {
        double max = 0;
        double sum = 0;
        for (String broker : brokers.keySet()) {
            max = Math.max(max, load(broker));
            sum += load(broker);
        }
        return max / (sum / brokers.size());
    }

    long bundlesOn(String broker) {
        return owners.values().stream().filter(broker::equals).count();
    }
}
