package io.magnetar.shedding;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Plans one cycle's moves on a {@link LoadForecast}: drained brokers first, then, once the trigger band starts a
 * plan, greedy steps toward the target band (each the single move, or swap, that helps the most loaded source),
 * cut to the prefix worth its unloads. Keeps the hysteresis state across cycles; records the moves it returns in
 * the {@link MoveLedger}.
 */
final class MovePlanner {
    /** Sources and destinations considered per step. */
    private static final int PAIR_WIDTH = 3;
    /** Why: the disruption of a move is worth a real cut of the peak, not a top-up within the noise. */
    static final double BENEFIT_PER_MOVE = 1.0;

    /** One cycle's moves, and the bundles found too hot for any broker. */
    record Plan(List<Move> moves, List<Split> splits) {
    }

    private final SheddingConfig config;
    private final MoveLedger ledger;
    /** Bundles already in the plan being built. */
    private final Set<String> planning = new HashSet<>();
    /** A plan started and not yet balanced: planning goes on without waiting for the trigger again. */
    private boolean balancing;

    MovePlanner(SheddingConfig config, MoveLedger ledger) {
        this.config = config;
        this.ledger = ledger;
    }

    /** The moves to make now (recorded in the ledger), planned on {@code forecast}, which they are applied to. */
    Plan plan(LoadForecast forecast) {
        long now = forecast.now();
        List<Move> moves = new ArrayList<>();
        if (forecast.brokers().size() < 2) {
            return new Plan(moves, List.of());
        }
        int budget = config.maxMovesPerCycle();
        budget -= drain(forecast, moves, budget);
        List<String> active = forecast.activeBrokers();
        if (active.isEmpty()) {
            return new Plan(moves, List.of());
        }
        double level = forecast.level(active);
        // The imbalance a load manager's placement of a departed broker's bundles left is real, not noise or
        // drift, and the few reports the leader has would hide it behind the noise prior: the bands get a third of
        // their usual floor, and a deviation needs no margin over the noise to start a plan.
        boolean orphansSettling = ledger.orphansSettling(now);
        double gapFloor = orphansSettling ? config.minGap() / 3 : config.minGap();
        double triggerBand = Math.max(config.triggerFraction() * level, gapFloor);
        double targetBand = triggerBand * config.targetFraction() / config.triggerFraction();
        List<Split> splits = forecast.tooHotToMove(active, level, triggerBand);
        boolean start = orphansSettling ? forecast.maxDeviation(active, level) > targetBand
                : forecast.significantDeviation(active, level) > triggerBand;
        if (!balancing && start) {
            balancing = true;
        }
        if (balancing) {
            Move.Reason reason = orphansSettling ? Move.Reason.ORPHANS : Move.Reason.TRIGGER;
            // Plan greedily to the target band on the forecast, then keep only the moves that pay for themselves.
            List<List<Move>> steps = new ArrayList<>();
            List<Double> peaks = new ArrayList<>();
            List<Boolean> unfinished = new ArrayList<>();
            peaks.add(forecast.maxDeviation(active, level));
            unfinished.add(forecast.unfinished(active, level, triggerBand));
            int planBudget = budget;
            planning.clear();
            while (planBudget > 0) {
                List<Move> step = bestStep(forecast, active, level, targetBand, planBudget, reason);
                if (step.isEmpty()) {
                    break;
                }
                for (Move move : step) {
                    forecast.apply(move);
                    planning.add(move.bundle()); // not picked again in this plan
                }
                planBudget -= step.size();
                steps.add(step);
                peaks.add(forecast.maxDeviation(active, level));
                unfinished.add(forecast.unfinished(active, level, triggerBand));
            }
            planning.clear();
            double worth = Math.max(targetBand, gapFloor) * BENEFIT_PER_MOVE;
            int keep = worthwhilePrefix(steps, peaks, unfinished, worth);
            for (List<Move> step : steps.subList(0, keep)) {
                for (Move move : step) {
                    ledger.record(move, now);
                    moves.add(move);
                }
            }
            boolean exhausted = keep == steps.size() && planBudget == 0 && peaks.get(keep) > targetBand;
            if (!exhausted) {
                balancing = false; // balanced, or nothing more worth moving: wait for the trigger again
            }
        }
        return new Plan(moves, splits);
    }

    /**
     * How many planned steps to make: all those up to the first state that is not {@code unfinished} (see
     * {@link LoadForecast#unfinished}); past that, the longest run of prefixes each of whose extensions lowers the
     * cluster's peak (the largest excess over the level) by at least {@code worth} per unload on average. Measured
     * over the best extension, not step by step, since the peak only drops once every broker sharing it has shed
     * (the loaded brokers when one joins). The tail this cuts is top-ups that buy a fraction of a point each.
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

    /** Moves the drained brokers' bundles, largest first, each onto the active broker least loaded after it. */
    private int drain(LoadForecast forecast, List<Move> moves, int budget) {
        int used = 0;
        List<String> targets = forecast.activeBrokers();
        if (targets.isEmpty()) {
            return 0;
        }
        for (String broker : forecast.brokers()) {
            if (!config.drainBrokers().contains(broker)) {
                continue;
            }
            List<BundleLoad> bundles = new ArrayList<>(forecast.bundlesOn(broker));
            bundles.sort(Comparator.comparingDouble(BundleLoad::throughput).reversed());
            for (BundleLoad bundle : bundles) {
                if (used == budget) {
                    return used;
                }
                String to = forecast.leastLoadedAfter(targets, bundle.throughput());
                Move move = new Move(bundle.bundle(), broker, to, bundle.throughput(), Move.Reason.DRAIN);
                forecast.apply(move);
                ledger.record(move, forecast.now());
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
     *
     * @param reason the reason of a single move whose source is not overloaded
     */
    private List<Move> bestStep(LoadForecast forecast, List<String> active, double level, double targetBand,
                                int budget, Move.Reason reason) {
        List<String> byDeviation = new ArrayList<>(active);
        byDeviation.sort(Comparator.comparingDouble((String b) -> forecast.deviation(b, level)).thenComparing(b -> b));
        for (int si = byDeviation.size() - 1; si > 0; si--) {
            String source = byDeviation.get(si);
            double sourceDev = forecast.deviation(source, level);
            if (sourceDev <= targetBand) {
                break;
            }
            Move.Reason why = forecast.load(source) > config.overloadThreshold() ? Move.Reason.OVERLOAD : reason;
            List<Move> step = bestStepFrom(forecast, source, sourceDev, byDeviation, level, targetBand, budget, why);
            if (!step.isEmpty()) {
                return step;
            }
        }
        return List.of();
    }

    private List<Move> bestStepFrom(LoadForecast forecast, String source, double sourceDev, List<String> byDeviation,
                                    double level, double targetBand, int budget, Move.Reason reason) {
        double ks = forecast.slope(source);
        int width = Math.min(PAIR_WIDTH, byDeviation.size() - 1);
        List<String> dests = new ArrayList<>();
        for (String b : byDeviation) {
            if (dests.size() < width && !b.equals(source) && forecast.deviation(b, level) < targetBand) {
                dests.add(b);
            }
        }
        long now = forecast.now();
        Move best = null;
        boolean bestFinishes = false;
        double bestScore = Double.POSITIVE_INFINITY;
        for (String dest : dests) {
            double destDev = forecast.deviation(dest, level);
            double kd = forecast.slope(dest);
            for (BundleLoad x : forecast.bundlesOn(source)) {
                if (!movable(x, dest, now)) {
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
                    best = new Move(x.bundle(), source, dest, x.throughput(), reason);
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
            double destDev = forecast.deviation(dest, level);
            double kd = forecast.slope(dest);
            for (BundleLoad x : forecast.bundlesOn(source)) {
                if (!movable(x, dest, now)) {
                    continue;
                }
                for (BundleLoad y : forecast.bundlesOn(dest)) {
                    double net = x.throughput() - y.throughput();
                    if (net <= 0 || !movable(y, source, now)) {
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
                        swap = List.of(new Move(x.bundle(), source, dest, x.throughput(), Move.Reason.SWAP),
                                new Move(y.bundle(), dest, source, y.throughput(), Move.Reason.SWAP));
                    }
                }
            }
        }
        return swap;
    }

    private boolean movable(BundleLoad bundle, String to, long now) {
        return bundle.throughput() > 0 && !planning.contains(bundle.bundle()) && ledger.movable(bundle, to, now);
    }
}
