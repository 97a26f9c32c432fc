package io.magnetar.shedding;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
 *   <li>Hysteresis: a plan starts only when some broker is further than the trigger band from the level. It is
 *       planned toward the narrower target band; the moves kept are those needed until no broker is above the
 *       trigger band (with a margin where its throughput is partly unlisted) or overloaded, then only those that
 *       cut the peak by at least a target band each ({@link #worthwhilePrefix}).</li>
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
    /**
     * An unload must lower the cluster's peak by at least this many target bands, on average over the moves that
     * get there: the disruption of a move is worth a real cut of the peak, not a top-up within the noise.
     */
    static final double BENEFIT_PER_MOVE = 1.0;
    /** A broker's report lists only some of its bundles when they add up to less than its total by this much. */
    private static final double PARTIAL_LISTING = 0.01;
    /** Reported load at or above this is taken as capped. */
    private static final double SATURATED = 0.98;
    /** Bounds of the growth applied to a broker's unlisted throughput since its total was reported. */
    private static final double MIN_GROWTH = 0.5;
    private static final double MAX_GROWTH = 2.0;
    /**
     * How far a broker's unlisted throughput may still be off. A broker rewrites its total only once its throughput
     * changed by {@code loadBalancerReportUpdateThresholdPercentage} (10 %); scaling by the listed bundles' growth
     * takes out most of that drift, and half of it is kept as the margin. In the simulator's scale-out-in trace
     * under the extensible load manager, 4 of 90 runs without the margin had a broker join or leave after which the
     * cluster stayed above 1.10 max/avg for more than 3 cycles; none of 120 with it.
     */
    static final double UNLISTED_DRIFT = 0.05;
    /**
     * For this long after a broker left whose bundles the load manager placed by its own rule (the extensible load
     * manager: its strategy is not asked), the bands have a third of their usual floor and a deviation needs no
     * margin over the measurement noise to start a plan: the imbalance that placement left is real, not noise or
     * drift, and the few reports the leader has (a broker rewrites its report only on a 10-point change or after
     * 15 minutes) would otherwise hide it behind the noise prior.
     */
    static final long ORPHANS_SETTLE_MILLIS = 10 * 60_000;

    private final SheddingConfig config;
    private final Map<String, BrokerModel> models = new HashMap<>();
    private final Map<String, BundleHistory> histories = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    /** This core's moves and placements of the last {@link #PENDING_EXPIRY_MILLIS}, confirmed or not. */
    private final List<Pending> moved = new ArrayList<>();
    /** Bundles already in the plan being built. */
    private final Set<String> planning = new HashSet<>();
    /** Last reported throughput and when, kept a while after a bundle leaves the reports (its broker died). */
    private final Map<String, double[]> lastSeenThroughput = new HashMap<>();
    private LoadSnapshot lastSnapshot;
    private List<Split> splits = List.of();
    private boolean balancing;
    /** When the core last saw a broker gone whose bundles it did not place (the load manager did). */
    private long orphansPlacedAt = Long.MIN_VALUE;
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
        moved.removeIf(m -> snapshot.nowMillis() - m.atMillis() > PENDING_EXPIRY_MILLIS);
        for (BundleLoad bundle : snapshot.bundles()) {
            lastSeenThroughput.put(bundle.bundle(), new double[] {bundle.throughput(), snapshot.nowMillis()});
            owners.put(bundle.bundle(), bundle.broker());
            listedThroughput.merge(bundle.broker(), bundle.throughput(), Double::sum);
        }
        noteUnplannedChanges(snapshot.nowMillis(), brokers, owners);
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
            if (!movedAround(broker.broker(), broker.reportedAtMillis())) {
                model.total = broker.throughput();
                model.totalLoad = broker.load();
                model.totalAtMillis = broker.reportedAtMillis();
                double listed = listedThroughput.getOrDefault(broker.broker(), 0.0);
                model.listedWithTotal = broker.throughput() > listed * (1 + PARTIAL_LISTING)
                        ? listedOn(snapshot, broker.broker()) : Map.of();
            }
            model.lastReportMillis = broker.reportedAtMillis();
        }
        lastSnapshot = snapshot;
    }

    /**
     * Ownership changes this core did not plan: a broker that left (the load manager places its bundles, anywhere,
     * within seconds) or a bundle listed on another broker than in the previous snapshot without a move of ours.
     * A broker measures its load over a window (CPU over the last minute) but lists its throughput as of now, so a
     * report taken across such a change pairs the old load with the new throughput; fitted, it bends the model
     * (a broker that just received bundles looks cheap per byte) for as long as no new report comes, and a load
     * report is rewritten only when it changed by 10 points or after 15 minutes. The brokers concerned take no
     * report into their model until the change has settled; meanwhile their load is predicted from the model they
     * had, at the throughput they now report.
     */
    private void noteUnplannedChanges(long now, Map<String, BrokerLoad> brokers, Map<String, String> owners) {
        if (lastSnapshot == null) {
            return;
        }
        Set<String> before = new HashSet<>(); // retainBrokers already dropped the brokers it was told about
        for (BrokerLoad previous : lastSnapshot.brokers()) {
            before.add(previous.broker());
        }
        if (!brokers.keySet().containsAll(before)) {
            // A broker left and its bundles were not placed through this core (retainBrokers was not called).
            orphansPlacedAt = now;
            brokers.keySet().forEach(b -> touch(b, now));
            return;
        }
        for (BundleLoad previous : lastSnapshot.bundles()) {
            String owner = owners.get(previous.bundle());
            if (owner == null || owner.equals(previous.broker())) {
                continue;
            }
            boolean planned = false;
            for (Pending p : pending) {
                planned |= previous.bundle().equals(p.bundle()) && owner.equals(p.to());
            }
            if (!planned) {
                touch(previous.broker(), now);
                touch(owner, now);
            }
        }
    }

    private static Map<String, Double> listedOn(LoadSnapshot snapshot, String broker) {
        Map<String, Double> listed = new HashMap<>();
        for (BundleLoad bundle : snapshot.bundles()) {
            if (bundle.broker().equals(broker)) {
                listed.put(bundle.bundle(), bundle.throughput());
            }
        }
        return listed;
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

    /**
     * The bundles the latest {@link #plan} found too hot for any broker, largest first: splitting them is the only way
     * to balance their brokers. The plan never moves them, and measures their brokers from them (other bundles leave
     * such a broker only down to the band above that floor, or all of them when the floor alone is overloaded).
     */
    public synchronized List<Split> splitSuggestions() {
        return splits;
    }

    /** Takes in a snapshot and returns the moves to make now; they are assumed made from here on. */
    public synchronized List<Move> plan(LoadSnapshot snapshot) {
        observe(snapshot);
        long now = snapshot.nowMillis();
        View view = new View(now);
        List<Move> moves = new ArrayList<>();
        splits = List.of();
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
        boolean orphansSettling = orphansSettling(now);
        double gapFloor = orphansSettling ? config.minGap() / 3 : config.minGap();
        double triggerBand = Math.max(config.triggerFraction() * level, gapFloor);
        double targetBand = triggerBand * config.targetFraction() / config.triggerFraction();
        splits = view.tooHotToMove(active, level, triggerBand);
        boolean start = orphansSettling ? view.maxDeviation(active, level) > targetBand
                : view.significantDeviation(active, level) > triggerBand;
        if (!balancing && start) {
            balancing = true;
        }
        if (balancing) {
            // Plan greedily to the target band on the view, then keep only the moves that pay for themselves.
            List<List<Move>> steps = new ArrayList<>();
            List<Double> peaks = new ArrayList<>();
            List<Boolean> unfinished = new ArrayList<>();
            peaks.add(view.maxDeviation(active, level));
            unfinished.add(view.unfinished(active, level, triggerBand));
            int planBudget = budget;
            planning.clear();
            while (planBudget > 0) {
                List<Move> step = bestStep(view, active, level, targetBand, planBudget);
                if (step.isEmpty()) {
                    break;
                }
                for (Move move : step) {
                    view.apply(move);
                    planning.add(move.bundle()); // not picked again in this plan
                }
                planBudget -= step.size();
                steps.add(step);
                peaks.add(view.maxDeviation(active, level));
                unfinished.add(view.unfinished(active, level, triggerBand));
            }
            planning.clear();
            double worth = Math.max(targetBand, gapFloor) * BENEFIT_PER_MOVE;
            int keep = worthwhilePrefix(steps, peaks, unfinished, worth);
            for (List<Move> step : steps.subList(0, keep)) {
                for (Move move : step) {
                    record(move, now);
                    moves.add(move);
                }
            }
            boolean exhausted = keep == steps.size() && planBudget == 0 && peaks.get(keep) > targetBand;
            if (!exhausted) {
                balancing = false; // balanced, or nothing more worth moving: wait for the trigger again
            }
        }
        return moves;
    }

    /** Whether a broker whose bundles the load manager placed left less than {@link #ORPHANS_SETTLE_MILLIS} ago. */
    private boolean orphansSettling(long now) {
        return orphansPlacedAt != Long.MIN_VALUE && now - orphansPlacedAt <= ORPHANS_SETTLE_MILLIS;
    }

    /**
     * How many planned steps to make: all those up to the first state that is not {@code unfinished} (see
     * {@link View#unfinished}); past that, the longest run of prefixes each of whose extensions lowers the cluster's
     * peak (the largest excess over the level) by at least {@code worth} per unload on average. Measured over the
     * best extension, not step by step, since the peak only drops once every broker sharing it has shed (the
     * loaded brokers when one joins). The tail this cuts is top-ups that buy a fraction of a point each.
     */
    static int worthwhilePrefix(List<List<Move>> steps, List<Double> peaks, List<Boolean> unfinished,
                                double worth) {
        int kept = 0;
        while (kept < steps.size()) {
            if (unfinished.get(kept)) {
                kept++;
                continue;
            }
            int bestEnd = -1;
            double bestRate = Double.NEGATIVE_INFINITY;
            int unloads = 0;
            for (int end = kept + 1; end <= steps.size(); end++) {
                unloads += steps.get(end - 1).size();
                double rate = (peaks.get(kept) - peaks.get(end)) / unloads;
                if (rate >= bestRate) {
                    bestRate = rate;
                    bestEnd = end;
                }
            }
            if (bestRate < worth) {
                break;
            }
            kept = bestEnd;
        }
        return kept;
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

    /**
     * The next move (or swap) for the most loaded broker above the band that has one. Only brokers above the band
     * shed: a broker below the level hurts nobody by itself, and filling it beyond what the loaded ones need to give
     * is moves without a lower peak. A move must not lift its destination above the band (it would only move the
     * hot spot). Among the moves that bring the source within the band at once, the one landing closest to the level
     * wins; if no single move does, the largest bundle that fits goes, so a source needs as few moves as it can.
     */
    private List<Move> bestStep(View view, List<String> active, double level, double targetBand, int budget) {
        List<String> byDeviation = new ArrayList<>(active);
        byDeviation.sort(Comparator.comparingDouble((String b) -> view.deviation(b, level)).thenComparing(b -> b));
        for (int si = byDeviation.size() - 1; si > 0; si--) {
            String source = byDeviation.get(si);
            double sourceDev = view.deviation(source, level);
            if (sourceDev <= targetBand) {
                break;
            }
            List<Move> step = bestStepFrom(view, source, sourceDev, byDeviation, level, targetBand, budget);
            if (!step.isEmpty()) {
                return step;
            }
        }
        return List.of();
    }

    private List<Move> bestStepFrom(View view, String source, double sourceDev, List<String> byDeviation,
                                    double level, double targetBand, int budget) {
        double ks = view.slope(source);
        int width = Math.min(PAIR_WIDTH, byDeviation.size() - 1);
        List<String> dests = new ArrayList<>();
        for (String b : byDeviation) {
            if (dests.size() < width && !b.equals(source) && view.deviation(b, level) < targetBand) {
                dests.add(b);
            }
        }
        Move best = null;
        boolean bestFinishes = false;
        double bestScore = Double.POSITIVE_INFINITY;
        for (String dest : dests) {
            double destDev = view.deviation(dest, level);
            double kd = view.slope(dest);
            for (BundleLoad x : view.bundlesOn(source)) {
                if (!movable(x, dest, view.now)) {
                    continue;
                }
                double shed = ks * x.throughput();
                double newDest = destDev + kd * x.throughput();
                if (newDest > targetBand) {
                    continue;
                }
                double newSource = sourceDev - shed;
                boolean finishes = newSource <= targetBand;
                // Finishing: land both ends nearest the level. Not finishing: shed the most.
                double score = finishes ? newSource * newSource + newDest * newDest : -shed;
                if ((finishes && !bestFinishes) || (finishes == bestFinishes && score < bestScore)) {
                    best = new Move(x.bundle(), source, dest, x.throughput());
                    bestFinishes = finishes;
                    bestScore = score;
                }
            }
        }
        if (best != null) {
            return List.of(best);
        }
        if (budget < 2) {
            return List.of();
        }
        // No single bundle fits any destination: swap a big one for a smaller one coming back.
        List<Move> swap = List.of();
        double swapScore = Double.POSITIVE_INFINITY;
        for (String dest : dests) {
            double destDev = view.deviation(dest, level);
            double kd = view.slope(dest);
            for (BundleLoad x : view.bundlesOn(source)) {
                if (!movable(x, dest, view.now)) {
                    continue;
                }
                for (BundleLoad y : view.bundlesOn(dest)) {
                    double net = x.throughput() - y.throughput();
                    if (net <= 0 || !movable(y, source, view.now)) {
                        continue;
                    }
                    double newSource = sourceDev - ks * net;
                    double newDest = destDev + kd * net;
                    // Two unloads for one net transfer: only when it closes the source's gap.
                    if (newDest > targetBand || newSource > targetBand || ks * net < config.minGap()) {
                        continue;
                    }
                    double score = newSource * newSource + newDest * newDest;
                    if (score < swapScore) {
                        swapScore = score;
                        swap = List.of(new Move(x.bundle(), source, dest, x.throughput()),
                                new Move(y.bundle(), dest, source, y.throughput()));
                    }
                }
            }
        }
        return swap;
    }

    private boolean movable(BundleLoad bundle, String to, long now) {
        if (bundle.throughput() <= 0 || planning.contains(bundle.bundle())) {
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
        Pending p = new Pending(move.bundle(), move.from(), move.to(), move.throughput(), now);
        pending.add(p);
        moved.add(p);
        touch(move.from(), now);
        touch(move.to(), now);
        if (histories.size() > 100_000) {
            histories.values().removeIf(h -> now - h.movedAtMillis() > 2 * config.dwellMillis());
        }
    }

    /**
     * An ownership change to or from the broker, this core's move or placement or someone else's (the load manager
     * placing a departed broker's bundles): its reports are not fitted until the change has settled.
     */
    private void touch(String broker, long now) {
        BrokerModel model = models.get(broker);
        if (model != null) {
            model.lastChangeMillis = Math.max(model.lastChangeMillis, now);
        }
    }

    /**
     * Whether a move of this core's to or from the broker falls within the settle time before {@code atMillis}: a
     * report taken then may or may not count the moved bundle in its total (one taken at the time of the move
     * or before does not: this core plans only after reading the reports).
     */
    private boolean movedAround(String broker, long atMillis) {
        for (Pending m : moved) {
            if ((broker.equals(m.from()) || broker.equals(m.to())) && m.atMillis() < atMillis
                    && m.atMillis() >= atMillis - config.settleMillis()) {
                return true;
            }
        }
        return false;
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
        Pending placed = new Pending(bundle, planned == null ? null : planned.from(), chosen, t, nowMillis);
        pending.add(placed);
        moved.add(placed);
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
            Pending placed = new Pending(orphan.bundle(), orphan.broker(), to, orphan.throughput(), nowMillis);
            pending.add(placed);
            moved.add(placed);
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
        final Map<String, Double> unlistedThroughput = new HashMap<>();
        /** Base load plus the cost of the bundles too hot to move, where there are any. */
        final Map<String, Double> floors = new HashMap<>();

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
                BrokerModel model = models.get(broker);
                double unlisted = unlisted(broker, report, listed.getOrDefault(broker, 0.0), model);
                unlistedThroughput.put(broker, unlisted);
                throughput.merge(broker, unlisted, Double::sum);
                double reported = Math.max(report.throughput(), listed.getOrDefault(broker, 0.0));
                double reportedLoad = report.load();
                if (model != null && !Double.isNaN(model.totalLoad) && report.load() < SATURATED
                        && movedAround(broker, report.reportedAtMillis())) {
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
            double relativeNoise = relativeNoise();
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
         * taken clear of our moves (at most {@link #PENDING_EXPIRY_MILLIS} old), adjusted by our moves since, less
         * the listed bundles it holds now (moves in flight applied).
         */
        private double unlisted(String broker, BrokerLoad report, double listedInSnapshot, BrokerModel model) {
            boolean partialListing = report.throughput() > listedInSnapshot * (1 + PARTIAL_LISTING);
            if (!partialListing || model == null || Double.isNaN(model.total)
                    || now - model.totalAtMillis > PENDING_EXPIRY_MILLIS) {
                return Math.max(0, report.throughput() - listedInSnapshot);
            }
            double listedNow = 0;
            for (BundleLoad bundle : bundles.get(broker)) {
                listedNow += bundle.throughput();
            }
            double total = model.total;
            for (Pending m : moved) {
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
    }
}
