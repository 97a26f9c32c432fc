package io.magnetar.timerlog.pulsar;

import io.magnetar.api.InternalNames;
import io.magnetar.delayed.DelayIndex;
import io.magnetar.delayed.WakeUp;
import io.magnetar.delayed.pulsar.BookKeeperIndexStore;
import io.magnetar.plugin.MessageProperties;
import io.magnetar.retry.RetryProperties;
import io.magnetar.retry.pulsar.FailedMessages;
import io.magnetar.retry.pulsar.FailureSteps;
import io.magnetar.schedule.ScheduleRules;
import io.magnetar.timerlog.TimerRecord;
import io.magnetar.topic.pulsar.MagnetarTopic;
import io.magnetar.topic.pulsar.MessagePublisher;
import io.magnetar.topic.pulsar.TopicRuntime;
import io.magnetar.transaction.pulsar.HalfMessages;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.bookkeeper.mledger.AsyncCallbacks;
import org.apache.bookkeeper.mledger.Entry;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.ManagedLedger;
import org.apache.bookkeeper.mledger.ManagedLedgerConfig;
import org.apache.bookkeeper.mledger.ManagedLedgerException;
import org.apache.bookkeeper.mledger.Position;
import org.apache.bookkeeper.mledger.PositionFactory;
import org.apache.bookkeeper.mledger.impl.EntryImpl;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.service.Topic.PublishContext;
import org.apache.pulsar.common.api.proto.CommandSubscribe.InitialPosition;
import org.apache.pulsar.common.api.proto.KeyValue;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.pulsar.common.protocol.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduled messages of one topic on the broker that owns it. Each is stored, as sent, in the topic's schedule
 * log: a managed ledger of its own (outside the {@code persistent} domain, so it is never listed or loaded as a
 * topic), read by one durable cursor whose acknowledgements mark the messages already appended. A
 * {@link DelayIndex} over the log's positions (persisted in BookKeeper, listed in the log's properties) says which
 * is due when; at its due time a message is read back and appended to the topic, then acknowledged in the log.
 *
 * <p>After an unload, a restart or a kill -9, the next owner opens the log (fencing the old owner's writes),
 * recovers the index from its summaries and reads only the log entries the index does not hold.
 *
 * <p>One class today because one monitor orders the log's cursor, index and acknowledgements; it also does what
 * belongs to each record kind (the due append and its metadata rewrite, dead letters, half checks). Splitting those
 * into per-kind handlers behind a narrow log interface is issue 22 point 2, not yet done.
 */
public final class TopicScheduler implements DelayIndex.Listener {
    private static final Logger log = LoggerFactory.getLogger(TopicScheduler.class);
    static final String CURSOR = InternalNames.TIMER_LOG_CURSOR;
    private static final String APPENDER = InternalNames.TIMER_LOG_CURSOR;
    private static final long MAX_SLEEP_MILLIS = 5_000;
    private static final long RETRY_MILLIS = 1_000;
    private static final int BATCH = 100;
    /** How many of the topic's last entries are checked for appends the log had not yet acknowledged. */
    private static final int TAIL_CHECKED = 1_000;
    /** Longer than RocketMQ's whole retry schedule (4 h 46 m), so a second chain of redeliveries is caught too. */
    private static final long DEAD_LETTER_LOOKBACK_MILLIS = 6 * 3_600_000L;
    /** How many of the log's last records are read for failure steps after a recovery (a minute of failures). */
    private static final int STEPS_CHECKED = 50_000;
    private static final int STEPS_RETENTION_MINUTES = 15;

    private final MagnetarTopic topic;
    private final TopicRuntime runtime;
    private final TopicName topicName;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final AtomicLong appendSequence = new AtomicLong(System.currentTimeMillis() * 1000);
    private volatile ManagedLedger scheduleLog;
    private volatile ManagedCursor cursor;
    private volatile DelayIndex index;
    private final WakeUp wakeUp;
    private boolean scanPending;
    private volatile boolean closed;
    private volatile Set<String> recentlyAppended;
    private final Set<Position> pendingAcks = new LinkedHashSet<>();
    private final HalfMessages halves;
    private final NearDueRecords nearDue;
    private final FailureSteps steps = new FailureSteps();
    private CompletableFuture<Void> deleted;
    /** Set when the log was recovered: dead letters may have been published before the broker stopped. */
    private volatile Position recoveredUpTo;
    /** Per dead-letter topic, the identities of the dead letters it holds (as far as this scheduler knows). */
    private final Map<String, CompletableFuture<Set<String>>> deadLettered = new ConcurrentHashMap<>();

    public TopicScheduler(MagnetarTopic topic, TopicRuntime runtime) {
        this.topic = topic;
        this.runtime = runtime;
        this.topicName = TopicName.get(topic.getName());
        this.halves = new HalfMessages(this, runtime, topicName);
        this.nearDue = new NearDueRecords(runtime.nearDueBytes, TopicRuntime.NEAR_DUE_BUDGET_BYTES);
        this.wakeUp = new WakeUp(runtime.executor(), System::currentTimeMillis, MAX_SLEEP_MILLIS, this::onWake);
    }

    static String logName(TopicName topic) {
        return topic.getNamespace() + "/magnetar-schedule/" + topic.getEncodedLocalName();
    }

    /** Opens the timer log and, when it existed, recovers what it holds. Adds wait for this. */
    public CompletableFuture<Void> start(boolean recover) {
        ServiceConfiguration conf = topic.getBrokerService().getPulsar().getConfiguration();
        ManagedLedgerConfig config = new ManagedLedgerConfig();
        config.setEnsembleSize(conf.getManagedLedgerDefaultEnsembleSize());
        config.setWriteQuorumSize(conf.getManagedLedgerDefaultWriteQuorum());
        config.setAckQuorumSize(conf.getManagedLedgerDefaultAckQuorum());
        // every acknowledgement persisted at once: an appended message must not be appended again after a crash
        config.setThrottleMarkDelete(0);
        // done records stay readable a while: after a crash, the recovery reads the recent failure steps back from
        // them (the failed entries' acknowledgements the crash lost come back within a minute)
        config.setRetentionTime(STEPS_RETENTION_MINUTES, TimeUnit.MINUTES);
        config.setRetentionSizeInMB(-1);
        topic.getBrokerService().getManagedLedgerFactoryForTopic(topicName).thenAccept(factory ->
                factory.asyncOpen(logName(topicName), config, new AsyncCallbacks.OpenLedgerCallback() {
                    @Override
                    public void openLedgerComplete(ManagedLedger ledger, Object ctx) {
                        scheduleLog = ledger;
                        ledger.asyncOpenCursor(CURSOR, InitialPosition.Earliest, new AsyncCallbacks.OpenCursorCallback() {
                            @Override
                            public void openCursorComplete(ManagedCursor opened, Object ctx) {
                                cursor = opened;
                                opened(recover);
                            }

                            @Override
                            public void openCursorFailed(ManagedLedgerException exception, Object ctx) {
                                fail(exception);
                            }
                        }, null);
                    }

                    @Override
                    public void openLedgerFailed(ManagedLedgerException exception, Object ctx) {
                        fail(exception);
                    }
                }, () -> topic.getBrokerService().getPulsar().getNamespaceService().checkTopicOwnership(topicName),
                        null)).exceptionally(e -> {
                            fail(e);
                            return null;
                        });
        return ready;
    }

    private void fail(Throwable error) {
        log.error("[{}] Could not open the schedule log: scheduled messages wait until the topic is reloaded",
                topicName, error);
        runtime.failures.increment();
        ready.completeExceptionally(error);
    }

    private void opened(boolean recover) {
        // An active cursor makes the log copy every new record into the broker's entry cache, to evict it a second
        // later unread: records are read when due, long after, one at a time.
        cursor.setInactive();
        index = new DelayIndex(topicName.toString(), new BookKeeperIndexStore(runtime.bookKeeper(), scheduleLog,
                runtime.replication()), runtime.indexSettings(), System::currentTimeMillis, this, runtime.stats());
        runtime.register(this);
        halves.loadCheckCounts(cursor.getCursorProperties());
        if (!recover) {
            ready.complete(null);
            return;
        }
        recoveredUpTo = scheduleLog.getLastConfirmedEntry();
        CompletableFuture<Void> stepsRead = recentSteps().exceptionally(e -> {
            log.warn("[{}] Could not read the schedule log's tail; a failed message whose acknowledgement the crash "
                    + "lost may be redelivered twice", topicName, e);
            return null;
        });
        recentAppends().thenCombine(stepsRead, (origins, ignored) -> origins).whenComplete((origins, error) -> {
            if (error != null) {
                log.warn("[{}] Could not read the topic's tail; a message appended just before a crash may be "
                        + "appended again", topicName, error);
            } else if (!origins.isEmpty()) {
                recentlyAppended = origins;
            }
            synchronized (this) {
                scanPending = true;
            }
            index.recover();
            if (!index.recovering()) {
                indexChanged();
            }
        });
    }

    /**
     * The {@code ORIGIN_MESSAGE_ID}s among the topic's last entries, read before anything is appended after a
     * recovery: a crash between a due message's append and its acknowledgement in the log (a few milliseconds:
     * acknowledgements are persisted at once) leaves it in the topic and still pending in the log.
     */
    private CompletableFuture<Set<String>> recentAppends() {
        Set<String> origins = ConcurrentHashMap.newKeySet();
        return readTail(topic.getManagedLedger(), TAIL_CHECKED, data -> {
            MessageMetadata metadata = Commands.peekMessageMetadata(data, topicName.toString(), -1);
            if (metadata != null) {
                for (KeyValue kv : metadata.getPropertiesList()) {
                    if (kv.getKey().equals(RetryProperties.ORIGIN_MESSAGE_ID)
                            || kv.getKey().equals(RetryProperties.RECORD_ID)) {
                        origins.add(kv.getValue());
                    }
                }
            }
        }).thenApply(ignored -> origins);
    }

    /**
     * The failure steps among the log's last records, read after a recovery: a kill -9 can lose the subscription's
     * acknowledgements of the last seconds (Pulsar persists them at most once a second, some only every minute), so
     * an entry already taken over comes back and fails again; its step is known and it is not taken over twice.
     */
    private CompletableFuture<Void> recentSteps() {
        if (!runtime.retryEnabled(topicName.getTenant()) && !runtime.deadLetterEnabled(topicName.getTenant())) {
            return CompletableFuture.completedFuture(null); // no failure steps to know of
        }
        return readTail(scheduleLog, STEPS_CHECKED, data -> {
            if (!TimerRecord.isRecord(data)) {
                return;
            }
            TimerRecord.Kind kind = TimerRecord.kind(data);
            if (kind == TimerRecord.Kind.REDELIVERY || kind == TimerRecord.Kind.DEAD_LETTER) {
                MessageMetadata metadata = Commands.parseMessageMetadata(TimerRecord.message(data).duplicate());
                String step = FailedMessages.step(kind == TimerRecord.Kind.DEAD_LETTER,
                        MessageProperties.get(metadata, RetryProperties.REAL_SUBSCRIPTION),
                        MessageProperties.get(metadata, RetryProperties.ORIGIN_MESSAGE_ID),
                        MessageProperties.get(metadata, RetryProperties.REDRIVES),
                        MessageProperties.get(metadata, RetryProperties.RECONSUME_TIMES));
                steps.claim(step);
            }
        });
    }

    /** Feeds the data of {@code ledger}'s last {@code count} entries to {@code visitor}, then completes. */
    private CompletableFuture<Void> readTail(ManagedLedger ledger, int count,
                                             java.util.function.Consumer<ByteBuf> visitor) {
        Position last = ledger.getLastConfirmedEntry();
        Position start = last;
        for (int i = 0; i < count; i++) {
            Position previous = ledger.getPreviousPosition(start);
            if (previous == null || previous.equals(start)) {
                break;
            }
            start = previous;
        }
        ManagedCursor reader;
        try {
            reader = ledger.newNonDurableCursor(start);
        } catch (ManagedLedgerException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        readTail(ledger, reader, last, visitor, result);
        return result;
    }

    private void readTail(ManagedLedger ledger, ManagedCursor reader, Position last,
                          java.util.function.Consumer<ByteBuf> visitor, CompletableFuture<Void> result) {
        if (!reader.hasMoreEntries() || reader.getReadPosition().compareTo(last) > 0) {
            ledger.asyncDeleteCursor(reader.getName(), new AsyncCallbacks.DeleteCursorCallback() {
                @Override
                public void deleteCursorComplete(Object ctx) {
                }

                @Override
                public void deleteCursorFailed(ManagedLedgerException exception, Object ctx) {
                }
            }, null);
            result.complete(null);
            return;
        }
        reader.asyncReadEntries(BATCH, new AsyncCallbacks.ReadEntriesCallback() {
            @Override
            public void readEntriesComplete(List<Entry> entries, Object ctx) {
                for (Entry entry : entries) {
                    try {
                        visitor.accept(entry.getDataBuffer());
                    } catch (RuntimeException e) {
                        log.warn("[{}] Skipping an unreadable entry {} of {}: {}", topicName, entry.getPosition(),
                                ledger.getName(), e.toString());
                    } finally {
                        entry.release();
                    }
                }
                readTail(ledger, reader, last, visitor, result);
            }

            @Override
            public void readEntriesFailed(ManagedLedgerException exception, Object ctx) {
                result.completeExceptionally(exception);
            }
        }, null, last);
    }

    /** Reads the log entries the recovered index does not hold, from the cursor's mark-delete position. */
    private void scanLog() {
        if (closed) {
            return;
        }
        if (!cursor.hasMoreEntries()) {
            log.info("[{}] Schedule log recovered: {} scheduled messages held", topicName, index.size());
            ready.complete(null);
            rearm();
            return;
        }
        cursor.asyncReadEntriesWithSkip(BATCH, 8L << 20, new AsyncCallbacks.ReadEntriesCallback() {
            @Override
            public void readEntriesComplete(List<Entry> entries, Object ctx) {
                for (Entry entry : entries) {
                    try {
                        ByteBuf data = entry.getDataBuffer();
                        if (!TimerRecord.isRecord(data)) {
                            acknowledge(entry.getPosition());
                        } else if (!index.add(entry.getLedgerId(), entry.getEntryId(), TimerRecord.dueAt(data))) {
                            append(entry.getPosition(), data);
                        }
                    } finally {
                        entry.release();
                    }
                }
                scanLog();
            }

            @Override
            public void readEntriesFailed(ManagedLedgerException exception, Object ctx) {
                log.warn("[{}] Reading the schedule log failed; retrying", topicName, exception);
                runtime.failures.increment();
                runtime.executor().schedule(TopicScheduler.this::scanLog, RETRY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }, null, scheduleLog.getLastConfirmedEntry(), position -> index.contains(position.getLedgerId(),
                position.getEntryId()));
    }

    /** Stores a scheduled message; completes with its position in the log (the id its producer gets). */
    public CompletableFuture<Position> hold(ByteBuf record, long dueAt) {
        CompletableFuture<Position> stored = new CompletableFuture<>();
        record.retain();
        ready.whenComplete((ignored, notReady) -> {
            if (notReady != null) {
                record.release();
                stored.completeExceptionally(notReady);
                return;
            }
            scheduleLog.asyncAddEntry(record, new AsyncCallbacks.AddEntryCallback() {
                @Override
                public void addComplete(Position position, ByteBuf entryData, Object ctx) {
                    runtime.scheduled.increment();
                    long now = System.currentTimeMillis();
                    // one due already (a dead letter, an immediate redelivery) is appended below from the record
                    if (dueAt > now && TimerRecord.kind(record) != TimerRecord.Kind.HALF) {
                        nearDue.offer(position, record, dueAt, now);
                    }
                    if (!index.add(position.getLedgerId(), position.getEntryId(), dueAt)) {
                        ByteBuf kept = nearDue.take(position);
                        if (kept != null) {
                            kept.release();
                        }
                        append(position, record);
                    }
                    record.release();
                    rearm();
                    stored.complete(position);
                }

                @Override
                public void addFailed(ManagedLedgerException exception, Object ctx) {
                    record.release();
                    runtime.failures.increment();
                    stored.completeExceptionally(exception);
                }
            }, null);
        });
        return stored;
    }

    public FailureSteps steps() {
        return steps;
    }

    public HalfMessages halves() {
        return halves;
    }

    public CompletableFuture<Void> ready() {
        return ready;
    }

    public ManagedCursor cursor() {
        return cursor;
    }

    /** Whether a log entry is marked done (or about to be: acknowledgements are flushed in bursts). */
    public boolean acknowledged(Position position) {
        synchronized (pendingAcks) {
            if (pendingAcks.contains(position)) {
                return true;
            }
        }
        return cursor.isMessageDeleted(position);
    }

    /** Holds a log entry again, due at {@code dueAt}. */
    public void reindex(Position position, long dueAt) {
        if (!closed) {
            index.add(position.getLedgerId(), position.getEntryId(), dueAt);
            rearm();
        }
    }

    /** Reads one record of the log. */
    public CompletableFuture<Entry> read(Position position) {
        return FailedMessages.readEntry(scheduleLog, position);
    }

    public boolean inLog(Position position) {
        Position last = scheduleLog.getLastConfirmedEntry();
        return last != null && position.compareTo(last) <= 0;
    }

    public long held() {
        DelayIndex current = index;
        return current == null ? 0 : current.size();
    }

    @Override
    public void indexChanged() {
        boolean scan;
        synchronized (this) {
            scan = scanPending && !index.recovering();
            if (scan) {
                scanPending = false;
            }
        }
        if (scan) {
            scanLog();
        }
        rearm();
    }

    @Override
    public void rebuildRequired() {
        log.warn("[{}] Re-reading the schedule log to rebuild its index", topicName);
        runtime.executor().execute(() -> {
            cursor.rewind();
            scanLog();
        });
    }

    private void rearm() {
        DelayIndex current = index;
        if (!closed && current != null) {
            wakeUp.at(current.nextWakeMillis());
        }
    }

    private void onWake() {
        if (closed) {
            return;
        }
        try {
            index.maintain();
            List<Position> due = new ArrayList<>();
            while (index.pollDue(BATCH, (ledgerId, entryId) -> due.add(PositionFactory.create(ledgerId, entryId)))
                    == BATCH) {
                // more due now
            }
            if (!due.isEmpty()) {
                readAndAppend(due);
            }
        } catch (RuntimeException e) {
            log.error("[{}] Scheduling wake-up failed", topicName, e);
        }
        rearm();
    }

    /** Reads the due messages (in parallel) and appends them in due order. */
    private void readAndAppend(List<Position> due) {
        List<CompletableFuture<Entry>> reads = new ArrayList<>(due.size());
        for (Position position : due) {
            ByteBuf kept = nearDue.take(position);
            if (kept == null) {
                reads.add(read(position));
            } else {
                reads.add(CompletableFuture.completedFuture(EntryImpl.create(position.getLedgerId(),
                        position.getEntryId(), kept)));
                kept.release();
            }
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).whenComplete((ignored, error) -> {
            for (int i = 0; i < due.size(); i++) {
                CompletableFuture<Entry> read = reads.get(i);
                if (read.isCompletedExceptionally()) {
                    retryLater(due.get(i), read);
                    continue;
                }
                Entry entry = read.join();
                try {
                    ByteBuf data = entry.getDataBuffer();
                    if (TimerRecord.isRecord(data)) {
                        append(entry.getPosition(), data);
                    } else {
                        acknowledge(entry.getPosition());
                    }
                } finally {
                    entry.release();
                }
            }
        });
    }

    private void retryLater(Position position, CompletableFuture<Entry> failedRead) {
        runtime.failures.increment();
        failedRead.exceptionally(e -> {
            log.warn("[{}] Reading scheduled message {} failed; retrying in {} ms", topicName, position,
                    RETRY_MILLIS, e);
            return null;
        });
        index.add(position.getLedgerId(), position.getEntryId(), System.currentTimeMillis() + RETRY_MILLIS);
        rearm();
    }

    /**
     * Appends a due message to the topic: the producer's metadata and payload, with {@code ORIGIN_MESSAGE_ID} (the
     * id its producer got), the publish time of this append (so the topic's TTL counts from now) and no deliverAt.
     * A redelivery copy keeps its own {@code ORIGIN_MESSAGE_ID} and carries its record id instead, and is never
     * replicated (it is for one subscription of this cluster); a dead letter is published to its topic.
     */
    private void append(Position logPosition, ByteBuf record) {
        if (closed) {
            return;
        }
        long dueAt = TimerRecord.dueAt(record);
        TimerRecord.Kind kind = TimerRecord.kind(record);
        if (kind == TimerRecord.Kind.DEAD_LETTER) {
            deadLetter(logPosition, TimerRecord.deadLetterTopic(record), TimerRecord.message(record),
                    recordId(logPosition), dueAt);
            return;
        }
        if (kind == TimerRecord.Kind.HALF) {
            halves.checkDue(logPosition, record);
            return;
        }
        appendToTopic(logPosition, record).whenComplete((appended, e) -> {
            if (e != null) {
                retryAppend(logPosition, e);
                return;
            }
            if (kind == TimerRecord.Kind.SCHEDULED && appended) {
                runtime.appended.increment();
                runtime.appendLateness.recordLateness(Math.max(0, System.currentTimeMillis() - dueAt));
            }
            acknowledge(logPosition);
        });
    }

    public String recordId(Position logPosition) {
        return logPosition.getLedgerId() + ":" + logPosition.getEntryId() + ":" + topicName.getPartitionIndex();
    }

    /**
     * Appends a record's message to the topic through Pulsar's publish path; completes with false when it was
     * appended already before the broker stopped (found in the topic's tail). The caller acknowledges the record.
     * A scheduled message or committed half gets {@code ORIGIN_MESSAGE_ID} = its record id (the id its producer
     * got) and loses its scheduling / half-message properties; a redelivery copy keeps its own
     * {@code ORIGIN_MESSAGE_ID}, carries its record id, and is never replicated (it is for one subscription of this
     * cluster). Either way: the publish time of this append (the topic's TTL counts from now), no deliverAt.
     */
    public CompletableFuture<Boolean> appendToTopic(Position logPosition, ByteBuf record) {
        TimerRecord.Kind kind = TimerRecord.kind(record);
        ByteBuf message = TimerRecord.message(record);
        String origin = recordId(logPosition);
        Set<String> alreadyAppended = recentlyAppended;
        if (alreadyAppended != null && alreadyAppended.remove(origin)) {
            log.info("[{}] Message {} of the schedule log was appended before the broker stopped; not appending it "
                    + "again", topicName, origin);
            return CompletableFuture.completedFuture(false);
        }
        ByteBuf duplicate = message.duplicate();
        MessageMetadata metadata = new MessageMetadata();
        Commands.parseMessageMetadata(duplicate, metadata);
        DueMessages.rewriteForAppend(metadata, kind, origin,
                topic.getBrokerService().getPulsar().getConfiguration().getClusterName(), System.currentTimeMillis(),
                kind == TimerRecord.Kind.HALF ? HalfMessages.CLEARED_ON_COMMIT : ScheduleRules.PROPERTIES);
        ByteBuf appended = Commands.serializeMetadataAndPayload(Commands.ChecksumType.Crc32c, metadata, duplicate);
        long sequence = appendSequence.incrementAndGet();
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            topic.appendDue(appended, new PublishContext() {
                @Override
                public String getProducerName() {
                    return APPENDER;
                }

                @Override
                public long getSequenceId() {
                    return sequence;
                }

                @Override
                public void completed(Exception e, long ledgerId, long entryId) {
                    if (e == null) {
                        done.complete(true);
                    } else {
                        done.completeExceptionally(e);
                    }
                }
            });
        } finally {
            appended.release();
        }
        return done;
    }

    public void retryAppend(Position logPosition, Throwable error) {
        if (closed) {
            return;
        }
        log.warn("[{}] Appending scheduled message {} failed ({}); retrying in {} ms", topicName, logPosition,
                error.toString(), RETRY_MILLIS);
        runtime.failures.increment();
        index.add(logPosition.getLedgerId(), logPosition.getEntryId(), System.currentTimeMillis() + RETRY_MILLIS);
        rearm();
    }

    /**
     * Publishes a dead letter, at most once per failed message and subscription: the identities already in the
     * dead-letter topic are known from this scheduler's own publishes and, after a recovery, from reading what the
     * topic received in the last {@link #DEAD_LETTER_LOOKBACK_MILLIS}.
     */
    private void deadLetter(Position logPosition, String deadLetterTopic, ByteBuf message, String recordId,
                            long dueAt) {
        MessageMetadata metadata = Commands.parseMessageMetadata(message.duplicate());
        String identity = MessagePublisher.identity(MessageProperties.get(metadata, RetryProperties.REAL_SUBSCRIPTION),
                MessageProperties.get(metadata, RetryProperties.ORIGIN_MESSAGE_ID), MessageProperties.get(metadata, RetryProperties.REDRIVES));
        CompletableFuture<Set<String>> known = deadLettered.computeIfAbsent(deadLetterTopic, dlq -> recoveredUpTo
                == null ? CompletableFuture.completedFuture(ConcurrentHashMap.newKeySet())
                : runtime.publisher().publishedSince(dlq, System.currentTimeMillis() - DEAD_LETTER_LOOKBACK_MILLIS)
                        .thenApply(ids -> {
                            Set<String> set = ConcurrentHashMap.newKeySet();
                            set.addAll(ids);
                            return set;
                        }));
        ByteBuf retained = message.retain();
        known.thenCompose(identities -> {
            // reserved before the publish, so two records of one message racing here publish it once
            if (!identities.add(identity)) {
                log.info("[{}] Dead letter {} is already in {}; not publishing it again", topicName, recordId,
                        deadLetterTopic);
                return CompletableFuture.completedFuture(null);
            }
            return runtime.publisher().publish(deadLetterTopic, retained, recordId).handle((id, error) -> {
                if (error != null) {
                    identities.remove(identity);
                    throw error instanceof CompletionException ce ? ce : new CompletionException(error);
                }
                runtime.retryMetrics().deadLettersPublished.increment();
                log.info("[{}] Dead letter {} published to {} as {}", topicName, recordId, deadLetterTopic, id);
                return null;
            });
        }).whenComplete((ignored, error) -> {
            retained.release();
            if (error == null) {
                acknowledge(logPosition);
            } else {
                deadLettered.remove(deadLetterTopic, known);
                retryAppend(logPosition, error);
            }
        });
    }

    /**
     * Marks a log entry as appended. Acknowledgements are gathered and persisted together (one cursor write per
     * burst, not one per message): each persisted write costs a BookKeeper add on the cursor's ledger.
     */
    public void acknowledge(Position position) {
        boolean first;
        synchronized (pendingAcks) {
            first = pendingAcks.isEmpty();
            pendingAcks.add(position);
        }
        if (first) {
            runtime.executor().execute(this::flushAcknowledgements);
        }
    }

    private void flushAcknowledgements() {
        List<Position> batch;
        synchronized (pendingAcks) {
            batch = new ArrayList<>(pendingAcks);
            pendingAcks.clear();
        }
        if (batch.isEmpty()) {
            return;
        }
        cursor.asyncDelete(batch, new AsyncCallbacks.DeleteCallback() {
            @Override
            public void deleteComplete(Object ctx) {
            }

            @Override
            public void deleteFailed(ManagedLedgerException exception, Object ctx) {
                log.warn("[{}] Could not mark {} scheduled messages as appended: {}", topicName, batch.size(),
                        exception.toString());
            }
        }, null);
    }

    /** The topic was deleted: drops the held messages, the index's buckets and the timer log itself. */
    public synchronized CompletableFuture<Void> delete() {
        if (deleted != null) {
            return deleted;
        }
        deleted = deleteOnce();
        return deleted;
    }

    private CompletableFuture<Void> deleteOnce() {
        closed = true;
        halves.close();
        wakeUp.cancel();
        runtime.unregister(this);
        DelayIndex current = index;
        long held = current == null ? 0 : current.size();
        CompletableFuture<Void> buckets = current == null ? CompletableFuture.completedFuture(null) : current.clear();
        return buckets.exceptionally(e -> null).thenCompose(ignored -> {
            ManagedLedger ledger = scheduleLog;
            if (ledger == null) {
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> done = new CompletableFuture<>();
            ledger.asyncDelete(new AsyncCallbacks.DeleteLedgerCallback() {
                @Override
                public void deleteLedgerComplete(Object ctx) {
                    log.info("[{}] Topic deleted: its schedule log and {} held messages are deleted too", topicName,
                            held);
                    done.complete(null);
                }

                @Override
                public void deleteLedgerFailed(ManagedLedgerException exception, Object ctx) {
                    log.warn("[{}] Could not delete the schedule log of the deleted topic: {}", topicName,
                            exception.toString());
                    done.complete(null);
                }
            }, null);
            return done;
        });
    }

    /** Stops (unload, close); the log and its index stay for the topic's next owner. */
    public void close() {
        closed = true;
        wakeUp.cancel();
        runtime.unregister(this);
        nearDue.clear();
        halves.close();
        if (cursor != null) {
            flushAcknowledgements();
        }
        DelayIndex current = index;
        if (current != null) {
            current.close();
        }
        ManagedLedger ledger = scheduleLog;
        if (ledger != null) {
            ledger.asyncClose(new AsyncCallbacks.CloseCallback() {
                @Override
                public void closeComplete(Object ctx) {
                }

                @Override
                public void closeFailed(ManagedLedgerException exception, Object ctx) {
                    log.warn("[{}] Closing the schedule log failed: {}", topicName, exception.toString());
                }
            }, null);
        }
    }
}
