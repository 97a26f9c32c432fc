package io.magnetar.retry.admin;

import static io.magnetar.admin.AdminResponses.decode;
import static io.magnetar.admin.AdminResponses.done;
import static io.magnetar.admin.AdminResponses.error;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.magnetar.admin.AdminResponses;
import io.magnetar.admin.FeaturesResource;
import io.magnetar.api.AdminPaths;
import io.magnetar.metrics.MagnetarMetrics;
import io.magnetar.retry.RetryPolicy;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.common.naming.TopicDomain;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/deadletters/{tenant}/{namespace}/{topic}/{subscription}/redrive[?deadLetterTopic=…&max=N]}:
 * moves the messages of a subscription's dead-letter topic back to that subscription (and only to it), each with a
 * fresh retry count. Moved messages are acknowledged on the dead-letter topic's {@code magnetar-redrive}
 * subscription, so a repeated call moves only what is left. Free of servlet and client types so it is tested
 * directly.
 */
public final class DeadLettersResource {
    private static final Logger log = LoggerFactory.getLogger(DeadLettersResource.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final long DEFAULT_MAX = 10_000;
    static final long LIMIT = 1_000_000;

    /** Moves up to {@code max} dead letters back; completes with how many it moved. */
    public interface Redriver {
        CompletableFuture<Long> redrive(String deadLetterTopic, String topic, String subscription, long max);
    }

    private final FeaturesResource.TenantDirectory tenants;
    private final FeaturesResource.Authorizer authorizer;
    private final Redriver redriver;
    private final LongAdder moved;
    private final MagnetarMetrics metrics;

    public DeadLettersResource(FeaturesResource.TenantDirectory tenants, FeaturesResource.Authorizer authorizer,
                               Redriver redriver, MagnetarMetrics metrics) {
        this.tenants = tenants;
        this.authorizer = authorizer;
        this.redriver = redriver;
        this.metrics = metrics;
        this.moved = metrics.counter("dead_letters_redriven", "dead letters moved back to their subscription");
    }

    public static boolean handles(String path) {
        return path != null && path.startsWith(AdminPaths.DEAD_LETTERS);
    }

    public CompletableFuture<FeaturesResource.Response> handle(String method, String path, String query,
                                                               FeaturesResource.Caller caller) {
        return AdminResponses.answer(() -> route(method, path, query, caller), cause -> {
            log.warn("Magnetar re-drive {} failed: {}", path, cause.toString());
            return error(cause instanceof IllegalStateException ? 409 : 500, "re-drive failed: " + cause.getMessage());
        });
    }

    private CompletableFuture<FeaturesResource.Response> route(String method, String path, String query,
                                                               FeaturesResource.Caller caller) {
        String[] parts = path.split("/");
        // "", "v1", "deadletters", tenant, namespace, topic, subscription, "redrive"
        if (parts.length != 8 || !parts[7].equals("redrive") || parts[3].isEmpty() || parts[4].isEmpty()
                || parts[5].isEmpty() || parts[6].isEmpty()) {
            return done(error(404, "no such resource: " + path + " (try /magnetar/v1/deadletters/{tenant}/"
                    + "{namespace}/{topic}/{subscription}/redrive)"));
        }
        if (!"POST".equals(method)) {
            return done(error(405, "method " + method + " not allowed; use POST"));
        }
        String topic = TopicName.get(TopicDomain.persistent.value(), parts[3], parts[4],
                decode(parts[5])).toString();
        String subscription = decode(parts[6]);
        Map<String, String> parameters = parameters(query);
        long max = max(parameters.get("max"));
        Map<String, String> policy = new HashMap<>();
        if (parameters.containsKey("deadLetterTopic")) {
            policy.put(RetryPolicy.DEAD_LETTER_TOPIC, parameters.get("deadLetterTopic"));
        }
        String deadLetterTopic = RetryPolicy.resolve(policy, Map.of(), topic).deadLetterTopicFor(topic, subscription);
        String tenant = parts[3];
        return FeaturesResource.asTenantAdmin(tenants, authorizer, tenant, caller,
                () -> redrive(deadLetterTopic, topic, subscription, max, caller));
    }

    private CompletableFuture<FeaturesResource.Response> redrive(String deadLetterTopic, String topic,
                                                                 String subscription, long max,
                                                                 FeaturesResource.Caller caller) {
        return redriver.redrive(deadLetterTopic, topic, subscription, max).thenApply(count -> {
            moved.add(count);
            log.info("[{}][{}] {} dead letters re-driven from {} by role {}", topic, subscription, count,
                    deadLetterTopic, caller.role());
            ObjectNode root = MAPPER.createObjectNode();
            root.put("topic", topic);
            root.put("subscription", subscription);
            root.put("deadLetterTopic", deadLetterTopic);
            root.put("moved", count);
            return new FeaturesResource.Response(200, root.toString());
        });
    }

    private static long max(String value) {
        if (value == null) {
            return DEFAULT_MAX;
        }
        try {
            long max = Long.parseLong(value);
            if (max > 0 && max <= LIMIT) {
                return max;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("max: '" + value + "' is not a whole number from 1 to " + LIMIT);
    }

    private static Map<String, String> parameters(String query) {
        Map<String, String> parameters = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return parameters;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!key.equals("max") && !key.equals("deadLetterTopic")) {
                throw new IllegalArgumentException("unknown parameter '" + key + "' (use max, deadLetterTopic)");
            }
            parameters.put(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return parameters;
    }
}
