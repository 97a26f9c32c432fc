package io.magnetar.interceptor;

import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.plugin.PluginContext;
import javax.servlet.ServletRequest;
import javax.servlet.ServletResponse;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.intercept.BrokerInterceptor;
import org.apache.pulsar.broker.service.ServerCnx;
import org.apache.pulsar.common.api.proto.BaseCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Magnetar's broker interceptor. Today it validates Magnetar's broker.conf keys (a bad value fails the broker
 * start) and keeps this class loader's view of the tenant feature flags, which the transaction, retry and
 * dead-letter hooks consult on the hot path.
 */
public class MagnetarBrokerInterceptor implements BrokerInterceptor {
    private static final Logger log = LoggerFactory.getLogger(MagnetarBrokerInterceptor.class);

    private PluginContext context;

    @Override
    public void initialize(PulsarService pulsar) throws Exception {
        context = PluginContext.start(pulsar, "interceptor");
        log.info("Magnetar broker interceptor initialized (default features {})", context.config().defaultFeatures());
    }

    /** This interceptor's view of the tenant feature flags. */
    public TenantFeatureFlags featureFlags() {
        return context.flags();
    }

    @Override
    public void onPulsarCommand(BaseCommand command, ServerCnx cnx) {
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
