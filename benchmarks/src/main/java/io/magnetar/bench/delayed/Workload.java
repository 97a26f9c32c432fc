package io.magnetar.bench.delayed;

/**
 * Where message {@code seq} of a topic sits and when it is due. Positions fill ledgers of {@code entriesPerLedger}
 * entries in publish order; delays are a pure function of (seed, seq), so every tracker sees the same messages and
 * a rebuild can regenerate them without keeping arrays.
 */
final class Workload {
    static final long FIRST_LEDGER = 1_000;

    final int entriesPerLedger;
    private final long seed;

    Workload(int entriesPerLedger, long seed) {
        this.entriesPerLedger = entriesPerLedger;
        this.seed = seed;
    }

    long ledger(long seq) {
        return FIRST_LEDGER + seq / entriesPerLedger;
    }

    long entry(long seq) {
        return seq % entriesPerLedger;
    }

    long seq(long ledgerId, long entryId) {
        return (ledgerId - FIRST_LEDGER) * entriesPerLedger + entryId;
    }

    /** Uniform in [0, bound). */
    long uniform(long seq, long bound) {
        long z = seed + (seq + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return Math.floorMod(z, bound);
    }
}
