package io.magnetar.admin;

import static io.magnetar.admin.AdminResponses.done;
import static io.magnetar.admin.AdminResponses.error;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.magnetar.flags.Feature;
import io.magnetar.flags.FeatureOverrides;
import io.magnetar.flags.InvalidFeatureRequestException;
import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.metrics.MagnetarMetrics;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.common.policies.data.TenantInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /v1/tenants/{tenant}/features}: GET the effective flags, PUT a JSON object of booleans (or null to
 * return one feature to its default), DELETE every override. Free of servlet types so it is tested directly.
 */
public final class FeaturesResource {
    private static final Logger log = LoggerFactory.getLogger(FeaturesResource.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** What the handler answers; {@code body} is JSON. */
    public record Response(int status, String body) { }

    /** Who is calling, as Pulsar's authentication filter established it (both null when it is off). */
    public record Caller(String role, Object authenticationData) { }

    /** Looks tenants up in Pulsar's configuration store. */
    public interface TenantDirectory {
        CompletableFuture<Optional<TenantInfo>> tenant(String name);
    }

    /** Pulsar's authorization decision: super-user or one of the tenant's admin roles. */
    public interface Authorizer {
        /** Whether the broker has authorization on; when off every caller may administer every tenant. */
        boolean enabled();

        /** Only asked when {@link #enabled()} and the caller has a role. */
        CompletableFuture<Boolean> mayAdminister(String tenant, TenantInfo info, Caller caller);
    }

    private final TenantFeatureFlags flags;
    private final TenantDirectory tenants;
    private final Authorizer authorizer;
    private final MagnetarMetrics metrics;
    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

    public FeaturesResource(TenantFeatureFlags flags, TenantDirectory tenants, Authorizer authorizer,
                            MagnetarMetrics metrics) {
        this.flags = flags;
        this.tenants = tenants;
        this.authorizer = authorizer;
        this.metrics = metrics;
    }

    public CompletableFuture<Response> handle(String method, String path, String body, Caller caller) {
        String m = method == null ? "" : method;
        CompletableFuture<Response> result;
        try {
            result = route(m, path == null ? "" : path, body, caller);
        } catch (RuntimeException e) {
            result = CompletableFuture.failedFuture(e);
        }
        return result.exceptionally(ex -> {
            Throwable cause = AdminResponses.unwrap(ex);
            if (cause instanceof InvalidFeatureRequestException) {
                return error(400, cause.getMessage());
            }
            log.error("Magnetar admin request {} {} failed", m, path, cause);
            return error(500, "internal error: " + cause);
        }).thenApply(r -> {
            count(m, r.status);
            return r;
        });
    }

    private CompletableFuture<Response> route(String method, String path, String body, Caller caller) {
        String[] parts = path.split("/");
        // "", "v1", "tenants", "{tenant}", "features"
        if (parts.length != 5 || !parts[0].isEmpty() || !parts[1].equals("v1") || !parts[2].equals("tenants")
                || !parts[4].equals("features") || parts[3].isEmpty()) {
            return done(error(404, "no such resource: " + path + " (try /magnetar/v1/tenants/{tenant}/features)"));
        }
        String tenant = parts[3];
        if (!method.equals("GET") && !method.equals("PUT") && !method.equals("DELETE")) {
            return done(error(405, "method " + method + " not allowed; use GET, PUT or DELETE"));
        }
        // Validate the body before anything else so a bad request changes nothing.
        Map<Feature, Boolean> patch = method.equals("PUT") ? FeatureOverrides.parsePatch(body) : null;
        return asTenantAdmin(tenants, authorizer, tenant, caller, () -> apply(method, tenant, patch, caller));
    }

    /**
     * Runs {@code action} when the tenant exists and, with authorization on, the caller is a super-user or one of
     * its admin roles; answers 404 / 401 / 403 otherwise.
     */
    public static CompletableFuture<Response> asTenantAdmin(TenantDirectory tenants, Authorizer authorizer, String tenant,
                                                     Caller caller,
                                                     java.util.function.Supplier<CompletableFuture<Response>> action) {
        return tenants.tenant(tenant).thenCompose(info -> {
            if (info.isEmpty()) {
                return done(error(404, "tenant '" + tenant + "' does not exist"));
            }
            if (authorizer.enabled()) {
                if (caller.role() == null) {
                    return done(error(401, "authentication required"));
                }
                return authorizer.mayAdminister(tenant, info.get(), caller).thenCompose(ok -> ok
                        ? action.get()
                        : done(error(403, "role '" + caller.role() + "' may not administer tenant '" + tenant
                                + "' (needs a super-user role or one of the tenant's admin roles)")));
            }
            return action.get();
        });
    }

    private CompletableFuture<Response> apply(String method, String tenant, Map<Feature, Boolean> patch,
                                              Caller caller) {
        return switch (method) {
            case "PUT" -> flags.update(tenant, patch).thenApply(o -> {
                log.info("Magnetar features of tenant {} set by role {}: {}", tenant, caller.role(), patch);
                return view(tenant);
            });
            case "DELETE" -> flags.clear(tenant).thenApply(o -> {
                log.info("Magnetar feature overrides of tenant {} cleared by role {}", tenant, caller.role());
                return view(tenant);
            });
            default -> done(view(tenant));
        };
    }

    private Response view(String tenant) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("tenant", tenant);
        ObjectNode features = root.putObject("features");
        flags.effective(tenant).toWireMap().forEach(features::put);
        ObjectNode overrides = root.putObject("overrides");
        flags.overrides(tenant).values().forEach((f, v) -> overrides.put(f.wireName(), v));
        ObjectNode defaults = root.putObject("defaults");
        flags.defaults().toWireMap().forEach(defaults::put);
        return new Response(200, root.toString());
    }

    private void count(String method, int status) {
        String m = switch (method) {
            case "GET", "PUT", "DELETE" -> method;
            default -> "OTHER";
        };
        String outcome = switch (status) {
            case 200 -> "ok";
            case 400 -> "bad_request";
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            default -> "error";
        };
        requests.computeIfAbsent(m + ' ' + outcome, k -> metrics.counter("requests",
                "Admin REST requests by method and outcome", "method", m, "outcome", outcome)).increment();
    }
}
