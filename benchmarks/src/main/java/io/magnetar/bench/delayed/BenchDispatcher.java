package io.magnetar.bench.delayed;

import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.Position;
import org.apache.bookkeeper.mledger.PositionFactory;
import org.apache.pulsar.broker.delayed.DelayedDeliveryTracker;
import org.apache.pulsar.broker.service.Subscription;
import org.apache.pulsar.broker.service.Topic;
import org.apache.pulsar.broker.service.persistent.AbstractPersistentDispatcherMultipleConsumers;

/**
 * One subscription's dispatcher as the trackers see it: a name, a cursor whose properties survive the tracker (an
 * unload), and {@code readMoreEntriesAsync()} that runs the delayed part of Pulsar's {@code readMoreEntries} on
 * the dispatcher's own thread: skip while the tracker pauses deliveries, else when a message is available take a
 * batch of {@code dispatcherMaxReadBatchSize} and hand it out (no BookKeeper read, no consumer).
 */
final class BenchDispatcher implements AutoCloseable {
    /** Called on the dispatcher thread for every position handed out. */
    @FunctionalInterface
    interface Sink {
        void handedOut(long ledgerId, long entryId);
    }

    private final AbstractPersistentDispatcherMultipleConsumers dispatcher;
    private final Map<String, String> cursorProperties = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor thread;
    private final int batchSize;
    private volatile DelayedDeliveryTracker tracker;
    private volatile Sink sink = (ledgerId, entryId) -> { };
    private final Position markDeleted;
    private volatile Position readPosition;

    /** Nothing is acknowledged: the mark-delete position is just before the first entry of {@code firstLedger}. */
    BenchDispatcher(String topicName, String subscriptionName, int batchSize, long firstLedger) {
        this.markDeleted = PositionFactory.create(firstLedger, -1);
        this.readPosition = PositionFactory.create(firstLedger, 0);
        this.batchSize = batchSize;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "dispatcher-" + subscriptionName);
            t.setDaemon(true);
            return t;
        });
        ManagedCursor cursor = cursor(subscriptionName);
        // stubOnly: no invocation recording
        Topic topic = mock(Topic.class, withSettings().stubOnly());
        when(topic.getName()).thenReturn(topicName);
        Subscription subscription = mock(Subscription.class, withSettings().stubOnly());
        when(subscription.getName()).thenReturn(subscriptionName);
        dispatcher = mock(AbstractPersistentDispatcherMultipleConsumers.class, withSettings().stubOnly());
        when(dispatcher.getName()).thenReturn(topicName + " / " + subscriptionName);
        when(dispatcher.getCursor()).thenReturn(cursor);
        when(dispatcher.getTopic()).thenReturn(topic);
        when(dispatcher.getSubscription()).thenReturn(subscription);
        doAnswer(inv -> {
            readMoreEntriesAsync();
            return null;
        }).when(dispatcher).readMoreEntriesAsync();
    }

    /**
     * The cursor as a plain proxy (Magnetar's tracker asks for its read position on every hand-out, so it must be
     * cheap): properties, mark-delete and read position; anything else answers null, false or 0.
     */
    private ManagedCursor cursor(String subscriptionName) {
        return (ManagedCursor) Proxy.newProxyInstance(ManagedCursor.class.getClassLoader(),
                new Class<?>[] {ManagedCursor.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getName" -> subscriptionName;
                    case "getCursorProperties" -> cursorProperties;
                    case "putCursorProperty" -> {
                        cursorProperties.put((String) args[0], (String) args[1]);
                        yield CompletableFuture.completedFuture(null);
                    }
                    case "removeCursorProperty" -> {
                        cursorProperties.remove((String) args[0]);
                        yield CompletableFuture.completedFuture(null);
                    }
                    case "getMarkDeletedPosition" -> markDeleted;
                    case "getReadPosition" -> readPosition;
                    case "rewind" -> {
                        readPosition = PositionFactory.create(markDeleted.getLedgerId(),
                                markDeleted.getEntryId() + 1);
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "cursor " + subscriptionName;
                    default -> zero(method.getReturnType());
                });
    }

    private static Object zero(Class<?> type) {
        if (!type.isPrimitive() || type == void.class) {
            return null;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == double.class) {
            return 0.0;
        }
        return (byte) 0;
    }

    /** The cursor's reads have passed the position (read it, or skipped it as already held). */
    void readThrough(long ledgerId, long entryId) {
        readPosition = PositionFactory.create(ledgerId, entryId + 1);
    }

    AbstractPersistentDispatcherMultipleConsumers dispatcher() {
        return dispatcher;
    }

    ScheduledThreadPoolExecutor thread() {
        return thread;
    }

    void attach(DelayedDeliveryTracker tracker, Sink sink) {
        this.tracker = tracker;
        this.sink = sink;
    }

    DelayedDeliveryTracker tracker() {
        return tracker;
    }

    /** {@code trackDelayedDelivery}: false means deliver now. */
    boolean add(long ledgerId, long entryId, long deliverAt) {
        synchronized (dispatcher) {
            readThrough(ledgerId, entryId);
            return tracker.addMessage(ledgerId, entryId, deliverAt);
        }
    }

    void readMoreEntriesAsync() {
        if (!thread.isShutdown()) {
            thread.execute(this::readMoreEntries);
        }
    }

    /**
     * One pass of {@code readMoreEntries}, on the dispatcher thread: at most one batch under the dispatcher's
     * lock, as the broker takes one batch per call. After a non-empty batch the broker reads those entries and
     * calls {@code readMoreEntries} again when they are sent; here the next pass is queued at once.
     */
    void readMoreEntries() {
        DelayedDeliveryTracker t = tracker;
        if (t == null) {
            return;
        }
        synchronized (dispatcher) {
            if (t.shouldPauseAllDeliveries() || !t.hasMessageAvailable()) {
                return;
            }
            NavigableSet<Position> batch = t.getScheduledMessages(batchSize);
            if (batch.isEmpty()) {
                return;
            }
            for (Position p : batch) {
                sink.handedOut(p.getLedgerId(), p.getEntryId());
            }
        }
        readMoreEntriesAsync();
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
