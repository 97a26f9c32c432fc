package io.magnetar.bench.delayed;

import java.time.Clock;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTracker;

/**
 * One tracker implementation under test, built the way its factory builds it in the broker. Everything the
 * benchmark does to a tracker goes through Pulsar's {@link DelayedDeliveryTracker} interface; this only adds what
 * a factory and its storage would know.
 */
interface Contender extends AutoCloseable {
    String name();

    /**
     * A new tracker for the dispatcher's subscription. For a persistent tracker this is also the recovery after an
     * unload: it starts from whatever its storage holds for the subscription.
     */
    DelayedDeliveryTracker newTracker(BenchDispatcher dispatcher, Clock clock) throws Exception;

    /** Returns once the tracker's own recovery has finished (Magnetar's runs in the background). */
    default void awaitRecovered(DelayedDeliveryTracker tracker) throws InterruptedException {
    }

    /** Entries read from storage so far (BookKeeper entries in the broker); 0 for a tracker with no storage. */
    default long entriesRead() {
        return 0;
    }

    /** Heap the stand-in storage itself holds (it stands for BookKeeper, not for the tracker). */
    default long storageHeapBytes() {
        return 0;
    }

    /** Bytes the tracker has persisted (would be in BookKeeper). */
    default long persistedBytes() {
        return 0;
    }

    default void awaitStorageIdle() throws InterruptedException {
    }

    @Override
    void close() throws Exception;
}
