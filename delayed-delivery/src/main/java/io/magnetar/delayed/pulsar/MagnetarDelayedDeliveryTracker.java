package io.magnetar.delayed.pulsar;

import io.magnetar.delayed.TopicDelayIndex;
import io.magnetar.delayed.WakeUp;
import java.time.Clock;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.Position;
import org.apache.bookkeeper.mledger.PositionFactory;
import org.apache.pulsar.broker.delayed.bucket.BucketDelayedDeliveryTracker;
import org.apache.pulsar.broker.delayed.bucket.BucketSnapshotStorage;
import org.apache.pulsar.broker.delayed.bucket.RecoverDelayedDeliveryTrackerException;
import org.apache.pulsar.broker.service.persistent.AbstractPersistentDispatcherMultipleConsumers;
import org.apache.pulsar.common.policies.data.stats.TopicMetricBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulsar's tracker contract over one subscription of a {@link TopicDelayIndex} (shared by the topic's
 * subscriptions on this broker). It extends {@link BucketDelayedDeliveryTracker} only
 * because Pulsar 4.0's dispatcher gives that class alone its read-skip ({@code containsMessage}): held entries are
 * not read from BookKeeper again on normal reads, which is what makes recovery cheap. Every method of the parent
 * is replaced; the parent's own buckets stay empty (its constructor only removes snapshots the Pulsar bucket
 * tracker may have left in the cursor, through {@link LegacyBucketSnapshotStorage}).
 *
 * <p>Precision: the wake-up is armed at the exact due time of the earliest message on a scheduled executor (no
 * tick), and a message is due when the clock reaches its time, never before; Pulsar's tick time and strict flag
 * are therefore not needed. The wake-up is re-armed at least every {@link #MAX_SLEEP_MILLIS} so that a wall-clock
 * jump forward is noticed.
 */
final class MagnetarDelayedDeliveryTracker extends BucketDelayedDeliveryTracker
        implements TopicDelayIndex.Listener {
    private static final Logger log = LoggerFactory.getLogger(MagnetarDelayedDeliveryTracker.class);
    static final long MAX_SLEEP_MILLIS = 5_000;

    private final AbstractPersistentDispatcherMultipleConsumers dispatcher;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final TopicDelayIndex.Subscription index;
    private final Runnable onClose;
    private final String name;
    private final WakeUp wakeUp;
    private boolean closed;

    /**
     * @param topicIndex joins the subscription to its topic's index (creating and recovering that index for the
     *     first subscription) and returns its view
     * @param onClose called once when the tracker closes, after the subscription left the topic index
     */
    MagnetarDelayedDeliveryTracker(AbstractPersistentDispatcherMultipleConsumers dispatcher,
                                   BucketSnapshotStorage legacyStorage, ScheduledExecutorService scheduler,
                                   Clock clock, TopicIndexJoin topicIndex, Runnable onClose)
            throws RecoverDelayedDeliveryTrackerException {
        super(dispatcher, null, 1, clock, true, legacyStorage, 1, 1, 1, 1);
        this.dispatcher = dispatcher;
        this.scheduler = scheduler;
        this.clock = clock;
        this.wakeUp = new WakeUp(scheduler, clock::millis, MAX_SLEEP_MILLIS, this::onWake);
        this.onClose = onClose;
        this.name = dispatcher.getTopic().getName() + " / " + dispatcher.getSubscription().getName();
        ManagedCursor cursor = dispatcher.getCursor();
        Position markDeleted = cursor.getMarkDeletedPosition();
        this.index = topicIndex.join(dispatcher.getSubscription().getName(),
                markDeleted == null ? -1 : markDeleted.getLedgerId(),
                markDeleted == null ? -1 : markDeleted.getEntryId(),
                (ledgerId, entryId) -> {
                    Position read = cursor.getReadPosition();
                    return ledgerId < read.getLedgerId()
                            || ledgerId == read.getLedgerId() && entryId < read.getEntryId();
                }, this);
        rearm();
    }

    /** Joins a subscription to its topic's index. */
    @FunctionalInterface
    interface TopicIndexJoin {
        TopicDelayIndex.Subscription join(String subscription, long markDeletedLedger, long markDeletedEntry,
                                          TopicDelayIndex.ReadProgress progress, TopicDelayIndex.Listener listener);
    }

    TopicDelayIndex.Subscription index() {
        return index;
    }

    @Override
    public boolean addMessage(long ledgerId, long entryId, long deliverAt) {
        if (deliverAt < 0) {
            return false;
        }
        boolean held;
        try {
            held = index.add(ledgerId, entryId, deliverAt);
        } catch (IllegalArgumentException e) {
            log.error("[{}] Cannot hold {}:{} until {}: {}; delivering it now", name, ledgerId, entryId, deliverAt,
                    e.getMessage());
            return false;
        }
        if (held) {
            rearm();
        }
        return held;
    }

    @Override
    public boolean containsMessage(long ledgerId, long entryId) {
        return index.contains(ledgerId, entryId);
    }

    @Override
    public boolean hasMessageAvailable() {
        boolean due = index.hasDue();
        if (!due) {
            rearm();
        }
        return due;
    }

    @Override
    public NavigableSet<Position> getScheduledMessages(int maxMessages) {
        NavigableSet<Position> positions = new TreeSet<>();
        index.pollDue(maxMessages, (ledgerId, entryId) -> positions.add(PositionFactory.create(ledgerId, entryId)));
        rearm();
        return positions;
    }

    @Override
    public long getNumberOfDelayedMessages() {
        return index.size();
    }

    /** This subscription's own part plus its share of the topic-level part. */
    @Override
    public long getBufferMemoryUsage() {
        TopicDelayIndex topic = index.topic();
        return index.memoryBytes() + topic.memoryBytes() / Math.max(1, topic.subscriptionCount());
    }

    /** Reads pause while the persisted index is being read back, so held entries are not read twice. */
    @Override
    public boolean shouldPauseAllDeliveries() {
        return index.recovering();
    }

    @Override
    public void resetTickTime(long tickTime) {
        // no tick: wake-ups are armed at exact due times
    }

    @Override
    protected long nextDeliveryTime() {
        return index.nextWakeMillis();
    }

    @Override
    public void run(io.netty.util.Timeout timeout) {
        // the parent's timer is never armed
    }

    @Override
    public CompletableFuture<Void> clear() {
        return index.clear();
    }

    @Override
    public Map<String, TopicMetricBean> genTopicMetricMap() {
        return Collections.emptyMap();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        wakeUp.cancel();
        index.leave();
        super.close();
        onClose.run();
    }

    @Override
    public void indexChanged() {
        if (index == null) {
            return; // still joining: the constructor arms the wake-up itself
        }
        rearm();
        // reads may have been paused for the recovery, and a loaded chunk may hold due messages
        wakeDispatcher();
    }

    @Override
    public void rebuildRequired() {
        log.warn("[{}] Rewinding the cursor to re-index delayed messages from the backlog", name);
        // off the store's callback thread: the rewind takes the dispatcher's lock, as Pulsar's own rewinds do
        scheduler.execute(() -> {
            synchronized (dispatcher) {
                dispatcher.getCursor().rewind();
            }
            dispatcher.readMoreEntriesAsync();
        });
    }

    private synchronized void rearm() {
        if (!closed && index != null) {
            wakeUp.at(index.nextWakeMillis());
        }
    }

    private void onWake() {
        try {
            index.maintain();
            if (index.hasDue()) {
                wakeDispatcher();
            }
        } catch (RuntimeException e) {
            log.error("[{}] Delayed index maintenance failed", name, e);
        }
        rearm();
    }

    /** Only schedules a read on the topic's executor: no lock needed, so store threads never wait here. */
    private void wakeDispatcher() {
        dispatcher.readMoreEntriesAsync();
    }
}
