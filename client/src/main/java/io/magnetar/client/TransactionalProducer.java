package io.magnetar.client;

import io.magnetar.api.InternalNames;
import io.magnetar.api.MessageKeys;
import io.magnetar.api.ProducerKeys;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.TypedMessageBuilder;

/**
 * RocketMQ's {@code TransactionMQProducer} over the standard Pulsar Java client, for a broker with Magnetar and the
 * tenant's {@code transaction} feature on. {@link #send} sends a half message (invisible to every subscription),
 * runs {@link TransactionListener#executeLocalTransaction} and sends its answer; the broker asks the group back
 * ({@link TransactionListener#checkLocalTransaction}) for halves left unresolved, on whichever producer of the
 * group is alive. Every instance with the same {@code group} answers checks for the group's halves.
 *
 * <pre>{@code
 * TransactionalProducer<String> producer = TransactionalProducer.create(client, Schema.STRING,
 *         "persistent://acme/orders/payments", "payments-service", listener);
 * producer.send(new TransactionalProducer.Half<>("order-17", "paid", Map.of()), order);
 * }</pre>
 *
 * The wire conventions are plain message properties (docs/transactions.md), so other languages do the same.
 */
public final class TransactionalProducer<T> implements AutoCloseable {
    public static final String HALF = MessageKeys.HALF;
    public static final String PRODUCER_GROUP = MessageKeys.PRODUCER_GROUP;
    public static final String TRANSACTION_ID = MessageKeys.TRANSACTION_ID;
    public static final String RESOLUTION = MessageKeys.RESOLUTION;
    public static final String CHECK_TIMES = MessageKeys.CHECK_TIMES;
    public static final String REAL_TOPIC = MessageKeys.REAL_TOPIC;
    /** Producer property: the broker refuses the producer when the tenant has {@code transaction} off. */
    public static final String TRANSACTIONAL_PRODUCER = ProducerKeys.TRANSACTIONAL;
    private static final Logger log = Logger.getLogger(TransactionalProducer.class.getName());
    private static final long ANSWER_TIMEOUT_SECONDS = 30;

    /** RocketMQ's answers ({@code UNKNOW} as RocketMQ spells it). */
    public enum LocalTransactionState { COMMIT_MESSAGE, ROLLBACK_MESSAGE, UNKNOW }

    /** The application's side of a transaction. An exception or a null answer counts as {@code UNKNOW}. */
    public interface TransactionListener<T> {
        LocalTransactionState executeLocalTransaction(HalfMessage<T> message, Object arg);

        LocalTransactionState checkLocalTransaction(HalfMessage<T> message);
    }

    /** What to send as a half message. */
    public record Half<T>(String key, T value, Map<String, String> properties) {
        public Half {
            properties = properties == null ? Map.of() : Map.copyOf(properties);
        }
    }

    /** A half message as the listener sees it; {@code checkTimes} is 0 in {@code executeLocalTransaction}. */
    public record HalfMessage<T>(String transactionId, String topic, String key, T value,
                                 Map<String, String> properties, int checkTimes) { }

    /** The transaction id (the half message's id) and the local transaction's answer. */
    public record SendResult(String transactionId, LocalTransactionState state) { }

    private final PulsarClient client;
    private final Schema<T> schema;
    private final String topic;
    private final String group;
    private final TransactionListener<T> listener;
    private final Producer<T> producer;
    private final Consumer<byte[]> checks;
    private final Map<String, CompletableFuture<Producer<byte[]>>> resolvers = new ConcurrentHashMap<>();
    private final Set<CompletableFuture<MessageId>> answers = ConcurrentHashMap.newKeySet();

    private TransactionalProducer(PulsarClient client, Schema<T> schema, String topic, String group,
                                  TransactionListener<T> listener) throws PulsarClientException {
        this.client = client;
        this.schema = schema;
        this.topic = topic;
        this.group = group;
        this.listener = listener;
        this.producer = client.newProducer(schema).topic(topic).enableBatching(false)
                .property(TRANSACTIONAL_PRODUCER, "true").create();
        try {
            this.checks = client.newConsumer(Schema.BYTES).topic(checkTopic(topic, group))
                    .subscriptionName(group).subscriptionType(SubscriptionType.Shared)
                    .messageListener(this::onCheck).subscribe();
        } catch (PulsarClientException e) {
            producer.closeAsync();
            throw e;
        }
    }

    /**
     * @param topic where the committed messages go
     * @param group the producer group: the broker asks any live producer of it back
     * @throws PulsarClientException.NotAllowedException when the tenant has {@code transaction} off
     */
    public static <T> TransactionalProducer<T> create(PulsarClient client, Schema<T> schema, String topic,
                                                      String group, TransactionListener<T> listener)
            throws PulsarClientException {
        if (group == null || !group.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException("producer group '" + group + "': use 1-200 letters, digits, "
                    + "'-', '_' or '.'");
        }
        return new TransactionalProducer<>(client, schema, topic, group, listener);
    }

    /** The topic the broker sends the group's check-backs to (the namespace of {@code topic}). */
    static String checkTopic(String topic, String group) {
        String name = topic.replaceFirst("^persistent://", "");
        String[] parts = name.split("/");
        String namespace = parts.length >= 3 ? parts[0] + "/" + parts[1] : "public/default";
        return InternalNames.checkTopic(namespace, group);
    }

    /**
     * Sends the half message, runs the local transaction, and sends its answer one-way, as RocketMQ does: the
     * message becomes visible when the broker applies the answer, a moment later; a lost answer is logged and
     * covered by the check-back. {@link #close} waits for the answers still on their way. Throws when the half
     * message is refused or not stored; then nothing ran.
     */
    public SendResult send(Half<T> half, Object arg) throws PulsarClientException {
        TypedMessageBuilder<T> message = producer.newMessage().value(half.value()).properties(half.properties())
                .property(HALF, "true").property(PRODUCER_GROUP, group);
        if (half.key() != null) {
            message.key(half.key());
        }
        MessageId id = message.send();
        String transactionId = id.toString();
        LocalTransactionState state = ask(() -> listener.executeLocalTransaction(new HalfMessage<>(transactionId,
                topic, half.key(), half.value(), half.properties(), 0), arg), transactionId);
        if (state != LocalTransactionState.UNKNOW) {
            CompletableFuture<MessageId> answer = resolve(topic, transactionId, state);
            answers.add(answer);
            answer.whenComplete((ignored, e) -> {
                answers.remove(answer);
                if (e != null) {
                    log.log(Level.WARNING, "Resolution " + state + " of transaction " + transactionId + " on "
                            + topic + " not delivered; the broker will ask back", e);
                }
            });
        }
        return new SendResult(transactionId, state);
    }

    private void onCheck(Consumer<byte[]> consumer, Message<byte[]> check) {
        String transactionId = check.getProperty(TRANSACTION_ID);
        String realTopic = check.getProperty(REAL_TOPIC);
        if (transactionId == null || realTopic == null) {
            consumer.acknowledgeAsync(check);
            return;
        }
        Map<String, String> properties = new HashMap<>(check.getProperties());
        int checkTimes = parseInt(properties.remove(CHECK_TIMES));
        properties.remove(TRANSACTION_ID);
        properties.remove(REAL_TOPIC);
        properties.remove(HALF);
        properties.remove(PRODUCER_GROUP);
        properties.remove(MessageKeys.RECORD_ID);
        T value;
        try {
            value = schema.decode(check.getData());
        } catch (RuntimeException e) {
            value = null;
        }
        HalfMessage<T> view = new HalfMessage<>(transactionId, realTopic, check.getKey(), value, Map.copyOf(properties),
                checkTimes);
        LocalTransactionState state = ask(() -> listener.checkLocalTransaction(view), transactionId);
        if (state == LocalTransactionState.UNKNOW) {
            consumer.acknowledgeAsync(check);
            return;
        }
        resolve(realTopic, transactionId, state).whenComplete((ignored, error) -> {
            if (error == null) {
                consumer.acknowledgeAsync(check);
            } else {
                log.log(Level.WARNING, "Answer " + state + " to the check of transaction " + transactionId
                        + " failed; the check comes again", error);
                consumer.negativeAcknowledge(check);
            }
        });
    }

    private LocalTransactionState ask(java.util.function.Supplier<LocalTransactionState> question,
                                      String transactionId) {
        try {
            LocalTransactionState state = question.get();
            return state == null ? LocalTransactionState.UNKNOW : state;
        } catch (RuntimeException e) {
            log.log(Level.WARNING, "Local transaction " + transactionId + " failed: counted as UNKNOW", e);
            return LocalTransactionState.UNKNOW;
        }
    }

    private CompletableFuture<MessageId> resolve(String realTopic, String transactionId,
                                                 LocalTransactionState state) {
        String resolution = state == LocalTransactionState.COMMIT_MESSAGE ? "COMMIT" : "ROLLBACK";
        CompletableFuture<Producer<byte[]>> resolver = resolvers.computeIfAbsent(realTopic, t -> client
                .newProducer(Schema.BYTES).topic(t).enableBatching(false).property(TRANSACTIONAL_PRODUCER, "true")
                .createAsync());
        resolver.exceptionally(e -> {
            resolvers.remove(realTopic, resolver); // the next answer tries again
            return null;
        });
        return resolver.thenCompose(r -> r.newMessage().value(new byte[0])
                        .property(TRANSACTION_ID, transactionId).property(RESOLUTION, resolution)
                        .property(PRODUCER_GROUP, group).sendAsync());
    }

    private static int parseInt(String value) {
        try {
            return value == null ? 0 : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() throws PulsarClientException {
        try {
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .get(ANSWER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.log(Level.WARNING, "Some answers were not delivered before close; the broker will ask back", e);
        }
        checks.close();
        for (CompletableFuture<Producer<byte[]>> resolver : resolvers.values()) {
            resolver.thenAccept(Producer::closeAsync);
        }
        producer.close();
    }
}
