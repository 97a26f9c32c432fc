package io.magnetar.transaction.pulsar;

import io.magnetar.plugin.MessageProperties;
import io.magnetar.timerlog.TimerRecord;
import io.magnetar.timerlog.pulsar.TopicScheduler;
import io.magnetar.topic.pulsar.TopicRuntime;
import io.magnetar.transaction.Resolution;
import io.magnetar.transaction.TransactionDecision;
import io.magnetar.transaction.TransactionProperties;
import io.magnetar.transaction.TransactionRules.Outcome;
import io.magnetar.transaction.TransactionRules;
import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.bookkeeper.mledger.Position;
import org.apache.bookkeeper.mledger.PositionFactory;
import org.apache.pulsar.broker.service.BrokerServiceException;
import org.apache.pulsar.common.allocator.PulsarByteBufAllocator;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.pulsar.common.protocol.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional half messages of one topic, kept in its timer log (record kind {@code HALF}, due at the next
 * check-back). The transaction id is the half's log position, which its producer's send returned.
 * <ul>
 *   <li>COMMIT appends it to the topic (the idempotent append of due messages) and then marks it done;
 *       ROLLBACK marks it done; UNKNOWN changes nothing.</li>
 *   <li>A resolution of a transaction already resolved the same way is ignored; the other way is refused. Outcomes
 *       are remembered while the topic stays loaded; after that, a late resolution of a resolved transaction is
 *       ignored.</li>
 *   <li>At its check time an unresolved half is offered to its group's check topic (any live producer of the group
 *       answers with a resolution), up to {@code magnetarTransactionCheckMax} times; the count is kept in the log
 *       cursor's properties, so restarts do not reset it. Then it moves to the namespace's check-max topic.</li>
 * </ul>
 */
public final class HalfMessages {
    private static final Logger log = LoggerFactory.getLogger(HalfMessages.class);
    /** Properties a committed message loses, as RocketMQ clears them. */
    public static final Set<String> CLEARED_ON_COMMIT = Set.of(TransactionProperties.HALF,
            TransactionProperties.CHECK_IMMUNITY_SECONDS);
    private static final String CHECKS_PREFIX = "txn-checks:";
    private static final int REMEMBERED_OUTCOMES = 100_000;


    private final TopicScheduler scheduler;
    private final TopicRuntime runtime;
    private final TopicName topicName;
    private final Map<Position, Integer> checks = new ConcurrentHashMap<>();
    private final Map<Position, Outcome> outcomes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Position, Outcome> eldest) {
            return size() > REMEMBERED_OUTCOMES;
        }
    };
    private final Map<Position, CompletableFuture<Position>> commits = new ConcurrentHashMap<>();
    /** When the last check of each checked, unresolved half went out (for the check-to-answer latency). */
    private final Map<Position, Long> checkedAt = new ConcurrentHashMap<>();
    private static final long RECENT_BYTES = 8L << 20;
    private final LinkedHashMap<Position, ByteBuf> recent = new LinkedHashMap<>();
    private long recentBytes;

    public HalfMessages(TopicScheduler scheduler, TopicRuntime runtime, TopicName topicName) {
        this.scheduler = scheduler;
        this.runtime = runtime;
        this.topicName = topicName;
    }

    public void loadCheckCounts(Map<String, String> cursorProperties) {
        cursorProperties.forEach((key, value) -> {
            if (key.startsWith(CHECKS_PREFIX)) {
                String[] parts = key.substring(CHECKS_PREFIX.length()).split(":");
                try {
                    checks.put(PositionFactory.create(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                            Integer.parseInt(value));
                } catch (RuntimeException e) {
                    log.warn("[{}] Ignoring unreadable check count {}={}", topicName, key, value);
                }
            }
        });
    }

    /** Applies a producer's resolution; completes with the transaction's position, or fails with the reason. */
    public CompletableFuture<Position> resolve(TransactionDecision.Resolve resolve) {
        Position txn = PositionFactory.create(resolve.ledgerId(), resolve.entryId());
        return scheduler.ready().thenCompose(ignored -> resolveWhenReady(txn, resolve));
    }

    private CompletableFuture<Position> resolveWhenReady(Position txn, TransactionDecision.Resolve resolve) {
        String id = resolve.transactionId(topicName.getPartitionIndex());
        Outcome known;
        synchronized (outcomes) {
            known = outcomes.get(txn);
        }
        if (known != null) {
            return alreadyResolved(txn, id, known, resolve.resolution());
        }
        if (!scheduler.inLog(txn)) {
            return refuse(id, "no such transaction on " + topicName);
        }
        if (scheduler.acknowledged(txn)) {
            runtime.transactionMetrics().resolutionsIgnored.increment();
            log.info("[{}] Transaction {} was resolved before; {} from group {} ignored", topicName, id,
                    resolve.resolution(), resolve.group());
            return CompletableFuture.completedFuture(txn);
        }
        if (resolve.resolution() == Resolution.UNKNOWN) {
            runtime.transactionMetrics().unknowns.increment();
            return CompletableFuture.completedFuture(txn);
        }
        ByteBuf cached = take(txn);
        if (cached != null) {
            try {
                return apply(txn, id, cached, resolve);
            } finally {
                cached.release();
            }
        }
        return scheduler.read(txn).thenCompose(entry -> {
            try {
                return apply(txn, id, entry.getDataBuffer(), resolve);
            } finally {
                entry.release();
            }
        });
    }

    /**
     * Keeps a just-stored half in memory (most are resolved within milliseconds), so that its resolution does not
     * read it back from BookKeeper; bounded, oldest dropped first. Takes over the caller's reference.
     */
    public void remember(Position txn, ByteBuf record) {
        synchronized (recent) {
            ByteBuf previous = recent.put(txn, record);
            recentBytes += record.readableBytes();
            if (previous != null) {
                recentBytes -= previous.readableBytes();
                previous.release();
            }
            var eldest = recent.entrySet().iterator();
            while (recentBytes > RECENT_BYTES && eldest.hasNext()) {
                ByteBuf dropped = eldest.next().getValue();
                eldest.remove();
                recentBytes -= dropped.readableBytes();
                dropped.release();
            }
        }
    }

    private ByteBuf take(Position txn) {
        synchronized (recent) {
            ByteBuf record = recent.remove(txn);
            if (record != null) {
                recentBytes -= record.readableBytes();
            }
            return record;
        }
    }

    public void close() {
        synchronized (recent) {
            recent.values().forEach(ByteBuf::release);
            recent.clear();
            recentBytes = 0;
        }
    }

    private CompletableFuture<Position> apply(Position txn, String id, ByteBuf record,
                                              TransactionDecision.Resolve resolve) {
        if (!TimerRecord.isRecord(record) || TimerRecord.kind(record) != TimerRecord.Kind.HALF) {
            return refuse(id, "not a half message of " + topicName);
        }
        String group = property(TimerRecord.message(record), TransactionProperties.PRODUCER_GROUP);
        if (!resolve.group().equals(group)) {
            runtime.transactionMetrics().resolutionsRefused.increment();
            return refuse(id, "the transaction belongs to producer group '" + group + "', not '" + resolve.group()
                    + "'");
        }
        synchronized (outcomes) {
            Outcome known = outcomes.get(txn);
            if (known != null) {
                return alreadyResolved(txn, id, known, resolve.resolution());
            }
            outcomes.put(txn, Outcome.applying(resolve.resolution()));
        }
        Long asked = checkedAt.remove(txn);
        if (asked != null) {
            runtime.transactionMetrics().checkAnswerMillis.add(System.currentTimeMillis() - asked);
            runtime.transactionMetrics().checksAnswered.increment();
        }
        if (resolve.resolution() == Resolution.ROLLBACK) {
            scheduler.acknowledge(txn);
            forgetChecks(txn);
            runtime.transactionMetrics().rolledBack.increment();
            log.info("[{}] Transaction {} rolled back by group {}", topicName, id, group);
            return CompletableFuture.completedFuture(txn);
        }
        CompletableFuture<Position> committed = scheduler.appendToTopic(txn, record).thenApply(appended -> {
            scheduler.acknowledge(txn);
            forgetChecks(txn);
            synchronized (outcomes) {
                outcomes.put(txn, Outcome.COMMITTED);
            }
            runtime.transactionMetrics().committed.increment();
            log.info("[{}] Transaction {} committed by group {}", topicName, id, group);
            return txn;
        });
        commits.put(txn, committed);
        return committed.whenComplete((position, error) -> {
            commits.remove(txn);
            if (error != null) {
                synchronized (outcomes) {
                    outcomes.remove(txn); // not applied: the producer (or the next check) may try again
                }
                log.warn("[{}] Committing transaction {} failed: {}", topicName, id, error.toString());
            }
        });
    }

    private CompletableFuture<Position> alreadyResolved(Position txn, String id, Outcome known,
                                                        Resolution resolution) {
        CompletableFuture<Position> running = commits.get(txn);
        TransactionRules.ResolutionStep step = TransactionRules.onResolution(known, resolution, running != null);
        if (step instanceof TransactionRules.ResolutionStep.JoinRunning) {
            return running;
        }
        if (step instanceof TransactionRules.ResolutionStep.Ignore) {
            runtime.transactionMetrics().resolutionsIgnored.increment();
            return CompletableFuture.completedFuture(txn);
        }
        if (step instanceof TransactionRules.ResolutionStep.Refuse refusal) {
            runtime.transactionMetrics().resolutionsRefused.increment();
            return refuse(id, refusal.reason());
        }
        throw new IllegalStateException("transaction " + id + " has a known outcome " + known);
    }

    private CompletableFuture<Position> refuse(String id, String reason) {
        log.info("[{}] Refused a resolution of transaction {}: {}", topicName, id, reason);
        return CompletableFuture.failedFuture(new BrokerServiceException.NotAllowedException(
                "transaction " + id + ": " + reason));
    }

    /** A half's check time came (from the scheduler's wake-up or its recovery scan). */
    public void checkDue(Position txn, ByteBuf record) {
        if (scheduler.acknowledged(txn)) {
            return; // resolved meanwhile
        }
        int sent = checks.getOrDefault(txn, 0);
        TransactionRules.CheckDecision decision = runtime.transactionRules().onCheckDue(sent,
                System.currentTimeMillis());
        ByteBuf message = TimerRecord.message(record);
        String group = property(message, TransactionProperties.PRODUCER_GROUP);
        String id = scheduler.recordId(txn);
        if (decision instanceof TransactionRules.CheckDecision.Check check) {
            ByteBuf request = copyWith(message, Map.of(TransactionProperties.TRANSACTION_ID, id,
                    TransactionProperties.REAL_TOPIC, topicName.toString(),
                    TransactionProperties.CHECK_TIMES, Integer.toString(check.checkTimes())));
            String checkTopic = TransactionProperties.checkTopic(topicName.getNamespaceObject(), group);
            try {
                runtime.publisher().publish(checkTopic, request, id + "#" + check.checkTimes())
                        .whenComplete((published, error) -> {
                            if (error != null) {
                                log.warn("[{}] Check {} of transaction {} could not reach {}: {}", topicName,
                                        check.checkTimes(), id, checkTopic, error.toString());
                            } else {
                                runtime.transactionMetrics().checks.increment();
                            }
                        });
            } finally {
                request.release();
            }
            checks.put(txn, check.checkTimes());
            checkedAt.put(txn, System.currentTimeMillis());
            scheduler.cursor().putCursorProperty(CHECKS_PREFIX + txn.getLedgerId() + ":" + txn.getEntryId(),
                    Integer.toString(check.checkTimes())).exceptionally(e -> {
                        log.warn("[{}] Could not persist the check count of transaction {}: {}", topicName, id,
                                e.toString());
                        return null;
                    });
            scheduler.reindex(txn, check.nextCheckAtMillis());
            return;
        }
        int sentChecks = ((TransactionRules.CheckDecision.CheckMaxReached) decision).checksSent();
        synchronized (outcomes) {
            if (outcomes.containsKey(txn)) {
                return;
            }
            outcomes.put(txn, Outcome.CHECK_MAX);
        }
        String checkMaxTopic = TransactionProperties.checkMaxTopic(topicName.getNamespaceObject());
        ByteBuf moved = copyWith(message, Map.of(TransactionProperties.TRANSACTION_ID, id,
                TransactionProperties.REAL_TOPIC, topicName.toString(),
                TransactionProperties.CHECK_TIMES, Integer.toString(sentChecks),
                io.magnetar.retry.RetryProperties.ORIGIN_MESSAGE_ID, id));
        long now = System.currentTimeMillis();
        ByteBuf deadLetter = TimerRecord.encodeDeadLetter(PulsarByteBufAllocator.DEFAULT, now, checkMaxTopic,
                moved);
        moved.release();
        try {
            scheduler.hold(deadLetter, now).whenComplete((position, error) -> {
                if (error != null) {
                    synchronized (outcomes) {
                        outcomes.remove(txn);
                    }
                    scheduler.retryAppend(txn, error);
                    return;
                }
                scheduler.acknowledge(txn);
                forgetChecks(txn);
                runtime.transactionMetrics().checkMaxReached.increment();
                log.warn("[{}] Transaction {} of group {} unresolved after {} checks: moved to {}", topicName, id,
                        group, sentChecks, checkMaxTopic);
            });
        } finally {
            deadLetter.release();
        }
    }

    private void forgetChecks(Position txn) {
        checkedAt.remove(txn);
        ByteBuf cached = take(txn);
        if (cached != null) {
            cached.release();
        }
        if (checks.remove(txn) != null) {
            scheduler.cursor().removeCursorProperty(CHECKS_PREFIX + txn.getLedgerId() + ":" + txn.getEntryId());
        }
    }

    /**
     * The half message (as sent) with {@code added} properties set, no longer marked as a half (its copies are
     * checks and check-max records, not transactions of their own); a new buffer.
     */
    private static ByteBuf copyWith(ByteBuf message, Map<String, String> added) {
        ByteBuf duplicate = message.duplicate();
        MessageMetadata metadata = new MessageMetadata();
        Commands.parseMessageMetadata(duplicate, metadata);
        MessageMetadata copy = new MessageMetadata().copyFrom(metadata);
        copy.clearProperties();
        for (KeyValue kv : metadata.getPropertiesList()) {
            if (!added.containsKey(kv.getKey()) && !CLEARED_ON_COMMIT.contains(kv.getKey())) {
                copy.addProperty().setKey(kv.getKey()).setValue(kv.getValue());
            }
        }
        added.forEach((key, value) -> copy.addProperty().setKey(key).setValue(value));
        return Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, copy, duplicate);
    }

    private static String property(ByteBuf message, String key) {
        return MessageProperties.get(Commands.parseMessageMetadata(message.duplicate()), key);
    }
}
