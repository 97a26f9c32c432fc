package io.magnetar.retry.pulsar;

import io.magnetar.plugin.MessageProperties;
import io.magnetar.retry.RetryDecision;
import io.magnetar.retry.RetryPolicy;
import io.magnetar.retry.RetryProperties;
import io.magnetar.timerlog.TimerRecord;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.apache.bookkeeper.mledger.AsyncCallbacks;
import org.apache.bookkeeper.mledger.Entry;
import org.apache.bookkeeper.mledger.ManagedLedger;
import org.apache.bookkeeper.mledger.ManagedLedgerException;
import org.apache.bookkeeper.mledger.Position;
import org.apache.pulsar.broker.service.persistent.PersistentSubscription;
import org.apache.pulsar.common.allocator.PulsarByteBufAllocator;
import org.apache.pulsar.common.api.proto.CommandAck.AckType;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.pulsar.common.protocol.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the failed messages of a subscription (negative acknowledgements, acknowledgement timeouts): each
 * message becomes a record in the topic's timer log — a redelivery copy due after its back-off, or a dead letter
 * — and only once every record of an entry is stored is the entry acknowledged on the subscription. A crash in
 * between leaves the entry unacknowledged (redelivered as Pulsar does), never in neither place.
 */
public final class FailedMessages {
    private static final Logger log = LoggerFactory.getLogger(FailedMessages.class);

    /** Where the records go: the topic's timer log, and the steps it knows were taken. */
    public interface ScheduleLog {
        CompletableFuture<Position> hold(ByteBuf record, long dueAtMillis);

        /** Completes once the log is recovered (its recent steps known). */
        CompletableFuture<Void> ready();

        FailureSteps steps();
    }

    /** Counters shared by the topics of a broker. */
    public record Counters(LongAdder redeliveries, LongAdder deadLetters, LongAdder fallbacks,
                           LongAdder repeatedSteps) { }

    private final String topic;
    private final int partition;
    private final ManagedLedger ledger;
    private final ScheduleLog scheduleLog;
    private final Counters counters;

    public FailedMessages(String topic, ManagedLedger ledger, ScheduleLog scheduleLog, Counters counters) {
        this.topic = topic;
        this.partition = TopicName.get(topic).getPartitionIndex();
        this.ledger = ledger;
        this.scheduleLog = scheduleLog;
        this.counters = counters;
    }

    /** Completes with the positions it did not take over; the caller redelivers those as Pulsar does. */
    public CompletableFuture<List<Position>> fail(PersistentSubscription subscription, List<Position> positions,
                                                  RetryPolicy policy, boolean backoff, boolean deadLetter) {
        return scheduleLog.ready().thenCompose(ignored -> failWhenReady(subscription, positions, policy, backoff,
                deadLetter));
    }

    /** The identity of a failure step: subscription, original message, re-drives, and the reconsume it became. */
    public static String step(boolean deadLetter, String subscription, String origin, String redrives,
                              String reconsumeTimes) {
        return subscription + '\u0000' + origin + '\u0000' + (redrives == null ? "0" : redrives) + '\u0000'
                + (deadLetter ? "dlq" : reconsumeTimes);
    }

    private CompletableFuture<List<Position>> failWhenReady(PersistentSubscription subscription,
                                                            List<Position> positions, RetryPolicy policy,
                                                            boolean backoff, boolean deadLetter) {
        List<CompletableFuture<Position>> outcomes = new ArrayList<>(positions.size());
        long now = System.currentTimeMillis();
        for (Position position : positions) {
            outcomes.add(read(position).thenCompose(entry -> {
                try {
                    return takeOver(subscription, entry, policy, backoff, deadLetter, now);
                } finally {
                    entry.release();
                }
            }).handle((takenOver, error) -> {
                if (error != null) {
                    Throwable cause = error instanceof java.util.concurrent.CompletionException
                            && error.getCause() != null ? error.getCause() : error;
                    if (cause instanceof ManagedLedgerException) {
                        log.warn("[{}][{}] Could not take over failed message {}; redelivering it as Pulsar does: {}",
                                topic, subscription.getName(), position, cause.toString());
                    } else {
                        log.warn("[{}][{}] Could not take over failed message {}; redelivering it as Pulsar does",
                                topic, subscription.getName(), position, cause);
                    }
                }
                return takenOver != null && takenOver ? null : position;
            }));
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            List<Position> leftover = new ArrayList<>();
            List<Position> done = new ArrayList<>();
            for (int i = 0; i < positions.size(); i++) {
                Position left = outcomes.get(i).join();
                if (left == null) {
                    done.add(positions.get(i));
                } else {
                    leftover.add(left);
                }
            }
            if (!done.isEmpty()) {
                subscription.acknowledgeMessage(done, AckType.Individual, Collections.emptyMap());
            }
            counters.fallbacks().add(leftover.size());
            return leftover;
        });
    }

    private CompletableFuture<Entry> read(Position position) {
        return readEntry(ledger, position);
    }

    /** One entry of a managed ledger, as a future (the caller releases it). */
    public static CompletableFuture<Entry> readEntry(ManagedLedger ledger, Position position) {
        CompletableFuture<Entry> read = new CompletableFuture<>();
        ledger.asyncReadEntry(position, new AsyncCallbacks.ReadEntryCallback() {
            @Override
            public void readEntryComplete(Entry entry, Object ctx) {
                read.complete(entry);
            }

            @Override
            public void readEntryFailed(ManagedLedgerException exception, Object ctx) {
                read.completeExceptionally(exception);
            }
        }, null);
        return read;
    }

    /** Stores the records of one entry; true once all are stored, false when the entry is left to Pulsar. */
    private CompletableFuture<Boolean> takeOver(PersistentSubscription subscription, Entry entry, RetryPolicy policy,
                                                boolean backoff, boolean deadLetter, long now) {
        MessageMetadata metadata = Commands.peekMessageMetadata(entry.getDataBuffer(), topic, -1);
        if (metadata == null || metadata.hasMarkerType() || MessageCopies.encrypted(metadata)) {
            return CompletableFuture.completedFuture(false);
        }
        List<MessageCopies.Single> messages;
        try {
            messages = MessageCopies.split(entry.getDataBuffer(), entry.getLedgerId(), entry.getEntryId(), partition,
                    subscription.getCursor().getDeletedBatchIndexesAsLongArray(entry.getPosition()));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        String sub = subscription.getName();
        List<CompletableFuture<Position>> stored = new ArrayList<>(messages.size());
        try {
            for (MessageCopies.Single message : messages) {
                stored.add(store(message, sub, policy, backoff, deadLetter, now));
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            messages.forEach(m -> m.payload().release());
        }
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).thenApply(ignored -> true);
    }

    private CompletableFuture<Position> store(MessageCopies.Single message, String sub, RetryPolicy policy,
                                              boolean backoff, boolean deadLetter, long now) {
        RetryDecision decision = policy.onFailure(message.reconsumeTimes(), backoff, deadLetter, now);
        String redrives = MessageProperties.get(message.metadata(), RetryProperties.REDRIVES);
        String step = decision instanceof RetryDecision.Redeliver redeliver
                ? step(false, sub, message.originMessageId(), redrives, Integer.toString(redeliver.reconsumeTimes()))
                : step(true, sub, message.originMessageId(), redrives, null);
        if (!scheduleLog.steps().claim(step)) {
            // taken over before: its acknowledgement was lost (kill -9); acknowledging it again is all there is to do
            counters.repeatedSteps().increment();
            log.info("[{}][{}] Message {} failed again after a lost acknowledgement; not taken over twice", topic,
                    sub, message.originMessageId());
            return CompletableFuture.completedFuture(null);
        }
        ByteBuf record;
        long dueAt;
        if (decision instanceof RetryDecision.Redeliver redeliver) {
            dueAt = redeliver.dueAtMillis();
            ByteBuf copy = MessageCopies.copy(message, retryProperties(message, sub, redeliver.reconsumeTimes(), now),
                    sub);
            record = TimerRecord.encodeRedelivery(PulsarByteBufAllocator.DEFAULT, dueAt, copy);
            copy.release();
            counters.redeliveries().increment();
        } else {
            RetryDecision.DeadLetter dead = (RetryDecision.DeadLetter) decision;
            dueAt = now;
            String deadLetterTopic = policy.deadLetterTopicFor(topic, sub);
            ByteBuf copy = MessageCopies.copy(message, retryProperties(message, sub, dead.reconsumeTimes(), now),
                    null);
            record = TimerRecord.encodeDeadLetter(PulsarByteBufAllocator.DEFAULT, dueAt, deadLetterTopic, copy);
            copy.release();
            counters.deadLetters().increment();
            log.info("[{}][{}] Message {} failed after {} reconsumes: moving it to {}", topic, sub,
                    message.originMessageId(), dead.reconsumeTimes(), deadLetterTopic);
        }
        try {
            return scheduleLog.hold(record, dueAt).whenComplete((position, error) -> {
                if (error != null) {
                    scheduleLog.steps().release(step);
                }
            });
        } finally {
            record.release();
        }
    }

    private Map<String, String> retryProperties(MessageCopies.Single message, String subscription,
                                                int reconsumeTimes, long now) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(RetryProperties.RECONSUME_TIMES, Integer.toString(reconsumeTimes));
        properties.put(RetryProperties.REAL_TOPIC, topic);
        properties.put(RetryProperties.REAL_SUBSCRIPTION, subscription);
        properties.put(RetryProperties.ORIGIN_MESSAGE_ID, message.originMessageId());
        properties.put(RetryProperties.LAST_FAILURE_TIME, Long.toString(now));
        return properties;
    }
}
