package io.magnetar.shedding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One cycle's forecast of every broker's load: the latest snapshot with the moves in flight applied, each broker
 * read through its fitted model ({@link BrokerModel}), the throughput it does not list estimated, and each
 * prediction's standard error from the measured report noise ({@link Noise}). The planner applies its planned moves
 * to it one by one ({@link #apply}), so each step sees the ones before.
 *
 * <p>One class (about 400 lines) because every figure it gives reads the same per-cycle maps of bundles, throughput
 * and fitted models, and {@link #apply} must move a bundle in all of them at once.
 */
final class LoadForecast {
    /** A broker's report lists only some of its bundles when they add up to less than its total by this much. */
    static final double PARTIAL_LISTING = 0.01;
    /** Reported load at or above this is taken as capped. */
    static final double SATURATED = 0.98;
    /** Bounds of the growth applied to a broker's unlisted throughput since its total was reported. */
    private static final double MIN_GROWTH = 0.5;
    private static final double MAX_GROWTH = 2.0;
    /**
     * How far a broker's unlisted throughput may still be off: half the 10 % change a broker waits for before it
     * rewrites its total, since scaling by the listed bundles' growth takes out most of that drift.
     */
    static final double UNLISTED_DRIFT = 0.05;

    private final SheddingConfig config;
    private final Map<String, BrokerModel> models;
    private final MoveLedger ledger;
    private final long now;
    private final List<String> brokers = new ArrayList<>();
    private final Map<String, List<BundleLoad>> bundles = new HashMap<>();
    private final Map<String, BundleLoad> byName = new HashMap<>();
    private final Map<String, Double> throughput = new HashMap<>();
    private final Map<String, double[]> fits = new HashMap<>();
    private final Map<String, Double> errors = new HashMap<>();
    private final Map<String, Double> unlistedThroughput = new HashMap<>();
    /** Base load plus the cost of the bundles too hot to move, where there are any. */
    private final Map<String, Double> floors = new HashMap<>();

    LoadForecast(long now, LoadSnapshot snapshot, Map<String, BrokerModel> models, MoveLedger ledger, Noise noise,
                 SheddingConfig config) {
        this.now = now;
        this.config = config;
        this.models = models;
        this.ledger = ledger;
        Map<String, Double> listed = new HashMap<>();
        Map<String, BrokerLoad> reports = new HashMap<>();
        for (BrokerLoad b : snapshot.brokers()) {
            brokers.add(b.broker());
            reports.put(b.broker(), b);
            bundles.put(b.broker(), new ArrayList<>());
            throughput.put(b.broker(), 0.0);
        }
        brokers.sort(null);
        for (BundleLoad bundle : snapshot.bundles()) {
            if (reports.containsKey(bundle.broker())) {
                byName.put(bundle.bundle(), bundle);
                listed.merge(bundle.broker(), bundle.throughput(), Double::sum);
            }
        }
        for (MoveLedger.Pending p : ledger.pending()) {
            if (!reports.containsKey(p.to())) {
                continue;
            }
            if (p.bundle() == null) {
                throughput.merge(p.to(), p.throughput(), Double::sum);
            } else {
                BundleLoad known = byName.get(p.bundle());
                double t = known != null ? known.throughput() : p.throughput();
                byName.put(p.bundle(), new BundleLoad(p.bundle(), p.to(), t));
            }
        }
        for (BundleLoad bundle : byName.values()) {
            bundles.get(bundle.broker()).add(bundle);
            throughput.merge(bundle.broker(), bundle.throughput(), Double::sum);
        }
        for (List<BundleLoad> list : bundles.values()) {
            list.sort(Comparator.comparing(BundleLoad::bundle));
        }
        double clusterSlope = clusterSlope(reports, listed);
        for (String broker : brokers) {
            BrokerLoad report = reports.get(broker);
            BrokerModel model = models.get(broker);
            double unlisted = unlisted(broker, report, listed.getOrDefault(broker, 0.0), model);
            unlistedThroughput.put(broker, unlisted);
            throughput.merge(broker, unlisted, Double::sum);
            double reported = Math.max(report.throughput(), listed.getOrDefault(broker, 0.0));
            double reportedLoad = report.load();
            if (model != null && !Double.isNaN(model.totalLoad) && report.load() < SATURATED
                    && ledger.movedAround(broker, report.reportedAtMillis())) {
                // Taken while one of our moves settled, the report pairs a load measured partly before the
                // move with the throughput after it: read the broker from its latest report clear of our moves.
                // (Saturated even so, it does tell that the broker is still pinned at the cap.)
                reported = model.total;
                reportedLoad = model.totalLoad;
            }
            double[] fit = model != null && model.hasSamples() ? model.fit(clusterSlope)
                    : BrokerModel.fitSingle(reported, reportedLoad, clusterSlope);
            // Saturated reports are kept out of the fit, so alone it can miss a broker pinned at the cap:
            // the load is at least the capped report, shifted by what moved since.
            if (reportedLoad >= SATURATED) {
                fit = new double[] {Math.max(fit[0], reportedLoad - fit[1] * reported), fit[1]};
            }
            fits.put(broker, fit);
        }
        double relativeNoise = noise.relative();
        for (String broker : brokers) {
            BrokerModel model = models.get(broker);
            double samples = model == null ? 0 : model.weight();
            errors.put(broker, relativeNoise * Math.abs(load(broker)) / Math.sqrt(Math.max(1, samples)));
        }
    }

    /**
     * Throughput of the broker's bundles that are not listed. Where a broker lists all its bundles with its
     * report (the modular load manager), none. The extensible load manager lists each broker's top bundles
     * only, refreshed every minute, while a broker rewrites its total only on a 10 % change or after 15
     * minutes: the two disagree after a move (a source's stale total brings back the bundle it gave away as
     * unlisted load, and the plan moves another). There the total now is that of the broker's latest report
     * taken clear of our moves (at most {@link MoveLedger#PENDING_EXPIRY_MILLIS} old), adjusted by our moves
     * since, less the listed bundles it holds now (moves in flight applied).
     */
    private double unlisted(String broker, BrokerLoad report, double listedInSnapshot, BrokerModel model) {
        boolean partialListing = report.throughput() > listedInSnapshot * (1 + PARTIAL_LISTING);
        if (!partialListing || model == null || Double.isNaN(model.total)
                || now - model.totalAtMillis > MoveLedger.PENDING_EXPIRY_MILLIS) {
            return Math.max(0, report.throughput() - listedInSnapshot);
        }
        double listedNow = 0;
        for (BundleLoad bundle : bundles.get(broker)) {
            listedNow += bundle.throughput();
        }
        double total = model.total;
        for (MoveLedger.Pending m : ledger.moved()) {
            if (m.bundle() != null && m.atMillis() >= model.totalAtMillis) {
                if (broker.equals(m.from())) {
                    total -= m.throughput();
                }
                if (broker.equals(m.to())) {
                    total += m.throughput();
                }
            }
        }
        return Math.max(0, total * growthSinceTotal(model) - listedNow);
    }

    /**
     * How much the bundles listed with the broker's total changed since, wherever they are now: a total is
     * rewritten only on a 10 % change or after 15 minutes, while traffic that rises or falls through the day
     * moves the unlisted bundles too, and a stale total would put the broker lower (or higher) than it is by
     * all of that drift. Bounded, so a few listed bundles that swing do not scale a large unlisted remainder.
     */
    private double growthSinceTotal(BrokerModel model) {
        double then = 0;
        double current = 0;
        for (Map.Entry<String, Double> bundle : model.listedWithTotal.entrySet()) {
            BundleLoad known = byName.get(bundle.getKey());
            if (known != null) {
                then += bundle.getValue();
                current += known.throughput();
            }
        }
        return then > 0 ? Math.max(MIN_GROWTH, Math.min(MAX_GROWTH, current / then)) : 1;
    }

    private double clusterSlope(Map<String, BrokerLoad> reports, Map<String, Double> listed) {
        List<Double> ratios = new ArrayList<>();
        for (String broker : brokers) {
            BrokerModel model = models.get(broker);
            if (model != null && !Double.isNaN(model.ratio())) {
                ratios.add(model.ratio());
            }
        }
        if (ratios.isEmpty()) {
            for (BrokerLoad report : reports.values()) {
                double t = Math.max(report.throughput(), listed.getOrDefault(report.broker(), 0.0));
                if (t > 0) {
                    ratios.add(report.load() / t);
                }
            }
        }
        if (ratios.isEmpty()) {
            return 0;
        }
        ratios.sort(null);
        int n = ratios.size();
        return n % 2 == 1 ? ratios.get(n / 2) : (ratios.get(n / 2 - 1) + ratios.get(n / 2)) / 2;
    }

    long now() {
        return now;
    }

    /** The snapshot's brokers, sorted. */
    List<String> brokers() {
        return brokers;
    }

    List<String> activeBrokers() {
        return brokers.stream().filter(b -> !config.drainBrokers().contains(b)).toList();
    }

    List<BundleLoad> bundlesOn(String broker) {
        return bundles.getOrDefault(broker, List.of());
    }

    double slope(String broker) {
        return fits.get(broker)[1];
    }

    double load(String broker) {
        double[] fit = fits.get(broker);
        return fit[0] + fit[1] * throughput.get(broker);
    }

    double bundleThroughput(String bundle, double fallback) {
        BundleLoad known = bundle == null ? null : byName.get(bundle);
        if (known != null) {
            return known.throughput();
        }
        Double seen = bundle == null ? null : ledger.lastSeenThroughput(bundle);
        return seen != null ? seen : Math.max(0, fallback);
    }

    String leastLoadedAfter(List<String> choices, double t) {
        String best = null;
        double bestLoad = Double.POSITIVE_INFINITY;
        boolean bestOverloaded = true;
        for (String broker : choices) {
            double after = load(broker) + slope(broker) * t;
            boolean overloaded = after > config.overloadThreshold();
            if ((bestOverloaded && !overloaded) || (overloaded == bestOverloaded && after < bestLoad)) {
                best = broker;
                bestLoad = after;
                bestOverloaded = overloaded;
            }
        }
        return best;
    }

    void add(BundleLoad bundle) {
        bundles.get(bundle.broker()).add(bundle);
        byName.put(bundle.bundle(), bundle);
        throughput.merge(bundle.broker(), bundle.throughput(), Double::sum);
    }

    void apply(Move move) {
        bundles.get(move.from()).removeIf(b -> b.bundle().equals(move.bundle()));
        BundleLoad moved = new BundleLoad(move.bundle(), move.to(), move.throughput());
        bundles.get(move.to()).add(moved);
        byName.put(move.bundle(), moved);
        throughput.merge(move.from(), -move.throughput(), Double::sum);
        throughput.merge(move.to(), move.throughput(), Double::sum);
    }

    /** The load every active broker would have if the total throughput were spread to equalise load. */
    double level(List<String> active) {
        double total = 0;
        for (String broker : brokers) {
            total += throughput.get(broker);
        }
        double low = Double.POSITIVE_INFINITY;
        double high = 0;
        for (String broker : active) {
            double[] fit = fits.get(broker);
            low = Math.min(low, fit[0]);
            high = Math.max(high, fit[0] + fit[1] * total);
        }
        boolean anySlope = active.stream().anyMatch(b -> fits.get(b)[1] > 0);
        if (!anySlope) {
            return active.stream().mapToDouble(this::load).average().orElse(0);
        }
        for (int i = 0; i < 60; i++) {
            double mid = (low + high) / 2;
            double absorbed = 0;
            for (String broker : active) {
                double[] fit = fits.get(broker);
                if (fit[1] > 0 && mid > fit[0]) {
                    absorbed += (mid - fit[0]) / fit[1];
                }
            }
            if (absorbed < total) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return (low + high) / 2;
    }

    /**
     * Distance from the level; a broker whose base load alone, or with the bundles too hot for any broker, is
     * above the level is measured from that floor (nothing can take it lower).
     */
    double deviation(String broker, double level) {
        return load(broker) - Math.max(level, floors.getOrDefault(broker, fits.get(broker)[0]));
    }

    /**
     * Largest excess above the level beyond twice its broker's standard error: noise alone does not start a
     * plan, nor does a broker below the level (it only matters through the brokers it leaves above).
     */
    double significantDeviation(List<String> active, double level) {
        double max = 0;
        for (String broker : active) {
            max = Math.max(max, deviation(broker, level) - 2 * errors.get(broker));
        }
        return max;
    }

    /**
     * Bundles more than {@code band} above the level wherever they go: on every active broker, that broker's base
     * load plus the bundle's cost there exceeds it. Their owners are measured from them from here on, unless
     * that floor is above the overload threshold.
     */
    List<Split> tooHotToMove(List<String> active, double level, double band) {
        List<Split> found = new ArrayList<>();
        for (String broker : active) {
            for (BundleLoad bundle : bundlesOn(broker)) {
                double alone = Double.POSITIVE_INFINITY;
                for (String b : active) {
                    double[] fit = fits.get(b);
                    alone = Math.min(alone, fit[0] + fit[1] * bundle.throughput());
                }
                if (alone > level + band) {
                    double[] own = fits.get(broker);
                    found.add(new Split(bundle.bundle(), broker, own[0] + own[1] * bundle.throughput(), level));
                    floors.merge(broker, own[1] * bundle.throughput(), Double::sum);
                }
            }
        }
        floors.replaceAll((broker, hot) -> fits.get(broker)[0] + hot);
        // Over the overload threshold even so: every other bundle there suffers, so all of them may leave.
        floors.values().removeIf(floor -> floor > config.overloadThreshold());
        found.sort(Comparator.comparingDouble(Split::load).reversed());
        return List.copyOf(found);
    }

    /**
     * Whether a plan may not stop here. A broker above the overload threshold is always worth an unload. A
     * broker above the trigger band would start the plan again next cycle; so does one the view puts just
     * inside it when its unlisted throughput may have drifted by {@link #UNLISTED_DRIFT} since its total was
     * reported (nothing where every bundle is listed): it stays above the band for real.
     */
    boolean unfinished(List<String> active, double level, double triggerBand) {
        for (String broker : active) {
            double drift = slope(broker) * unlistedThroughput.getOrDefault(broker, 0.0) * UNLISTED_DRIFT;
            if (load(broker) > config.overloadThreshold() || deviation(broker, level) + drift > triggerBand) {
                return true;
            }
        }
        return false;
    }

    double maxDeviation(List<String> active, double level) {
        double max = 0;
        for (String broker : active) {
            max = Math.max(max, deviation(broker, level));
        }
        return max;
    }

    /**
     * The relative measurement noise of load reports, learnt from how far each clean report lands from its broker's
     * model, so that a deviation within the noise does not start a plan.
     */
    static final class Noise {
        /** Per-report decay of the estimate (remembers about 50 reports). */
        private static final double MEMORY = 0.98;

        private double sum;
        private double count;

        /** Takes in a clean report of a broker, before it is added to the broker's model. */
        void trackInnovation(BrokerModel model, double throughput, double load) {
            if (!model.hasSamples() || Double.isNaN(model.ratio())) {
                return;
            }
            double[] fit = model.fit(model.ratio());
            double predicted = fit[0] + fit[1] * throughput;
            if (predicted <= 0) {
                return;
            }
            double innovation = (load - predicted) / predicted;
            // Winsorised: a real load change (a bundle turning hot) is not noise.
            double limit = 3 * relative();
            double clipped = Math.max(-limit, Math.min(limit, innovation));
            // The innovation also carries the model's own error, about 1/weight of the noise.
            sum = sum * MEMORY + clipped * clipped / (1 + 1 / model.weight());
            count = count * MEMORY + 1;
        }

        /** The noise, relative to the load, with {@link BrokerModel#PRIOR_NOISE} as prior. */
        double relative() {
            double prior = BrokerModel.PRIOR_NOISE * BrokerModel.PRIOR_NOISE;
            return Math.sqrt((sum + prior) / (count + 1));
        }
    }
}
