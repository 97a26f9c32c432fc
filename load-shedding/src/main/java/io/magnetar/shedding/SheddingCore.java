package io.magnetar.shedding;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
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
 *       cut the peak by at least a target band each ({@link MovePlanner#worthwhilePrefix}).</li>
 *   <li>Each move is the single bundle (or a swap of two) that most reduces the sum of squared deviations from the
 *       level, choosing among the most loaded sources and least loaded destinations, with each planned move applied
 *       to the prediction before the next (no herding onto one broker, empty brokers filled in one cycle within the
 *       budget). A bundle moved recently, or that would go back where it came from, is not moved.</li>
 * </ol>
 *
 * <p>The parts: {@link LoadForecast} predicts each broker's load for one cycle, {@link MoveLedger} remembers the
 * ownership changes (this core's and others'), {@link MovePlanner} picks the moves. This class holds their state
 * under one monitor and is the API the adapters and the simulator call.
 */
public final class SheddingCore {
    /** See {@link LoadForecast#UNLISTED_DRIFT}. */
    static final double UNLISTED_DRIFT = LoadForecast.UNLISTED_DRIFT;

    private final SheddingConfig config;
    private final Map<String, BrokerModel> models = new HashMap<>();
    private final LoadForecast.Noise noise = new LoadForecast.Noise();
    private final MoveLedger ledger;
    private final MovePlanner planner;
    private LoadSnapshot lastSnapshot;
    private List<Split> splits = List.of();

    public SheddingCore(SheddingConfig config) {
        this.config = config;
        this.ledger = new MoveLedger(config, models);
        this.planner = new MovePlanner(config, ledger);
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
        for (BundleLoad bundle : snapshot.bundles()) {
            owners.put(bundle.bundle(), bundle.broker());
            listedThroughput.merge(bundle.broker(), bundle.throughput(), Double::sum);
        }
        ledger.observe(snapshot, lastSnapshot, brokers, owners);

        models.keySet().retainAll(brokers.keySet());
        for (BrokerLoad broker : brokers.values()) {
            BrokerModel model = models.computeIfAbsent(broker.broker(), b -> new BrokerModel());
            if (broker.reportedAtMillis() <= model.lastReportMillis) {
                continue;
            }
            double throughput = Math.max(broker.throughput(), listedThroughput.getOrDefault(broker.broker(), 0.0));
            // A saturated broker reports the cap, not its demand: its bundles' throughput tells more.
            boolean clean = broker.load() < LoadForecast.SATURATED
                    && broker.reportedAtMillis() - config.settleMillis() >= model.lastChangeMillis;
            if (clean) {
                noise.trackInnovation(model, throughput, broker.load());
                model.addSample(broker.reportedAtMillis(), throughput, broker.load(), config.smoothingMillis());
            }
            if (!ledger.movedAround(broker.broker(), broker.reportedAtMillis())) {
                model.total = broker.throughput();
                model.totalLoad = broker.load();
                model.totalAtMillis = broker.reportedAtMillis();
                double listed = listedThroughput.getOrDefault(broker.broker(), 0.0);
                model.listedWithTotal = broker.throughput() > listed * (1 + LoadForecast.PARTIAL_LISTING)
                        ? listedOn(snapshot, broker.broker()) : Map.of();
            }
            model.lastReportMillis = broker.reportedAtMillis();
        }
        lastSnapshot = snapshot;
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
        MovePlanner.Plan plan = planner.plan(forecast(snapshot.nowMillis()));
        splits = plan.splits();
        return plan.moves();
    }

    /** {@link MovePlanner#worthwhilePrefix}, where this core's tests call it. */
    static int worthwhilePrefix(List<List<Move>> steps, List<Double> peaks, List<Boolean> unfinished,
                                double worth) {
        return MovePlanner.worthwhilePrefix(steps, peaks, unfinished, worth);
    }

    private LoadForecast forecast(long nowMillis) {
        return new LoadForecast(nowMillis, lastSnapshot, models, ledger, noise, config);
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
        MoveLedger.Pending planned = bundle == null ? null : ledger.plannedMove(bundle);
        if (planned != null && candidates.contains(planned.to())) {
            return Optional.of(planned.to());
        }
        if (lastSnapshot == null) {
            return candidates.stream().sorted().findFirst();
        }
        if (planned != null) {
            ledger.cancel(planned);
        }
        LoadForecast forecast = forecast(nowMillis);
        List<String> choices = new ArrayList<>();
        for (String candidate : candidates) {
            if (forecast.brokers().contains(candidate) && (planned == null || !candidate.equals(planned.from()))) {
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
        double t = forecast.bundleThroughput(bundle, throughput);
        String chosen = forecast.leastLoadedAfter(choices, t);
        ledger.placed(bundle, planned == null ? null : planned.from(), chosen, t, nowMillis);
        return Optional.of(chosen);
    }

    /**
     * Forgets brokers that left, and plans where all of their bundles go, largest first onto the broker predicted
     * least loaded after it: their owners' lookups then come in any order and still get a balanced result.
     */
    public synchronized void retainBrokers(Set<String> brokers, long nowMillis) {
        models.keySet().retainAll(brokers);
        ledger.retainDestinations(brokers);
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
        LoadForecast forecast = forecast(nowMillis);
        List<String> targets = forecast.activeBrokers();
        if (targets.isEmpty()) {
            return;
        }
        orphans.sort(Comparator.comparingDouble(BundleLoad::throughput).reversed());
        for (BundleLoad orphan : orphans) {
            String to = forecast.leastLoadedAfter(targets, orphan.throughput());
            forecast.add(new BundleLoad(orphan.bundle(), to, orphan.throughput()));
            ledger.placed(orphan.bundle(), orphan.broker(), to, orphan.throughput(), nowMillis);
        }
    }

    /** Predicted load of every broker in the latest snapshot, moves in flight included. */
    public synchronized Map<String, Double> predictedLoads(long nowMillis) {
        Map<String, Double> loads = new TreeMap<>();
        if (lastSnapshot != null) {
            LoadForecast forecast = forecast(nowMillis);
            forecast.brokers().forEach(b -> loads.put(b, forecast.load(b)));
        }
        return loads;
    }
}
