package io.magnetar.interceptor;

import io.magnetar.filter.interceptor.BatchIndexAckCompletion;
import io.magnetar.flags.Feature;
import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.plugin.PluginContext;
import io.magnetar.transaction.interceptor.TransactionalProducerCheck;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.PositionFactory;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.intercept.BrokerInterceptor;
import org.apache.pulsar.broker.service.Consumer;
import org.apache.pulsar.broker.service.ServerCnx;
import org.apache.pulsar.broker.service.persistent.PersistentSubscription;
import org.apache.pulsar.common.api.proto.BaseCommand;
import org.apache.pulsar.common.api.proto.CommandAck;
import org.apache.pulsar.common.intercept.InterceptException;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Magnetar's broker interceptor. It validates Magnetar's broker.conf keys (a bad value fails the broker start),
 * keeps this class loader's view of the tenant feature flags, and refuses SUBSCRIBE commands whose tag / SQL92
 * filter does not compile (tenants with {@code tagFilter} on). After batch-index acknowledgements it completes
 * what Pulsar leaves undone for them ({@link BatchIndexAckCompletion}), without which a consumer of split batches
 * can stay blocked on its unacknowledged-message limit for good.
 */
public class MagnetarBrokerInterceptor implements BrokerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(MagnetarBrokerInterceptor.class);

    private PluginContext context;
    private static final String SUBSCRIPTIONS_REFUSED = "SUBSCRIBE commands refused, by reason";
    private SubscriptionPropertiesCheck subscriptionPropertiesCheck;
    private TransactionalProducerCheck transactionalProducerCheck;
    private LongAdder pendingAcksCompleted;
    /** Only the filter splits batches by index: other tenants' acknowledgements are Pulsar's alone. */
    private Predicate<String> tagFilter = tenant -> false;

    @Override
    public void initialize(PulsarService pulsar) throws Exception {
        InterceptorInternals.check();
        context = PluginContext.start(pulsar, "interceptor");
        TenantFeatureFlags flags = context.flags();
        subscriptionPropertiesCheck = new SubscriptionPropertiesCheck(
                tenant -> flags.isEnabled(tenant, Feature.TAG_FILTER),
                tenant -> flags.isEnabled(tenant, Feature.RETRY) || flags.isEnabled(tenant, Feature.DEAD_LETTER),
                context.metrics().counter("subscriptions_refused", SUBSCRIPTIONS_REFUSED, "reason",
                        "filter_expression"),
                context.metrics().counter("subscriptions_refused", SUBSCRIPTIONS_REFUSED, "reason",
                        "retry_policy"));
        transactionalProducerCheck = new TransactionalProducerCheck(
                tenant -> flags.isEnabled(tenant, Feature.TRANSACTION),
                context.metrics().counter("producers_refused", "PRODUCER commands refused, by reason", "reason",
                        "transaction_off"));
        tagFilter = tenant -> flags.isEnabled(tenant, Feature.TAG_FILTER);
        pendingAcksCompleted = context.metrics().counter("batch_index_ack_entries_completed",
                "Entries fully acknowledged by batch index, removed from their consumer's pending acknowledgements");
        log.info("Magnetar broker interceptor initialized (default features {})", context.config().defaultFeatures());
    }

    @Override
    public void onPulsarCommand(BaseCommand command, ServerCnx cnx) throws InterceptException {
        if (command.getType() == BaseCommand.Type.SUBSCRIBE && command.hasSubscribe()) {
            subscriptionPropertiesCheck.check(command.getSubscribe());
        } else if (command.getType() == BaseCommand.Type.PRODUCER && command.hasProducer()) {
            transactionalProducerCheck.check(command.getProducer());
        }
    }

    @Override
    public void messageAcked(ServerCnx cnx, Consumer consumer, CommandAck ackCmd) {
        if (!BatchIndexAckCompletion.concerns(ackCmd)
                || !(consumer.getSubscription() instanceof PersistentSubscription subscription)
                || !tagFilter.test(TopicName.get(subscription.getTopicName()).getTenant())) {
            return;
        }
        ManagedCursor cursor = subscription.getCursor();
        List<Consumer> consumers = subscription.getConsumers();
        List<BatchIndexAckCompletion.Owner> owners = new ArrayList<>(consumers.size() + 1);
        owners.add(owner(consumer));
        for (Consumer other : consumers) {
            if (other != consumer) {
                owners.add(owner(other));
            }
        }
        int completed = BatchIndexAckCompletion.afterAck(ackCmd,
                (ledgerId, entryId) -> cursor.isMessageDeleted(PositionFactory.create(ledgerId, entryId)), owners);
        if (completed > 0 && pendingAcksCompleted != null) {
            pendingAcksCompleted.add(completed);
        }
    }

    private static BatchIndexAckCompletion.Owner owner(Consumer consumer) {
        return new BatchIndexAckCompletion.Owner() {
            @Override
            public boolean removePendingAck(long ledgerId, long entryId) {
                return consumer.getPendingAcks() != null && consumer.getPendingAcks().remove(ledgerId, entryId);
            }

            @Override
            public boolean isBlocked() {
                return consumer.isBlocked();
            }

            @Override
            public void resumeIfBelowLimit() {
                consumer.updateBlockedConsumerOnUnackedMsgs(consumer);
            }
        };
    }

    @Override
    public void onConnectionClosed(ServerCnx cnx) {
    }

    @Override
    public void onWebserviceRequest(ServletRequest request) {
    }

    @Override
    public void onWebserviceResponse(ServletRequest request, ServletResponse response) {
    }

    @Override
    public void close() {
        if (context != null) {
            context.close();
        }
    }
}
