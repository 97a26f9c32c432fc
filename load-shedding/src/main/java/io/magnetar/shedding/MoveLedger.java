package io.magnetar.shedding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link SheddingCore} remembers of ownership changes: its moves and placements not yet visible in reports
 * ({@code pending}), all of them of the last {@link #PENDING_EXPIRY_MILLIS} ({@code moved}), each bundle's last move
 * (dwell time, no move back), the changes it did not plan, and the last throughput seen of each bundle. Every change
 * to or from a broker marks its model ({@link #touch}), so reports taken across the change are not fitted.
 */
final class MoveLedger {
    /** Reservations and moves never confirmed by reports are forgotten after this. */
    static final long PENDING_EXPIRY_MILLIS = 20 * 60_000;
    /** How long the imbalance left by a load manager placing a departed broker's bundles counts as real. */
    static final long ORPHANS_SETTLE_MILLIS = 10 * 60_000;

    /** A move or placement decided but not yet visible in the destination's settled report. */
    record Pending(String bundle, String from, String to, double throughput, long atMillis) {
    }

    private record BundleHistory(long movedAtMillis, String movedFrom) {
    }

    private final SheddingConfig config;
    private final Map<String, BrokerModel> models;
    private final Map<String, BundleHistory> histories = new HashMap<>();
    private final List<Pending> pending = new ArrayList<>();
    /** Moves and placements of the last {@link #PENDING_EXPIRY_MILLIS}, confirmed or not. */
    private final List<Pending> moved = new ArrayList<>();
    /** Last reported throughput and when, kept a while after a bundle leaves the reports (its broker died). */
    private final Map<String, double[]> lastSeenThroughput = new HashMap<>();
    /** When a broker was last seen gone whose bundles this core did not place (the load manager did). */
    private long orphansPlacedAt = Long.MIN_VALUE;

    /** @param models the brokers' models, whose change time {@link #touch} sets */
    MoveLedger(SheddingConfig config, Map<String, BrokerModel> models) {
        this.config = config;
        this.models = models;
    }

    /**
     * Takes in a snapshot: expires old entries, remembers each bundle's throughput, notes the ownership changes not
     * planned here and drops the pending moves the reports settled.
     *
     * @param previous the snapshot before, null for the first
     * @param brokers the snapshot's brokers by name
     * @param owners each listed bundle's broker
     */
    void observe(LoadSnapshot snapshot, LoadSnapshot previous, Map<String, BrokerLoad> brokers,
                 Map<String, String> owners) {
        long now = snapshot.nowMillis();
        lastSeenThroughput.values().removeIf(seen -> now - seen[1] > PENDING_EXPIRY_MILLIS);
        moved.removeIf(m -> now - m.atMillis() > PENDING_EXPIRY_MILLIS);
        for (BundleLoad bundle : snapshot.bundles()) {
            lastSeenThroughput.put(bundle.bundle(), new double[] {bundle.throughput(), now});
        }
        noteUnplannedChanges(now, previous, brokers, owners);
        reconcilePending(now, brokers, owners);
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
    private void noteUnplannedChanges(long now, LoadSnapshot previous, Map<String, BrokerLoad> brokers,
                                      Map<String, String> owners) {
        if (previous == null) {
            return;
        }
        Set<String> before = new HashSet<>(); // retainBrokers already dropped the brokers it was told about
        for (BrokerLoad broker : previous.brokers()) {
            before.add(broker.broker());
        }
        if (!brokers.keySet().containsAll(before)) {
            // A broker left and its bundles were not placed through this core (retainBrokers was not called).
            orphansPlacedAt = now;
            brokers.keySet().forEach(b -> touch(b, now));
            return;
        }
        for (BundleLoad bundle : previous.bundles()) {
            String owner = owners.get(bundle.bundle());
            if (owner == null || owner.equals(bundle.broker())) {
                continue;
            }
            boolean planned = false;
            for (Pending p : pending) {
                planned |= bundle.bundle().equals(p.bundle()) && owner.equals(p.to());
            }
            if (!planned) {
                touch(bundle.broker(), now);
                touch(owner, now);
            }
        }
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

    /** Whether a broker whose bundles the load manager placed left less than {@link #ORPHANS_SETTLE_MILLIS} ago. */
    boolean orphansSettling(long now) {
        return orphansPlacedAt != Long.MIN_VALUE && now - orphansPlacedAt <= ORPHANS_SETTLE_MILLIS;
    }

    /** Whether the ledger lets the bundle go to {@code to} now: not in flight, dwelled, not straight back. */
    boolean movable(BundleLoad bundle, String to, long now) {
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

    /** A move this core decided: in flight from now, and in the bundle's history. */
    void record(Move move, long now) {
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

    /** A placement this core decided (a bundle with no owner, or a departed broker's): in flight from now. */
    void placed(String bundle, String from, String to, double throughput, long now) {
        Pending p = new Pending(bundle, from, to, throughput, now);
        pending.add(p);
        moved.add(p);
        touch(to, now);
    }

    /** The latest move in flight of the bundle ({@code from} known), or null. */
    Pending plannedMove(String bundle) {
        Pending planned = null;
        for (Pending p : pending) {
            if (bundle.equals(p.bundle()) && p.from() != null) {
                planned = p;
            }
        }
        return planned;
    }

    /** Drops one move in flight (its bundle is being placed elsewhere). */
    void cancel(Pending move) {
        pending.remove(move);
    }

    /** Drops what is in flight to brokers that left. */
    void retainDestinations(Set<String> brokers) {
        pending.removeIf(p -> !brokers.contains(p.to()));
    }

    List<Pending> pending() {
        return pending;
    }

    List<Pending> moved() {
        return moved;
    }

    /** The bundle's throughput as last reported, null if not seen in the last {@link #PENDING_EXPIRY_MILLIS}. */
    Double lastSeenThroughput(String bundle) {
        double[] seen = lastSeenThroughput.get(bundle);
        return seen == null ? null : seen[0];
    }

    /**
     * An ownership change to or from the broker, this core's move or placement or someone else's (the load manager
     * placing a departed broker's bundles): its reports are not fitted until the change has settled.
     */
    void touch(String broker, long now) {
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
    boolean movedAround(String broker, long atMillis) {
        for (Pending m : moved) {
            if ((broker.equals(m.from()) || broker.equals(m.to())) && m.atMillis() < atMillis
                    && m.atMillis() >= atMillis - config.settleMillis()) {
                return true;
            }
        }
        return false;
    }
}
