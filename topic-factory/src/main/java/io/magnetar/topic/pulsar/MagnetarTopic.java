package io.magnetar.topic.pulsar;

import io.magnetar.api.InternalNames;
import io.magnetar.flags.Feature;
import io.magnetar.flags.FeatureSet;
import io.magnetar.plugin.MessageProperties;
import io.magnetar.retry.RetryPolicy;
import io.magnetar.retry.pulsar.FailedMessages;
import io.magnetar.retry.pulsar.FailureSteps;
import io.magnetar.retry.pulsar.RetryingSubscription;
import io.magnetar.schedule.ScheduleDecision;
import io.magnetar.schedule.ScheduleRules;
import io.magnetar.timerlog.TimerRecord;
import io.magnetar.timerlog.pulsar.TopicScheduler;
import io.magnetar.topic.OrderedCompletions;
import io.magnetar.transaction.TransactionDecision;
import io.magnetar.transaction.TransactionRules;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.bookkeeper.mledger.AsyncCallbacks;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.ManagedLedger;
import org.apache.bookkeeper.mledger.ManagedLedgerException;
import org.apache.bookkeeper.mledger.Position;
import org.apache.pulsar.broker.service.BrokerService;
import org.apache.pulsar.broker.service.BrokerServiceException;
import org.apache.pulsar.broker.service.MagnetarProducerAccess;
import org.apache.pulsar.broker.service.Producer;
import org.apache.pulsar.broker.service.persistent.PersistentSubscription;
import org.apache.pulsar.broker.service.persistent.PersistentTopic;
import org.apache.pulsar.common.allocator.PulsarByteBufAllocator;
import org.apache.pulsar.common.api.proto.CommandSubscribe.SubType;
import org.apache.pulsar.common.api.proto.MessageMetadata;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.pulsar.common.policies.data.InactiveTopicDeleteMode;
import org.apache.pulsar.common.policies.data.Policies;
import org.apache.pulsar.common.protocol.Commands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulsar's persistent topic with RocketMQ-style scheduled messages: for a tenant with {@code delay} on, a message
 * carrying {@code DELAY} or a timer property is not appended to the topic but held in the topic's timer log
 * ({@link TopicScheduler}) and appended when due, so every subscription type sees it then, and only then. A bad
 * scheduling property is refused with the reason. A tenant with {@code delay} off pays one cached flag check.
 *
 * <p>Acknowledgements stay in each producer's send order: a held or refused send is completed only after the
 * producer's earlier writes, which a small server-only marker written to the topic at that point stands for
 * (dispatchers acknowledge markers without delivering them), and the producer's later sends wait for it.
 *
 * <p>For a tenant with {@code retry} or {@code deadLetter} on, the messages that consumers of a Shared or
 * Key_Shared subscription fail go through the same timer log ({@link FailedMessages}): a copy for that
 * subscription alone comes back after its back-off, or the message moves to its dead-letter topic.
 *
 * <p>One class because Pulsar allows one topic class per broker: every topic feature's publish hook is an override
 * here, and each delegates its decision to its feature's rules ({@code ScheduleRules}, {@code TransactionRules}).
 */
public class MagnetarTopic extends PersistentTopic implements RetryingSubscription.FailureHandler {
    private static final Logger log = LoggerFactory.getLogger(MagnetarTopic.class);
    /** The marker type of the ordering barrier (any marker type is server-only in Pulsar 4.0). */
    static final int BARRIER_MARKER_TYPE = 0x4d41;
    /** Property of the topic's managed ledger: this topic has a timer log to recover at load. */
    static final String SCHEDULE_PROPERTY = InternalNames.TIMER_LOG_PROPERTY;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final OrderedCompletions.Sink<PublishContext> COMPLETE = PublishContext::completed;

    /** Namespace property: a maximum timer delay for the namespace, in seconds, below the cluster's. */
    static final String NAMESPACE_MAX_DELAY = "magnetar.schedule.maxDelaySeconds";
    /**
     * Namespace property: {@code topic} gives Pulsar's own {@code deliverAt} the scheduled-message treatment (held
     * by the broker, then visible to every subscription type); {@code subscription}, the default, keeps Pulsar's.
     */
    static final String NAMESPACE_DELIVER_AT = "magnetar.schedule.deliverAt";

    private final TopicRuntime runtime;
    private final String tenant;
    private final int partition;
    private volatile long maxDelayMillis;
    private volatile boolean deliverAtAtTopicLevel;
    private final Map<String, OrderedCompletions<PublishContext>> lines = new ConcurrentHashMap<>();
    private volatile TopicScheduler scheduler;
    private volatile Map<String, String> namespaceProperties = Map.of();
    private volatile FailedMessages failedMessages;

    MagnetarTopic(String topic, ManagedLedger ledger, BrokerService brokerService, TopicRuntime runtime) {
        super(topic, ledger, brokerService);
        this.runtime = runtime;
        this.tenant = TopicName.get(topic).getTenant();
        this.partition = TopicName.get(topic).getPartitionIndex();
        this.maxDelayMillis = runtime.rules().maxDelayMillis();
    }

    @Override
    public CompletableFuture<Void> initialize() {
        return super.initialize()
                .thenCompose(ignored -> brokerService.getPulsar().getPulsarResources().getNamespaceResources()
                        .getPoliciesAsync(TopicName.get(topic).getNamespaceObject())
                        .exceptionally(e -> {
                            log.warn("[{}] Namespace policies unreadable ({}): the cluster's maximum delay applies",
                                    topic, e.toString());
                            return Optional.empty();
                        }))
                .thenAccept(policies -> {
                    policies.ifPresent(this::readPolicies);
                    if (ledger.getProperties().containsKey(SCHEDULE_PROPERTY)) {
                        scheduler(true);
                    }
                });
    }

    @Override
    public CompletableFuture<Void> onPoliciesUpdate(Policies data) {
        readPolicies(data);
        return super.onPoliciesUpdate(data);
    }

    /**
     * The namespace's properties (retry policy) and maximum delay: its property when valid and below the
     * cluster's, else the cluster's.
     */
    private void readPolicies(Policies policies) {
        namespaceProperties = policies.properties == null ? Map.of() : Map.copyOf(policies.properties);
        String deliverAt = namespaceProperties.get(NAMESPACE_DELIVER_AT);
        if (deliverAt != null && !deliverAt.equals("topic") && !deliverAt.equals("subscription")) {
            log.warn("[{}] Ignoring namespace property {}='{}': use topic or subscription", topic,
                    NAMESPACE_DELIVER_AT, deliverAt);
        }
        deliverAtAtTopicLevel = "topic".equals(deliverAt);
        long cluster = runtime.rules().maxDelayMillis();
        String value = policies.properties == null ? null : policies.properties.get(NAMESPACE_MAX_DELAY);
        long limit = cluster;
        if (value != null) {
            try {
                long seconds = Long.parseLong(value.trim());
                if (seconds > 0 && seconds < cluster / 1000) {
                    limit = seconds * 1000;
                }
            } catch (NumberFormatException e) {
                log.warn("[{}] Ignoring namespace property {}='{}': not a whole number of seconds", topic,
                        NAMESPACE_MAX_DELAY, value);
            }
        }
        maxDelayMillis = limit;
    }

    @Override
    public void publishMessage(ByteBuf headersAndPayload, PublishContext context) {
        FeatureSet features = runtime.features(tenant);
        boolean delay = features.contains(Feature.DELAY);
        boolean transaction = features.contains(Feature.TRANSACTION);
        String producer = context.getProducerName();
        if (!delay && !transaction || producer == null || producer.startsWith(MessagePublisher.PRODUCER_PREFIX)) {
            super.publishMessage(headersAndPayload, context);
            return;
        }
        Intercepted intercepted = intercept(headersAndPayload, delay, transaction);
        OrderedCompletions<PublishContext> line = lines.get(producer);
        if (intercepted != null) {
            if (line == null) {
                line = lines.computeIfAbsent(producer, name -> new OrderedCompletions<>(COMPLETE));
            }
            CompletableFuture<Void> earlierWrites = line.active() || noEarlierWrites(producer) ? DONE : writeBarrier();
            OrderedCompletions<PublishContext>.Slot slot = line.enqueue(context);
            if (intercepted.refusal() != null) {
                log.info("[{}] Refused a send of producer {}: {}", getName(), producer, intercepted.refusal());
                earlierWrites.whenComplete((ignored, e) -> slot.finish(
                        new BrokerServiceException.NotAllowedException(intercepted.refusal()), -1, -1));
                return;
            }
            intercepted.stored().thenCombine(earlierWrites, (position, ignored) -> position)
                    .whenComplete((position, e) -> {
                        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                        if (cause instanceof BrokerServiceException.NotAllowedException) {
                            slot.finish((BrokerServiceException) cause, -1, -1);
                        } else if (cause != null) {
                            slot.finish(new BrokerServiceException.PersistenceException(cause), -1, -1);
                        } else {
                            slot.finish(null, position.getLedgerId(), position.getEntryId());
                        }
                    });
            return;
        }
        if (line != null && line.active()) {
            OrderedCompletions<PublishContext>.Slot slot = line.enqueue(context);
            super.publishMessage(headersAndPayload, new DelegatingPublishContext(context) {
                @Override
                public void completed(Exception e, long ledgerId, long entryId) {
                    slot.finish(e, ledgerId, entryId);
                }
            });
            return;
        }
        super.publishMessage(headersAndPayload, context);
    }

    /** A send the topic answers itself: refused, or stored elsewhere (the future gives the id its producer gets). */
    private record Intercepted(String refusal, CompletableFuture<Position> stored) { }

    /**
     * What becomes of a send: null when Pulsar appends it as usual. Batches and markers are never intercepted (a
     * batch header carries no per-message properties).
     */
    private Intercepted intercept(ByteBuf headersAndPayload, boolean delay, boolean transaction) {
        MessageMetadata metadata = Commands.peekMessageMetadata(headersAndPayload, getName(), -1);
        if (metadata != null && metadata.hasNumMessagesInBatch() && !metadata.hasMarkerType()) {
            return interceptBatch(metadata, headersAndPayload, delay, transaction);
        }
        boolean deliverAt = delay && deliverAtAtTopicLevel && metadata != null && metadata.hasDeliverAtTime();
        if (metadata == null || metadata.getPropertiesCount() == 0 && !deliverAt || metadata.hasMarkerType()) {
            return null;
        }
        long now = System.currentTimeMillis();
        ScheduleDecision schedule = delay ? decide(metadata, deliverAt, now) : ScheduleDecision.UNSCHEDULED;
        if (transaction) {
            TransactionDecision decision = runtime.transactionRules().decide(key -> MessageProperties.get(metadata, key),
                    partition, schedule != ScheduleDecision.UNSCHEDULED, now);
            if (decision instanceof TransactionDecision.Refuse refuse) {
                runtime.transactionMetrics().sendsRefused.increment();
                return new Intercepted(refuse.reason(), null);
            }
            if (decision instanceof TransactionDecision.Half half) {
                if (metadata.hasNumChunksFromMsg() && metadata.getNumChunksFromMsg() > 1) {
                    runtime.transactionMetrics().sendsRefused.increment();
                    return new Intercepted("chunked messages cannot be half messages: send them unchunked", null);
                }
                ByteBuf record = TimerRecord.encodeHalf(PulsarByteBufAllocator.DEFAULT, half.firstCheckAtMillis(),
                        headersAndPayload);
                TopicScheduler scheduler = scheduler(false);
                runtime.transactionMetrics().halvesHeld.increment();
                CompletableFuture<Position> stored = scheduler.hold(record, half.firstCheckAtMillis());
                stored.whenComplete((position, e) -> {
                    if (e == null) {
                        scheduler.halves().remember(position, record);
                    } else {
                        record.release();
                    }
                });
                return new Intercepted(null, stored);
            }
            if (decision instanceof TransactionDecision.Resolve resolve) {
                return new Intercepted(null, scheduler(false).halves().resolve(resolve));
            }
        }
        if (schedule instanceof ScheduleDecision.Refuse refuse) {
            runtime.refused.increment();
            return new Intercepted(refuse.reason(), null);
        }
        if (schedule instanceof ScheduleDecision.Hold hold) {
            ByteBuf record = TimerRecord.encode(PulsarByteBufAllocator.DEFAULT, hold.dueAtMillis(),
                    headersAndPayload);
            try {
                return new Intercepted(null, scheduler(false).hold(record, hold.dueAtMillis()));
            } finally {
                record.release();
            }
        }
        return null;
    }

    /** A batch is appended as usual unless one of its messages is scheduled or a half message: then refused. */
    private Intercepted interceptBatch(MessageMetadata metadata, ByteBuf headersAndPayload, boolean delay,
                                       boolean transaction) {
        String property;
        try {
            property = BatchedSends.controlProperty(metadata, headersAndPayload, delay, transaction);
        } catch (IOException | RuntimeException e) {
            log.warn("[{}] Could not read the messages of a batch of producer {}; appending it as it is: {}",
                    getName(), metadata.getProducerName(), e.toString());
            return null;
        }
        if (property == null) {
            return null;
        }
        runtime.refused.increment();
        return new Intercepted("a batch cannot carry " + property + " messages (the broker schedules and holds "
                + "only unbatched sends): send them with batching off, e.g. magnetar-client's ScheduledMessages"
                + ".producer", null);
    }

    /** The scheduling decision for an unbatched send. */
    private ScheduleDecision decide(MessageMetadata metadata, boolean deliverAt, long now) {
        ScheduleDecision decision = metadata.getPropertiesCount() == 0 ? ScheduleDecision.UNSCHEDULED
                : runtime.rules().decide(key -> MessageProperties.get(metadata, key), now, maxDelayMillis);
        if (decision == ScheduleDecision.UNSCHEDULED && deliverAt) {
            decision = runtime.rules().decideDeliverAt(metadata.getDeliverAtTime(), now, maxDelayMillis);
        }
        if (decision instanceof ScheduleDecision.Hold && metadata.hasNumChunksFromMsg()
                && metadata.getNumChunksFromMsg() > 1) {
            return new ScheduleDecision.Refuse("chunked messages cannot be scheduled: send them unchunked");
        }
        return decision;
    }

    /**
     * True when the producer has no publish in flight but this one: its acknowledgement can go out at once, with no
     * barrier written (a producer that waits for each send, as a transactional producer does, never needs one).
     */
    private boolean noEarlierWrites(String producerName) {
        Producer producer = getProducers().get(producerName);
        return producer != null && MagnetarProducerAccess.pendingPublishes(producer) <= 1;
    }

    /** Completes once every write submitted to this topic before it has completed. */
    private CompletableFuture<Void> writeBarrier() {
        MessageMetadata metadata = new MessageMetadata()
                .setProducerName(InternalNames.BARRIER_PRODUCER)
                .setSequenceId(0)
                .setPublishTime(System.currentTimeMillis())
                .setMarkerType(BARRIER_MARKER_TYPE);
        ByteBuf marker = Commands.serializeMetadataAndPayload(Commands.ChecksumType.None, metadata,
                Unpooled.EMPTY_BUFFER);
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            super.publishMessage(marker, new PublishContext() {
                @Override
                public boolean isMarkerMessage() {
                    return true;
                }

                @Override
                public void completed(Exception e, long ledgerId, long entryId) {
                    done.complete(null); // written or not, every earlier write has been answered
                }
            });
        } finally {
            marker.release();
        }
        return done;
    }

    /** Appends a due message (from the scheduler) to the topic, through Pulsar's own publish path. */
    public void appendDue(ByteBuf message, PublishContext context) {
        super.publishMessage(message, context);
    }

    private TopicScheduler scheduler(boolean recover) {
        TopicScheduler current = scheduler;
        if (current != null) {
            return current;
        }
        synchronized (this) {
            if (scheduler == null) {
                TopicScheduler created = new TopicScheduler(this, runtime);
                if (!recover) {
                    markHasScheduleLog();
                }
                created.start(recover);
                scheduler = created;
            }
            return scheduler;
        }
    }

    private void markHasScheduleLog() {
        if (ledger.getProperties().containsKey(SCHEDULE_PROPERTY)) {
            return;
        }
        ledger.asyncSetProperty(SCHEDULE_PROPERTY, "1", new AsyncCallbacks.UpdatePropertiesCallback() {
            @Override
            public void updatePropertiesComplete(Map<String, String> properties, Object ctx) {
            }

            @Override
            public void updatePropertiesFailed(ManagedLedgerException exception, Object ctx) {
                log.warn("[{}] Could not record that the topic has a schedule log: {}", getName(),
                        exception.toString());
            }
        }, null);
    }

    @Override
    protected PersistentSubscription createPersistentSubscription(String subscriptionName, ManagedCursor cursor,
                                                                  Boolean replicated,
                                                                  Map<String, String> subscriptionProperties) {
        // called from PersistentTopic's constructor too: must not use this class's fields
        if (isCompactionSubscription(subscriptionName)) {
            return super.createPersistentSubscription(subscriptionName, cursor, replicated, subscriptionProperties);
        }
        return new RetryingSubscription(this, subscriptionName, cursor, replicated, subscriptionProperties);
    }

    @Override
    public CompletableFuture<List<Position>> failed(PersistentSubscription subscription, List<Position> positions) {
        boolean retry = runtime.retryEnabled(tenant);
        boolean deadLetter = runtime.deadLetterEnabled(tenant);
        if (!retry && !deadLetter || !runtime.redeliveryRouting()) {
            return null;
        }
        SubType type = subscription.getType();
        if (type != SubType.Shared && type != SubType.Key_Shared) {
            return null;
        }
        RetryPolicy policy;
        try {
            policy = RetryPolicy.resolve(subscription.getSubscriptionProperties(), namespaceProperties, topic);
        } catch (IllegalArgumentException e) {
            runtime.retryMetrics().policyInvalid.increment();
            log.warn("[{}][{}] Invalid retry policy, failed messages are redelivered as Pulsar does: {}", topic,
                    subscription.getName(), e.getMessage());
            return null;
        }
        FailedMessages current = failedMessages;
        if (current == null) {
            synchronized (this) {
                if (failedMessages == null) {
                    failedMessages = new FailedMessages(topic, ledger, new FailedMessages.ScheduleLog() {
                        @Override
                        public CompletableFuture<Position> hold(ByteBuf record, long dueAtMillis) {
                            return scheduler(false).hold(record, dueAtMillis);
                        }

                        @Override
                        public CompletableFuture<Void> ready() {
                            return scheduler(false).ready();
                        }

                        @Override
                        public FailureSteps steps() {
                            return scheduler(false).steps();
                        }
                    }, runtime.retryMetrics().failures);
                }
                current = failedMessages;
            }
        }
        return current.fail(subscription, positions, policy, retry, deadLetter);
    }

    @Override
    public void removeProducer(Producer producer) {
        super.removeProducer(producer);
        lines.remove(producer.getProducerName());
    }

    @Override
    public CompletableFuture<Void> delete() {
        return super.delete().thenCompose(ignored -> deleteScheduled());
    }

    @Override
    public CompletableFuture<Void> deleteForcefully() {
        return super.deleteForcefully().thenCompose(ignored -> deleteScheduled());
    }

    private CompletableFuture<Void> deleteScheduled() {
        TopicScheduler current = scheduler;
        return current == null ? CompletableFuture.completedFuture(null) : current.delete();
    }

    /**
     * Pulsar's inactive-topic GC never takes a topic that still holds scheduled messages or redelivery copies:
     * they would be lost with it.
     */
    @Override
    public boolean isActive(InactiveTopicDeleteMode deleteMode) {
        TopicScheduler current = scheduler;
        return current != null && current.held() > 0 || super.isActive(deleteMode);
    }

    /**
     * Every delete path of Pulsar's topic (the GC's too, which is private) passes here once the topic is fenced
     * and its clients are gone: an empty timer log goes with the topic. One still holding messages is deleted
     * only after the topic itself is ({@link #delete()}), so a failed delete loses nothing.
     */
    @Override
    public CompletableFuture<Void> deleteTopicPolicies() {
        TopicScheduler current = scheduler;
        CompletableFuture<Void> emptyLog = current != null && current.held() == 0 ? current.delete()
                : CompletableFuture.completedFuture(null);
        return emptyLog.thenCompose(ignored -> super.deleteTopicPolicies());
    }

    @Override
    public CompletableFuture<Void> close(boolean disconnectClients, boolean closeWithoutWaitingClientDisconnect) {
        return super.close(disconnectClients, closeWithoutWaitingClientDisconnect).whenComplete((ignored, e) -> {
            TopicScheduler current = scheduler;
            if (current != null) {
                current.close();
            }
        });
    }
}
