package io.magnetar.shedding;

/** Unload {@code bundle} from {@code from} and assign it to {@code to}, for {@code reason}. */
public record Move(String bundle, String from, String to, double throughput, Reason reason) {
    /** Why a move was planned, as Pulsar's {@code UnloadDecision.Reason} says it; a label on logs and metrics. */
    public enum Reason {
        /** The source is listed in {@code magnetarSheddingDrainBrokers}. */
        DRAIN,
        /** The source is above the overload threshold. */
        OVERLOAD,
        /** The source is further above the level than the bands allow (a plan the trigger band started). */
        TRIGGER,
        /** As {@link #TRIGGER}, while a departed broker's bundles, placed by the load manager, settle. */
        ORPHANS,
        /** One half of a swap: no single bundle fitted any destination. */
        SWAP;

        /** Lower-case, as a metric label value. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A move toward the level ({@link Reason#TRIGGER}), the common case. */
    public Move(String bundle, String from, String to, double throughput) {
        this(bundle, from, to, throughput, Reason.TRIGGER);
    }
}
