package io.magnetar.shedding;

import java.util.Map;

/**
 * A broker's fitted load model {@code load = base + slope * throughput}: {@code base} is what the broker spends
 * regardless of its bundles (background work, other tenants on the host), {@code slope} the load one byte/s costs
 * on this broker (so a broker with twice the capacity gets half the slope). Fitted by least squares over clean
 * reports (none taken while a move to or from the broker settles), forgetting old reports with a half-life on
 * wall-clock time, and shrunk toward the cluster's slope when the reports hardly vary.
 */
final class BrokerModel {
    /** Strength of the pull toward the cluster slope, as a relative throughput spread. */
    private static final double PRIOR_SPREAD = 0.2;
    /** Assumed relative measurement noise of a load report until the reports show their own. */
    static final double PRIOR_NOISE = 0.05;

    private double weight;
    private double sumX;
    private double sumY;
    private double sumXx;
    private double sumXy;
    private long lastSampleMillis;

    long lastReportMillis = Long.MIN_VALUE;
    long lastChangeMillis = Long.MIN_VALUE;
    /**
     * Total throughput from the latest report taken clear of this core's moves to or from the broker (none in the
     * settle time before it, when the report may or may not include them), and when; NaN before the first.
     */
    double total = Double.NaN;
    /** The load reported with {@link #total}. */
    double totalLoad = Double.NaN;
    long totalAtMillis = Long.MIN_VALUE;
    /**
     * Throughput of each bundle the broker listed with {@link #total}, when it lists only some of them: how much the
     * bundles still listed grew since tells how much the unlisted ones did.
     */
    Map<String, Double> listedWithTotal = Map.of();

    void addSample(long atMillis, double throughput, double load, long halfLifeMillis) {
        if (weight > 0) {
            double decay = Math.pow(0.5, Math.max(0, atMillis - lastSampleMillis) / (double) halfLifeMillis);
            weight *= decay;
            sumX *= decay;
            sumY *= decay;
            sumXx *= decay;
            sumXy *= decay;
        }
        weight += 1;
        sumX += throughput;
        sumY += load;
        sumXx += throughput * throughput;
        sumXy += throughput * load;
        lastSampleMillis = atMillis;
    }

    boolean hasSamples() {
        return weight > 0;
    }

    /** Zero-intercept slope of the samples, the broker's vote for the cluster slope; NaN without throughput. */
    double ratio() {
        return weight > 0 && sumX > 0 ? sumY / sumX : Double.NaN;
    }

    /** Fits {@code {base, slope}}. */
    double[] fit(double clusterSlope) {
        return fit(weight, sumX, sumY, sumXx, sumXy, clusterSlope);
    }

    double weight() {
        return weight;
    }

    /** Fits one report alone (a broker without clean samples yet). */
    static double[] fitSingle(double throughput, double load, double clusterSlope) {
        return fit(1, throughput, load, throughput * throughput, throughput * load, clusterSlope);
    }

    private static double[] fit(double w, double sx, double sy, double sxx, double sxy, double clusterSlope) {
        double meanX = sx / w;
        double meanY = sy / w;
        if (meanX <= 0) {
            return new double[] {Math.max(0, meanY), clusterSlope};
        }
        double varX = Math.max(0, sxx / w - meanX * meanX);
        double covXy = sxy / w - meanX * meanY;
        double prior = (PRIOR_SPREAD * meanX) * (PRIOR_SPREAD * meanX);
        double slope = (covXy + prior * clusterSlope) / (varX + prior);
        slope = Math.max(slope, clusterSlope * 0.05);
        double base = meanY - slope * meanX;
        if (base < 0) {
            base = 0;
            slope = meanY / meanX;
        }
        return new double[] {base, slope};
    }
}
