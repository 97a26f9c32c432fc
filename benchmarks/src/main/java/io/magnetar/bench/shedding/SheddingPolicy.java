package io.magnetar.bench.shedding;

import java.util.List;

/**
 * One contender, Magnetar's or a built-in, behind the load manager glue it runs under. The simulation feeds every
 * policy the same broker samples and events and executes what it returns.
 */
interface SheddingPolicy {
    /** A bundle to move now. */
    record Transfer(String bundle, String from, String to) {
    }

    String name();

    /** A broker's load reporter runs (every 5 s) with the broker's latest sample; {@code fresh} when it is new. */
    void onReporterTick(World.Sample sample, boolean fresh, long now);

    /** A broker left the cluster (its bundles will be assigned next). */
    void onBrokerLeft(String broker, long now);

    /** One shedding cycle (every minute): the unloads to execute, with their destination. */
    List<Transfer> shed(long now);

    /** Bundles the latest shedding cycle found too hot for any broker (only Magnetar tells). */
    default List<String> splitSuggestions() {
        return List.of();
    }

    /** Assigns an unowned bundle (after its broker left) to a broker. */
    String assign(String bundle, long now);
}
