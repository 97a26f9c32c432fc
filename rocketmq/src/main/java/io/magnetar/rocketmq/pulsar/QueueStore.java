package io.magnetar.rocketmq.pulsar;

import io.magnetar.rocketmq.consume.EntryMessages;
import io.magnetar.rocketmq.consume.StoredMessage;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.apache.bookkeeper.mledger.AsyncCallbacks;
import org.apache.bookkeeper.mledger.Entry;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.ManagedLedger;
import org.apache.bookkeeper.mledger.ManagedLedgerException;
import org.apache.bookkeeper.mledger.Position;
import org.apache.pulsar.broker.intercept.ManagedLedgerInterceptorImpl;
import org.apache.pulsar.broker.service.BrokerService;
import org.apache.pulsar.broker.service.Subscription;
import org.apache.pulsar.broker.service.persistent.PersistentSubscription;
import org.apache.pulsar.broker.service.persistent.PersistentTopic;
import org.apache.pulsar.common.api.proto.CommandSubscribe.InitialPosition;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.pulsar.common.protocol.Commands;

/**
 * A RocketMQ queue over one Pulsar partition's managed ledger: offsets are broker-entry indexes (see the README),
 * reads go straight to the ledger, and a group's committed offset is its durable Pulsar subscription: the cursor's
 * mark-delete position (every entry wholly below the offset) plus the exact offset in the mark-delete properties,
 * so a committed offset inside a batch survives restarts too. When a Pulsar consumer moved the cursor (properties
 * gone), the offset is the first one after the mark-delete position.
 */
final class QueueStore {
    static final String OFFSET_PROPERTY = "rocketmq.offset";

    /** What a read found: messages from the requested offset on, and where the next read starts. */
    record Read(List<StoredMessage> messages, long nextOffset, long minOffset, long maxOffset) { }

    private final BrokerService brokers;

    QueueStore(BrokerService brokers) {
        this.brokers = brokers;
    }

    /** The queue's topic if it exists and is served here; never creates it. */
    CompletableFuture<Optional<PersistentTopic>> topic(TopicName queue) {
        return Ownership.afterLookupIfNotServed(brokers.getPulsar(), queue, () -> brokers.getTopic(queue.toString(),
                false)).thenApply(t -> t.filter(PersistentTopic.class::isInstance).map(PersistentTopic.class::cast));
    }

    /** One past the last offset written (0 for an empty queue). */
    static long maxOffset(PersistentTopic topic) {
        if (topic.getManagedLedger().getManagedLedgerInterceptor() instanceof ManagedLedgerInterceptorImpl i) {
            return i.getIndex() + 1;
        }
        throw new IllegalStateException("topic " + topic.getName() + " has no entry index (brokerEntryMetadataInterceptors)");
    }

    /** The first offset still stored (= max offset when the queue holds nothing). */
    CompletableFuture<Long> minOffset(PersistentTopic topic) {
        ManagedLedger ledger = topic.getManagedLedger();
        Position first = ledger.getFirstPosition();
        Position last = ledger.getLastConfirmedEntry();
        if (first == null || last == null || last.getEntryId() < 0 && first.compareTo(last) >= 0) {
            return CompletableFuture.completedFuture(maxOffset(topic));
        }
        Position firstEntry = ledger.getNextValidPosition(first);
        if (firstEntry.compareTo(last) > 0) {
            return CompletableFuture.completedFuture(maxOffset(topic));
        }
        return readEntry(ledger, firstEntry).thenApply(data -> {
            long index = data.lastOffset;
            return index < 0 ? 0 : index - data.count + 1;
        });
    }

    /** Up to {@code max} messages from {@code offset} on. */
    CompletableFuture<Read> read(PersistentTopic topic, long offset, int max) {
        long maxOffset = maxOffset(topic);
        return minOffset(topic).thenCompose(min -> {
            if (offset >= maxOffset) {
                return CompletableFuture.completedFuture(new Read(List.of(), offset, min, maxOffset));
            }
            long from = Math.max(offset, min);
            ManagedLedger ledger = topic.getManagedLedger();
            return entryContaining(ledger, from).thenCompose(start -> {
                List<StoredMessage> out = new ArrayList<>(max);
                return readFrom(ledger, start, from, max, out).thenApply(next ->
                        new Read(out, out.isEmpty() ? next : out.get(out.size() - 1).offset() + 1, min, maxOffset));
            });
        });
    }

    private CompletableFuture<Long> readFrom(ManagedLedger ledger, Position position, long from, int max,
            List<StoredMessage> out) {
        if (out.size() >= max || position.compareTo(ledger.getLastConfirmedEntry()) > 0) {
            return CompletableFuture.completedFuture(from);
        }
        return readMessages(ledger, position, from).thenCompose(messages -> {
            long next = from;
            for (StoredMessage m : messages) {
                if (out.size() < max) {
                    out.add(m);
                    next = m.offset() + 1;
                }
            }
            if (out.size() >= max) {
                return CompletableFuture.completedFuture(next);
            }
            return readFrom(ledger, ledger.getNextValidPosition(position), next, max, out);
        });
    }

    /** The first entry whose last offset is at or past {@code offset} (the first entry if none is before it). */
    private static CompletableFuture<Position> entryContaining(ManagedLedger ledger, long offset) {
        return ledger.asyncFindPosition(releasing(entry -> {
            long last = EntryMessages.lastOffset(entry.getDataBuffer());
            return last >= 0 && last < offset;
        })).thenApply(p -> p == null ? ledger.getNextValidPosition(ledger.getFirstPosition()) : p);
    }

    /** The first offset of the first entry published at or after {@code timestamp}. */
    CompletableFuture<Long> searchByTime(PersistentTopic topic, long timestamp) {
        ManagedLedger ledger = topic.getManagedLedger();
        long maxOffset = maxOffset(topic);
        return ledger.asyncFindPosition(releasing(entry -> EntryMessages.publishTime(entry.getDataBuffer()) < timestamp))
                .thenCompose(p -> {
                    Position position = p == null ? ledger.getNextValidPosition(ledger.getFirstPosition()) : p;
                    if (position.compareTo(ledger.getLastConfirmedEntry()) > 0) {
                        return CompletableFuture.completedFuture(maxOffset);
                    }
                    return readEntry(ledger, position).thenApply(e -> e.publishTime < timestamp ? maxOffset
                            : Math.max(0, e.lastOffset - e.count + 1));
                });
    }

    /** The group's committed offset, or empty when the group has no subscription on this queue. */
    CompletableFuture<Optional<Long>> committed(PersistentTopic topic, String subscription) {
        PersistentSubscription sub = topic.getSubscription(subscription);
        if (sub == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        ManagedCursor cursor = sub.getCursor();
        Long exact = cursor.getProperties().get(OFFSET_PROPERTY);
        if (exact != null) {
            return CompletableFuture.completedFuture(Optional.of(exact));
        }
        ManagedLedger ledger = topic.getManagedLedger();
        Position markDeleted = cursor.getMarkDeletedPosition();
        if (markDeleted.getEntryId() < 0 || markDeleted.compareTo(ledger.getFirstPosition()) <= 0) {
            return minOffset(topic).thenApply(Optional::of);
        }
        return readEntry(ledger, markDeleted).thenApply(e -> Optional.of(e.lastOffset + 1));
    }

    /**
     * Stores {@code offset} as the group's progress: creates the durable subscription if needed, marks deleted
     * every entry wholly below the offset. A commit below the current mark-delete position keeps the position
     * (resets are a later slice).
     */
    CompletableFuture<Void> commit(PersistentTopic topic, String subscription, long offset) {
        return subscription(topic, subscription).thenCompose(sub -> {
            ManagedLedger ledger = topic.getManagedLedger();
            ManagedCursor cursor = sub.getCursor();
            long maxOffset = maxOffset(topic);
            CompletableFuture<Position> below = offset >= maxOffset
                    ? CompletableFuture.completedFuture(ledger.getLastConfirmedEntry())
                    : entryContaining(ledger, offset).thenApply(ledger::getPreviousPosition);
            return below.thenCompose(position -> {
                Position target = position.compareTo(cursor.getMarkDeletedPosition()) < 0
                        ? cursor.getMarkDeletedPosition() : position;
                CompletableFuture<Void> done = new CompletableFuture<>();
                cursor.asyncMarkDelete(target, Map.of(OFFSET_PROPERTY, offset), new AsyncCallbacks.MarkDeleteCallback() {
                    @Override
                    public void markDeleteComplete(Object ctx) {
                        done.complete(null);
                    }

                    @Override
                    public void markDeleteFailed(ManagedLedgerException exception, Object ctx) {
                        done.completeExceptionally(exception);
                    }
                }, null);
                return done;
            });
        });
    }

    private static CompletableFuture<PersistentSubscription> subscription(PersistentTopic topic, String name) {
        PersistentSubscription existing = topic.getSubscription(name);
        if (existing != null) {
            return CompletableFuture.completedFuture(existing);
        }
        CompletableFuture<Subscription> created = topic.createSubscription(name, InitialPosition.Earliest, false,
                Map.of());
        return created.thenApply(PersistentSubscription.class::cast);
    }

    private record EntryFacts(long lastOffset, int count, long publishTime) { }

    private static CompletableFuture<EntryFacts> readEntry(ManagedLedger ledger, Position position) {
        return read(ledger, position, data -> {
            ByteBuf view = data.duplicate();
            long index = EntryMessages.lastOffset(view);
            Commands.skipBrokerEntryMetadataIfExist(view);
            MessageMetadata md = Commands.parseMessageMetadata(view);
            return new EntryFacts(index, md.hasNumMessagesInBatch() ? md.getNumMessagesInBatch() : 1,
                    md.getPublishTime());
        });
    }

    private static CompletableFuture<List<StoredMessage>> readMessages(ManagedLedger ledger, Position position,
            long from) {
        return read(ledger, position, data -> {
            try {
                return EntryMessages.read(data, from);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * A search predicate that releases each entry it is given: the managed ledger's find (OpFindNewest) hands every
     * entry it reads to the predicate and never releases it itself.
     */
    private static Predicate<Entry> releasing(Predicate<Entry> test) {
        return entry -> {
            try {
                return test.test(entry);
            } finally {
                entry.release();
            }
        };
    }

    private interface EntryFunction<T> {
        T apply(ByteBuf data);
    }

    private static <T> CompletableFuture<T> read(ManagedLedger ledger, Position position, EntryFunction<T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        ledger.asyncReadEntry(position, new AsyncCallbacks.ReadEntryCallback() {
            @Override
            public void readEntryComplete(Entry entry, Object ctx) {
                try {
                    result.complete(f.apply(entry.getDataBuffer()));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                } finally {
                    entry.release();
                }
            }

            @Override
            public void readEntryFailed(ManagedLedgerException exception, Object ctx) {
                result.completeExceptionally(exception);
            }
        }, null);
        return result;
    }
}
