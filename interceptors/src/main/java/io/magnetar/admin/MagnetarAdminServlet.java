package io.magnetar.admin;

import io.magnetar.api.AdminPaths;
import io.magnetar.config.MagnetarSettings;
import io.magnetar.plugin.PluginContext;
import io.magnetar.retry.admin.BrokerPolicyStore;
import io.magnetar.retry.admin.ClientRedriver;
import io.magnetar.retry.admin.DeadLettersResource;
import io.magnetar.retry.admin.RetryPoliciesResource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.authentication.AuthenticationDataSource;
import org.apache.pulsar.broker.web.AuthenticationFilter;
import org.apache.pulsar.broker.web.plugin.servlet.AdditionalServletWithPulsarService;
import org.apache.pulsar.common.configuration.PulsarConfiguration;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.eclipse.jetty.servlet.ServletHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Magnetar admin REST API, mounted by the broker's web service at {@code /magnetar}. */
public final class MagnetarAdminServlet implements AdditionalServletWithPulsarService {
    public static final String BASE_PATH = AdminPaths.ROOT;
    private static final Logger log = LoggerFactory.getLogger(MagnetarAdminServlet.class);
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final long REQUEST_TIMEOUT_SECONDS = 30;
    private static final long REDRIVE_TIMEOUT_SECONDS = 300;

    private PluginContext context;
    private FeaturesResource features;
    private DeadLettersResource deadLetters;
    private RetryPoliciesResource retryPolicies;
    private ExecutorService redrives;

    /** Validates every Magnetar key (MagnetarSettings) early; the broker refuses to start on a bad value. */
    @Override
    public void loadConfig(PulsarConfiguration pulsarConfiguration) {
        MagnetarSettings.from(pulsarConfiguration.getProperties());
    }

    @Override
    public void setPulsarService(PulsarService pulsar) {
        try {
            context = PluginContext.start(pulsar, "admin");
        } catch (Exception e) {
            throw new IllegalStateException("Magnetar admin API could not start: " + e.getMessage(), e);
        }
        FeaturesResource.Authorizer authorizer = new FeaturesResource.Authorizer() {
            @Override
            public boolean enabled() {
                return pulsar.getConfiguration().isAuthorizationEnabled();
            }

            @Override
            public CompletableFuture<Boolean> mayAdminister(String tenant, TenantInfo info,
                                                            FeaturesResource.Caller caller) {
                var authz = pulsar.getBrokerService().getAuthorizationService();
                AuthenticationDataSource data = (AuthenticationDataSource) caller.authenticationData();
                return authz.isSuperUser(caller.role(), data).thenCompose(superUser -> superUser
                        ? CompletableFuture.completedFuture(true)
                        : authz.isTenantAdmin(tenant, caller.role(), info, data));
            }
        };
        features = new FeaturesResource(context.flags(),
                name -> pulsar.getPulsarResources().getTenantResources().getTenantAsync(name), authorizer,
                context.metrics());
        redrives = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "magnetar-redrive");
            thread.setDaemon(true);
            return thread;
        });
        deadLetters = new DeadLettersResource(
                name -> pulsar.getPulsarResources().getTenantResources().getTenantAsync(name), authorizer,
                new ClientRedriver(pulsar::getClient, redrives, pulsar::getBrokerId), context.metrics());
        retryPolicies = new RetryPoliciesResource(
                name -> pulsar.getPulsarResources().getTenantResources().getTenantAsync(name), authorizer,
                new BrokerPolicyStore(pulsar), context.metrics());
        log.info("Magnetar admin REST API at {}/v1 (default features {})", BASE_PATH,
                context.config().defaultFeatures());
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public ServletHolder getServletHolder() {
        return new ServletHolder(new HttpServlet() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                serve(req, resp);
            }
        });
    }

    private void serve(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        FeaturesResource.Response response;
        byte[] body = readBody(req);
        if (body == null) {
            response = new FeaturesResource.Response(413,
                    "{\"reason\":\"request body larger than " + MAX_BODY_BYTES + " bytes\"}");
        } else {
            FeaturesResource.Caller caller = new FeaturesResource.Caller(
                    (String) req.getAttribute(AuthenticationFilter.AuthenticatedRoleAttributeName),
                    req.getAttribute(AuthenticationFilter.AuthenticatedDataAttributeName));
            String path = req.getPathInfo();
            boolean redrive = DeadLettersResource.handles(path);
            long timeout = redrive ? REDRIVE_TIMEOUT_SECONDS : REQUEST_TIMEOUT_SECONDS;
            String text = new String(body, StandardCharsets.UTF_8);
            try {
                response = (redrive ? deadLetters.handle(req.getMethod(), path, req.getQueryString(), caller)
                        : RetryPoliciesResource.handles(path) ? retryPolicies.handle(req.getMethod(), path, text, caller)
                        : features.handle(req.getMethod(), path, text, caller))
                        .get(timeout, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                response = new FeaturesResource.Response(503, "{\"reason\":\"no answer within " + timeout
                        + " s" + (redrive ? " (the re-drive goes on; call again to continue)" : "") + "\"}");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                response = new FeaturesResource.Response(503, "{\"reason\":\"interrupted\"}");
            } catch (Exception e) {
                log.error("Magnetar admin request {} {} failed", req.getMethod(), req.getPathInfo(), e);
                response = new FeaturesResource.Response(500, "{\"reason\":\"internal error\"}");
            }
        }
        resp.setStatus(response.status());
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.getOutputStream().write(response.body().getBytes(StandardCharsets.UTF_8));
    }

    /** The request body, or null when it exceeds the limit. */
    private static byte[] readBody(HttpServletRequest req) throws IOException {
        try (InputStream in = req.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            return bytes.length > MAX_BODY_BYTES ? null : bytes;
        }
    }

    @Override
    public void close() {
        if (redrives != null) {
            redrives.shutdownNow();
        }
        if (context != null) {
            context.close();
        }
    }
}
