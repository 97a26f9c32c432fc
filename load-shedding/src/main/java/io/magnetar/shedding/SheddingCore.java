package io.magnetar.shedding;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The decision core of Magnetar's load shedding: fed load snapshots and the time, it returns the bundle moves to make
 * and keeps its own state (per-broker load models, moves not yet visible in reports, per-bundle move history). No
 * broker, no clock, no threads: the Pulsar adapters and the simulator drive the same code.
 *
 * <p>How a cycle decides:
 * <ol>
 *   <li>Each broker's load is predicted from its fitted model ({@link BrokerModel}) and the throughput of the
 *       bundles it will own once the moves in flight land, so a report that lags behind a move is not mistaken for
 *       load still there (the over-unloading of shedders that read a lagging average).</li>
 *   <li>The target level is the water level that gives every broker the same load after accounting for its base
 *       load and its cost per byte/s (heterogeneous brokers get proportional shares; a broker busy with background
 *       work gets fewer bundles).</li>
 *   <li>Hysteresis: a plan starts only when some broker is further than the trigger band from the level, and then
 *       moves continue until all are within the narrower target band.</li>
 *   <li>Each move is the single bundle (or a swap of two) that most reduces the sum of squared deviations from the
 *       level, choosing among the most loaded sources and least loaded destinations, with each planned move applied
 *       to the prediction before the next (no herding onto one broker, empty brokers filled in one cycle within the
 *       budget). A bundle moved recently, or that would go back where it came from, is not moved.</li>
 * </ol>
 */
public final class SheddingCore {
    /** Sources and destinations considered per step. */
    private static final int PAIR_WIDTH = 3;
    /** Reservations and moves never confirmed by reports are forgotten after this. */
    private static final long PENDING_EXPIRY_MILLIS = 20 * 60_000;
    /** Per-report decay of the measurement-noise estimate (remembers about 50 reports). */
    private static final double NOISE_MEMORY = 0.98;
    /** Reported load at or above this is taken as capped. */
    private static final double SATURATED = 0.98;

    private final SheddingConfig config;
    private final Map<String, BrokerModel> models = new HashMap<>();
    private final Map<String, BundleHistory> histories = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    /** Last reported throughput and when, kept a while after a bundle leaves the reports (its broker died). */
    private final Map<String, double[]> lastSeenThroughput = new HashMap<>();
    private LoadSnapshot lastSnapshot;
    private boolean balancing;
    private double noiseSum;
    private double noiseCount;

    private record BundleHistory(long movedAtMillis, String movedFrom) {
    }

    /** A move or placement decided but not yet visible in the destination's settled report. */
    private record Pending(String bundle, String from, String to, double throughput, long atMillis) {
    }

    public SheddingCore(SheddingConfig config) {
        this.config = config;
    }

    public SheddingConfig config() {
        return config;
    }

    /** Takes in a snapshot without planning (placement between shedding cycles uses the latest one). */
    public synchronized void observe(LoadSnapshot snapshot) {
        Map<String, BrokerLoad> brokers = new LinkedHashMap<>();
        snapshot.brokers().forEach(b -> brokers.put(b.broker(), b));
        Map<String, String> owners = new HashMap<>();
        Map<String, Double> listedThroughput = new HashMap<>();
        lastSeenThroughput.values().removeIf(seen -> snapshot.nowMillis() - seen[1] > PENDING_EXPIRY_MILLIS);
        for (BundleLoad bundle : snapshot.bundles()) {
            lastSeenThroughput.put(bundle.bundle(), new double[] {bundle.throughput(), snapshot.nowMillis()});
            owners.put(bundle.bundle(), bundle.broker());
            listedThroughput.merge(bundle.broker(), bundle.throughput(), Double::sum);
        }
        reconcilePending(snapshot.nowMillis(), brokers, owners);

        models.keySet().retainAll(brokers.keySet());
        for (BrokerLoad broker : brokers.values()) {
            BrokerModel model = models.computeIfAbsent(broker.broker(), b -> new BrokerModel());
            if (broker.reportedAtMillis() <= model.lastReportMillis) {
                continue;
            }
            double throughput = Math.max(broker.throughput(), listedThroughput.getOrDefault(broker.broker(), 0.0));
            // A saturated broker reports the cap, not its demand: its bundles' throughput tells more.
            boolean clean = broker.load() < SATURATED
                    && broker.reportedAtMillis() - config.settleMillis() >= model.lastChangeMillis;
            if (clean) {
                trackInnovation(model, throughput, broker.load());
                model.addSample(broker.reportedAtMillis(), throughput, broker.load(), config.smoothingMillis());
            }
            model.lastReportMillis = broker.reportedAtMillis();
        }
        lastSnapshot = snapshot;
    }

    /**
     * Learns the relative measurement noise from how far each clean report lands from its broker's model, so
     * that a deviation within the noise does not start a plan.
     */
    private void trackInnovation(BrokerModel model, double throughput, double load) {
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
        double limit = 3 * relativeNoise();
        double clipped = Math.max(-limit, Math.min(limit, innovation));
        // The innovation also carries the model's own error, about 1/weight of the noise.
        noiseSum = noiseSum * NOISE_MEMORY + clipped * clipped / (1 + 1 / model.weight());
        noiseCount = noiseCount * NOISE_MEMORY + 1;
    }

    private double relativeNoise() {
        double prior = BrokerModel.PRIOR_NOISE * BrokerModel.PRIOR_NOISE;
        return Math.sqrt((noiseSum + prior) / (noiseCount + 1));
    }

    private void reconcilePending(long now, Map<String, BrokerLoad> brokers, Map<String, String> owners) {
        Iterator<Pending> it = pending.iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            BrokerLoad to = brokers.get(p.to());
            if (to == null || now - p.atMillis() > PENDING_EXPIRY_MILLIS) {
                it.remove();
                continue;
            }
            long settledAt = p.atMillis() + config.settleMillis();
            if (p.bundle() == null) {
                if (to.reportedAtMillis() >= settledAt) {
                    it.remove();
                }
                continue;
            }
            String owner = owners.get(p.bundle());
            if (owner == null) {
                if (to.reportedAtMillis() >= settledAt) {
                    it.remove(); // gone (split or deleted), or still unassigned long after
                }
            } else if (owner.equals(p.to())) {
                if (to.reportedAtMillis() >= settledAt) {
                    it.remove();
                }
            } else {
                BrokerLoad holder = brokers.get(owner);
                if (holder != null && holder.reportedAtMillis() >= settledAt) {
                    it.remove(); // the move did not happen
                }
            }
        }
    }

    /** Takes in a snapshot and returns the moves to make now; they are assumed made from here on. */
    public synchronized List<Move> plan(LoadSnapshot snapshot) {
        observe(snapshot);
        long now = snapshot.nowMillis();
        View view = new View(now);
        List<Move> moves = new ArrayList<>();
        if (view.brokers.size() < 2) {
            return moves;
        }
        int budget = config.maxMovesPerCycle();
        budget -= drain(view, moves, budget);
        List<String> active = view.activeBrokers();
        if (active.isEmpty()) {
            return moves;
        }
        double level = view.level(active);
        double triggerBand = Math.max(config.triggerFraction() * level, config.minGap());
        double targetBand = triggerBand * config.targetFraction() / config.triggerFraction();
        if (!balancing && view.significantDeviation(active, level) > triggerBand) {
            balancing = true;
        }
        if (balancing) {
            double minGain = targetBand * targetBand / 2;
            while (budget > 0) {
                List<Move> step = bestStep(view, active, level, targetBand, minGain, budget);
                if (step.isEmpty()) {
                    break;
                }
                for (Move move : step) {
                    view.apply(move);
                    record(move, now); // now pending: not picked again this cycle
                    moves.add(move);
                    budget--;
                }
            }
            if (budget > 0 || view.maxDeviation(active, level) <= targetBand) {
                balancing = false; // balanced, or nothing more worth moving: wait for the trigger again
            }
        }
        return moves;
    }

    private int drain(View view, List<Move> moves, int budget) {
        int used = 0;
        List<String> targets = view.activeBrokers();
        if (targets.isEmpty()) {
            return 0;
        }
        for (String broker : view.brokers) {
            if (!config.drainBrokers().contains(broker)) {
                continue;
            }
            List<BundleLoad> bundles = new ArrayList<>(view.bundlesOn(broker));
            bundles.sort(Comparator.comparingDouble(BundleLoad::throughput).reversed());
            for (BundleLoad bundle : bundles) {
                if (used == budget) {
                    return used;
                }
                String to = view.leastLoadedAfter(targets, bundle.throughput());
                Move move = new Move(bundle.bundle(), broker, to, bundle.throughput());
                view.apply(move);
                record(move, view.now);
                moves.add(move);
                used++;
            }
        }
        return used;
    }

    private List<Move> bestStep(View view, List<String> active, double level, double targetBand, double minGain,
                                int budget) {
        List<String> byDeviation = new ArrayList<>(active);
        byDeviation.sort(Comparator.comparingDouble((String b) -> view.deviation(b, level)).thenComparing(b -> b));
        int width = Math.min(PAIR_WIDTH, byDeviation.size());
        List<Move> best = List.of();
        double bestGain = -minGain;
        for (int si = byDeviation.size() - 1; si >= byDeviation.size() - width; si--) {
            String source = byDeviation.get(si);
            double sourceDev = view.deviation(source, level);
            for (int di = 0; di < width; di++) {
                String dest = byDeviation.get(di);
                double destDev = view.deviation(dest, level);
                if (source.equals(dest) || sourceDev <= destDev
                        || (sourceDev <= targetBand && destDev >= -targetBand)) {
                    continue;
                }
                double ks = view.slope(source);
                double kd = view.slope(dest);
                boolean singleFound = false;
                for (BundleLoad x : view.bundlesOn(source)) {
                    if (!movable(x, dest, view.now)) {
                        continue;
                    }
                    double gain = gain(sourceDev, destDev, ks, kd, x.throughput(), targetBand);
                    if (gain < bestGain) {
                        bestGain = gain;
                        best = List.of(new Move(x.bundle(), source, dest, x.throughput()));
                        singleFound = true;
                    }
                }
                if (singleFound || budget < 2) {
                    continue;
                }
                // Every bundle alone is too big for the gap: swap a big one for a smaller one coming back.
                for (BundleLoad x : view.bundlesOn(source)) {
                    if (!movable(x, dest, view.now)) {
                        continue;
                    }
                    for (BundleLoad y : view.bundlesOn(dest)) {
                        double net = x.throughput() - y.throughput();
                        if (net <= 0 || !movable(y, source, view.now)) {
                            continue;
                        }
                        double gain = gain(sourceDev, destDev, ks, kd, net, targetBand);
                        if (gain < 2 * bestGain && gain < -2 * minGain) {
                            bestGain = gain / 2;
                            best = List.of(new Move(x.bundle(), source, dest, x.throughput()),
                                    new Move(y.bundle(), dest, source, y.throughput()));
                        }
                    }
                }
            }
        }
        return best;
    }

    /** Change of the squared deviations when {@code throughput} goes from source to destination. */
    private static double gain(double sourceDev, double destDev, double ks, double kd, double throughput,
                               double targetBand) {
        double newSource = sourceDev - ks * throughput;
        double newDest = destDev + kd * throughput;
        if (newDest > Math.max(sourceDev, targetBand)) {
            return Double.POSITIVE_INFINITY; // would only move the hot spot
        }
        return newSource * newSource + newDest * newDest - sourceDev * sourceDev - destDev * destDev;
    }

    private boolean movable(BundleLoad bundle, String to, long now) {
        if (bundle.throughput() <= 0) {
            return false;
        }
        for (Pending p : pending) {
            if (bundle.bundle().equals(p.bundle())) {
                return false;
            }
        }
        BundleHistory history = histories.get(bundle.bundle());
        if (history == null) {
            return true;
        }
        long since = now - history.movedAtMillis();
        return since >= config.dwellMillis() && !(to.equals(history.movedFrom()) && since < 2 * config.dwellMillis());
    }

    private void record(Move move, long now) {
        histories.put(move.bundle(), new BundleHistory(now, move.from()));
        pending.add(new Pending(move.bundle(), move.from(), move.to(), move.throughput(), now));
        touch(move.from(), now);
        touch(move.to(), now);
        if (histories.size() > 100_000) {
            histories.values().removeIf(h -> now - h.movedAtMillis() > 2 * config.dwellMillis());
        }
    }

    private void touch(String broker, long now) {
        BrokerModel model = models.get(broker);
        if (model != null) {
            model.lastChangeMillis = Math.max(model.lastChangeMillis, now);
        }
    }

    /**
     * Chooses a broker for a bundle among {@code candidates}. A bundle this core just decided to move goes to the
     * planned destination when it is a candidate, else to the best other candidate, or nowhere (empty: do not move)
     * when only its current owner is left. Any other bundle goes where the predicted load after adding it is
     * lowest, and is counted there until the broker's reports show it.
     *
     * @param bundle bundle name, or null when the caller cannot tell
     * @param throughput the bundle's expected throughput, bytes/s (ignored when the bundle is in the snapshot)
     */
    public synchronized Optional<String> place(Collection<String> candidates, String bundle, double throughput,
                                               long nowMillis) {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        Pending planned = null;
        if (bundle != null) {
            for (Pending p : pending) {
                if (bundle.equals(p.bundle()) && p.from() != null) {
                    planned = p;
                }
            }
        }
        if (planned != null && candidates.contains(planned.to())) {
            return Optional.of(planned.to());
        }
        if (lastSnapshot == null) {
            return candidates.stream().sorted().findFirst();
        }
        if (planned != null) {
            pending.remove(planned);
        }
        View view = new View(nowMillis);
        List<String> choices = new ArrayList<>();
        for (String candidate : candidates) {
            if (view.brokers.contains(candidate) && (planned == null || !candidate.equals(planned.from()))) {
                choices.add(candidate);
            }
        }
        if (choices.isEmpty()) {
            return planned != null ? Optional.empty() : candidates.stream().sorted().findFirst();
        }
        List<String> undrained = choices.stream().filter(c -> !config.drainBrokers().contains(c)).toList();
        if (!undrained.isEmpty()) {
            choices = undrained;
        }
        double t = view.bundleThroughput(bundle, throughput);
        String chosen = view.leastLoadedAfter(choices, t);
        pending.add(new Pending(bundle, planned == null ? null : planned.from(), chosen, t, nowMillis));
        touch(chosen, nowMillis);
        return Optional.of(chosen);
    }

    /**
     * Forgets brokers that left, and plans where all of their bundles go, largest first onto the broker predicted
     * least loaded after it: their owners' lookups then come in any order and still get a balanced result.
     */
    public synchronized void retainBrokers(Set<String> brokers, long nowMillis) {
        models.keySet().retainAll(brokers);
        pending.removeIf(p -> !brokers.contains(p.to()));
        if (lastSnapshot == null || lastSnapshot.brokers().stream().allMatch(b -> brokers.contains(b.broker()))) {
            return;
        }
        List<BundleLoad> orphans = new ArrayList<>();
        for (BundleLoad bundle : lastSnapshot.bundles()) {
            if (!brokers.contains(bundle.broker())) {
                orphans.add(bundle);
            }
        }
        lastSnapshot = new LoadSnapshot(lastSnapshot.nowMillis(),
                lastSnapshot.brokers().stream().filter(b -> brokers.contains(b.broker())).toList(),
                lastSnapshot.bundles().stream().filter(b -> brokers.contains(b.broker())).toList());
        View view = new View(nowMillis);
        List<String> targets = view.activeBrokers();
        if (targets.isEmpty()) {
            return;
        }
        orphans.sort(Comparator.comparingDouble(BundleLoad::throughput).reversed());
        for (BundleLoad orphan : orphans) {
            String to = view.leastLoadedAfter(targets, orphan.throughput());
            view.add(new BundleLoad(orphan.bundle(), to, orphan.throughput()));
            pending.add(new Pending(orphan.bundle(), orphan.broker(), to, orphan.throughput(), nowMillis));
            touch(to, nowMillis);
        }
    }

    /** Predicted load of every broker in the latest snapshot, moves in flight included. */
    public synchronized Map<String, Double> predictedLoads(long nowMillis) {
        Map<String, Double> loads = new TreeMap<>();
        if (lastSnapshot != null) {
            View view = new View(nowMillis);
            view.brokers.forEach(b -> loads.put(b, view.load(b)));
        }
        return loads;
    }

    /** The latest snapshot with the moves in flight applied, and each broker's model. */
    private final class View {
        final long now;
        final List<String> brokers = new ArrayList<>();
        final Map<String, List<BundleLoad>> bundles = new HashMap<>();
        final Map<String, BundleLoad> byName = new HashMap<>();
        final Map<String, Double> throughput = new HashMap<>();
        final Map<String, double[]> fits = new HashMap<>();
        final Map<String, Double> errors = new HashMap<>();

        View(long now) {
            this.now = now;
            Map<String, Double> listed = new HashMap<>();
            Map<String, BrokerLoad> reports = new HashMap<>();
            for (BrokerLoad b : lastSnapshot.brokers()) {
                brokers.add(b.broker());
                reports.put(b.broker(), b);
                bundles.put(b.broker(), new ArrayList<>());
                throughput.put(b.broker(), 0.0);
            }
            brokers.sort(null);
            for (BundleLoad bundle : lastSnapshot.bundles()) {
                if (reports.containsKey(bundle.broker())) {
                    byName.put(bundle.bundle(), bundle);
                    listed.merge(bundle.broker(), bundle.throughput(), Double::sum);
                }
            }
            for (Pending p : pending) {
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
                double unlisted = Math.max(0, report.throughput() - listed.getOrDefault(broker, 0.0));
                throughput.merge(broker, unlisted, Double::sum);
                BrokerModel model = models.get(broker);
                double reported = Math.max(report.throughput(), listed.getOrDefault(broker, 0.0));
                fits.put(broker, model != null && model.hasSamples() ? model.fit(clusterSlope)
                        : BrokerModel.fitSingle(reported, report.load(), clusterSlope));
            }
            double relativeNoise = relativeNoise();
            for (String broker : brokers) {
                BrokerModel model = models.get(broker);
                double samples = model == null ? 0 : model.weight();
                errors.put(broker, relativeNoise * Math.abs(load(broker)) / Math.sqrt(Math.max(1, samples)));
            }
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
            double[] seen = bundle == null ? null : lastSeenThroughput.get(bundle);
            return seen != null ? seen[0] : Math.max(0, fallback);
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

        /** Distance from the level; a broker whose base load alone is above the level is measured from its base. */
        double deviation(String broker, double level) {
            return load(broker) - Math.max(level, fits.get(broker)[0]);
        }

        /** Largest deviation beyond twice its broker's standard error: noise alone does not start a plan. */
        double significantDeviation(List<String> active, double level) {
            double max = 0;
            for (String broker : active) {
                max = Math.max(max, Math.abs(deviation(broker, level)) - 2 * errors.get(broker));
            }
            return max;
        }

        double maxDeviation(List<String> active, double level) {
            double max = 0;
            for (String broker : active) {
                max = Math.max(max, Math.abs(deviation(broker, level)));
            }
            return max;
        }
    }
}
