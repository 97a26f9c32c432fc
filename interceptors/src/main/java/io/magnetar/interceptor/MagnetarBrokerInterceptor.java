package io.magnetar.interceptor;

import io.magnetar.flags.Feature;
import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.plugin.PluginContext;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.intercept.BrokerInterceptor;
import org.apache.pulsar.broker.service.ServerCnx;
import org.apache.pulsar.common.api.proto.BaseCommand;
import org.apache.pulsar.common.intercept.InterceptException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Magnetar's broker interceptor. It validates Magnetar's broker.conf keys (a bad value fails the broker start),
 * keeps this class loader's view of the tenant feature flags, and refuses SUBSCRIBE commands whose tag / SQL92
 * filter does not compile (tenants with {@code tagFilter} on).
 */
public class MagnetarBrokerInterceptor implements BrokerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(MagnetarBrokerInterceptor.class);

    private PluginContext context;
    private static final String SUBSCRIPTIONS_REFUSED = "SUBSCRIBE commands refused, by reason";
    private SubscriptionPropertiesCheck subscriptionPropertiesCheck;
    private TransactionalProducerCheck transactionalProducerCheck;

    @Override
    public void initialize(PulsarService pulsar) throws Exception {
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
        log.info("Magnetar broker interceptor initialized (default features {})", context.config().defaultFeatures());
    }

    /** This interceptor's view of the tenant feature flags. */
    public TenantFeatureFlags featureFlags() {
        return context.flags();
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
