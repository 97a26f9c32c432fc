package io.magnetar.retry.admin;

import static io.magnetar.admin.AdminResponses.decode;
import static io.magnetar.admin.AdminResponses.done;
import static io.magnetar.admin.AdminResponses.error;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.magnetar.admin.AdminResponses;
import io.magnetar.admin.FeaturesResource;
import io.magnetar.api.AdminPaths;
import io.magnetar.metrics.MagnetarMetrics;
import io.magnetar.retry.RetryPolicy;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.pulsar.common.naming.NamespaceName;
import org.apache.pulsar.common.naming.TopicDomain;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retry / dead-letter policy of a namespace or of one subscription, kept where the broker reads it (namespace
 * properties, subscription properties):
 * <ul>
 *   <li>{@code /v1/retry/{tenant}/{namespace}}</li>
 *   <li>{@code /v1/retry/{tenant}/{namespace}/{topic}/{subscription}} (persistent topics)</li>
 * </ul>
 * GET shows the keys set at that level and the policy in effect; PUT takes a JSON object of
 * {@code maxReconsumeTimes}, {@code backoff}, {@code deadLetterTopic} (null removes one) and is validated as a
 * whole before anything is written; DELETE removes the three keys. Other properties are left as they are.
 */
public final class RetryPoliciesResource {
    private static final Logger log = LoggerFactory.getLogger(RetryPoliciesResource.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("maxReconsumeTimes", RetryPolicy.MAX_RECONSUME_TIMES);
        FIELDS.put("backoff", RetryPolicy.BACKOFF);
        FIELDS.put("deadLetterTopic", RetryPolicy.DEAD_LETTER_TOPIC);
    }

    /** Where the properties live; a missing namespace or subscription fails with {@link NoSuchElementException}. */
    public interface PolicyStore {
        CompletableFuture<Map<String, String>> namespace(String namespace);

        /** Applies {@code change} to the namespace's properties in one metadata update. */
        CompletableFuture<Void> updateNamespace(String namespace, UnaryOperator<Map<String, String>> change);

        CompletableFuture<Map<String, String>> subscription(String topic, String subscription);

        /** Replaces the subscription's properties (Pulsar's update replaces the whole map). */
        CompletableFuture<Void> setSubscription(String topic, String subscription, Map<String, String> properties);
    }

    private final FeaturesResource.TenantDirectory tenants;
    private final FeaturesResource.Authorizer authorizer;
    private final PolicyStore store;
    private final LongAdder updates;
    /** The latest update of each subscription in flight, keyed by topic and subscription. */
    private final Map<String, CompletableFuture<Void>> subscriptionUpdates = new ConcurrentHashMap<>();

    public RetryPoliciesResource(FeaturesResource.TenantDirectory tenants, FeaturesResource.Authorizer authorizer,
                                 PolicyStore store, MagnetarMetrics metrics) {
        this.tenants = tenants;
        this.authorizer = authorizer;
        this.store = store;
        this.updates = metrics.counter("retry_policy_updates", "retry policies set or removed through the REST API");
    }

    /**
     * Runs {@code update} once the previous update of the same subscription through this broker has finished,
     * whatever its outcome: Pulsar replaces a subscription's whole property map, so two read-merge-writes at once
     * would each write what the other did not see.
     */
    private CompletableFuture<Void> oneAtATime(String key, Supplier<CompletableFuture<Void>> update) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> previous = subscriptionUpdates.put(key, mine);
        CompletableFuture<Void> turn = previous == null ? CompletableFuture.completedFuture(null)
                : previous.exceptionally(error -> null);
        turn.thenCompose(ignored -> update.get()).whenComplete((ignored, error) -> {
            subscriptionUpdates.remove(key, mine);
            if (error != null) {
                mine.completeExceptionally(error);
            } else {
                mine.complete(null);
            }
        });
        return mine;
    }

    public static boolean handles(String path) {
        return path != null && path.startsWith(AdminPaths.RETRY);
    }

    public CompletableFuture<FeaturesResource.Response> handle(String method, String path, String body,
                                                               FeaturesResource.Caller caller) {
        return AdminResponses.answer(() -> route(method == null ? "" : method, path, body, caller), cause -> {
            if (cause instanceof IllegalArgumentException) {
                return error(400, cause.getMessage());
            }
            if (cause instanceof NoSuchElementException) {
                return error(404, cause.getMessage());
            }
            log.warn("Magnetar retry policy {} {} failed: {}", method, path, cause.toString());
            return error(500, "retry policy request failed: " + cause.getMessage());
        });
    }

    /** One level of policy: a namespace, or a subscription of a topic in it. */
    private record Target(String tenant, String namespace, String topic, String subscription) {
        boolean isSubscription() {
            return topic != null;
        }

        /** The topic a namespace-level dead-letter topic is checked against: any topic of the namespace. */
        String topicForChecks() {
            return topic != null ? topic : TopicName.get(TopicDomain.persistent.value(),
                    NamespaceName.get(namespace), "any").toString();
        }
    }

    private CompletableFuture<FeaturesResource.Response> route(String method, String path, String body,
                                                               FeaturesResource.Caller caller) {
        String[] parts = path.split("/");
        // "", "v1", "retry", tenant, namespace[, topic, subscription]
        boolean wellFormed = (parts.length == 5 || parts.length == 7) && parts[0].isEmpty();
        for (int i = 3; wellFormed && i < parts.length; i++) {
            wellFormed = !parts[i].isEmpty();
        }
        if (!wellFormed) {
            return done(error(404, "no such resource: " + path + " (try /magnetar/v1/retry/{tenant}/{namespace} or "
                    + "/magnetar/v1/retry/{tenant}/{namespace}/{topic}/{subscription})"));
        }
        if (!method.equals("GET") && !method.equals("PUT") && !method.equals("DELETE")) {
            return done(error(405, "method " + method + " not allowed; use GET, PUT or DELETE"));
        }
        String namespace = NamespaceName.get(parts[3], parts[4]).toString();
        Target target = parts.length == 5 ? new Target(parts[3], namespace, null, null)
                : new Target(parts[3], namespace, TopicName.get(TopicDomain.persistent.value(), parts[3], parts[4],
                        decode(parts[5])).toString(), decode(parts[6]));
        // Validate the body before anything else so a bad request changes nothing.
        Map<String, String> patch = method.equals("PUT") ? parsePatch(body)
                : method.equals("DELETE") ? removeAll() : null;
        return FeaturesResource.asTenantAdmin(tenants, authorizer, target.tenant(), caller, () -> patch == null
                ? view(target)
                : apply(target, patch).thenCompose(ignored -> {
                    updates.increment();
                    log.info("[{}][{}] Magnetar retry policy of {} {} by role {}: {}",
                            target.isSubscription() ? target.topic() : target.namespace(),
                            target.isSubscription() ? target.subscription() : "",
                            target.isSubscription() ? "the subscription" : "the namespace",
                            method.equals("PUT") ? "set" : "removed", caller.role(), patch);
                    return view(target);
                }));
    }

    /** Property key to new value; a null value removes the key. */
    static Map<String, String> parsePatch(String body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body == null ? "" : body);
        } catch (Exception e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject() || root.isEmpty()) {
            throw new IllegalArgumentException("the body must be a JSON object with at least one of "
                    + FIELDS.keySet());
        }
        Map<String, String> patch = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = FIELDS.get(field.getKey());
            if (key == null) {
                throw new IllegalArgumentException("unknown field '" + field.getKey() + "' (use "
                        + String.join(", ", FIELDS.keySet()) + ")");
            }
            JsonNode value = field.getValue();
            if (!value.isNull() && !value.isTextual() && !value.isNumber()) {
                throw new IllegalArgumentException(field.getKey() + ": give a string, a number or null");
            }
            patch.put(key, value.isNull() ? null : value.asText());
        }
        return patch;
    }

    private static Map<String, String> removeAll() {
        Map<String, String> patch = new HashMap<>();
        FIELDS.values().forEach(key -> patch.put(key, null));
        return patch;
    }

    static Map<String, String> patched(Map<String, String> properties, Map<String, String> patch) {
        Map<String, String> result = new HashMap<>(properties == null ? Map.of() : properties);
        patch.forEach((key, value) -> {
            if (value == null) {
                result.remove(key);
            } else {
                result.put(key, value);
            }
        });
        return result;
    }

    private CompletableFuture<Void> apply(Target target, Map<String, String> patch) {
        if (target.isSubscription()) {
            return oneAtATime(target.topic() + "\n" + target.subscription(),
                    () -> store.subscription(target.topic(), target.subscription()).thenCompose(current -> {
                        Map<String, String> next = patched(current, patch);
                        RetryPolicy.validate(next, target.topic());
                        return store.setSubscription(target.topic(), target.subscription(), next);
                    }));
        }
        return store.updateNamespace(target.namespace(), current -> {
            Map<String, String> next = patched(current, patch);
            RetryPolicy.validate(next, target.topicForChecks());
            return next;
        });
    }

    private CompletableFuture<FeaturesResource.Response> view(Target target) {
        CompletableFuture<Map<String, String>> subscription = target.isSubscription()
                ? store.subscription(target.topic(), target.subscription())
                : CompletableFuture.completedFuture(Map.of());
        return subscription.thenCombine(store.namespace(target.namespace()), (sub, ns) -> {
            ObjectNode root = MAPPER.createObjectNode();
            root.put("namespace", target.namespace());
            if (target.isSubscription()) {
                root.put("topic", target.topic());
                root.put("subscription", target.subscription());
            }
            root.set("set", retryKeys(target.isSubscription() ? sub : ns));
            if (target.isSubscription()) {
                root.set("namespaceSet", retryKeys(ns));
            }
            ObjectNode effective = root.putObject("effective");
            try {
                RetryPolicy policy = RetryPolicy.resolve(sub, ns, target.topicForChecks());
                effective.put("maxReconsumeTimes", policy.maxReconsumeTimes());
                ArrayNode backoff = effective.putArray("backoffMillis");
                for (long step : policy.backoffMillis()) {
                    backoff.add(step);
                }
                effective.put("deadLetterTopic", target.isSubscription()
                        ? policy.deadLetterTopicFor(target.topic(), target.subscription())
                        : policy.deadLetterTopic() != null ? policy.deadLetterTopic()
                        : "<topic>-<subscription>-DLQ");
            } catch (IllegalArgumentException e) {
                effective.put("invalid", e.getMessage());
            }
            return new FeaturesResource.Response(200, root.toString());
        });
    }

    private static ObjectNode retryKeys(Map<String, String> properties) {
        ObjectNode node = MAPPER.createObjectNode();
        Map<String, String> sorted = new TreeMap<>(properties == null ? Map.of() : properties);
        FIELDS.forEach((field, key) -> {
            if (sorted.containsKey(key)) {
                node.put(field, sorted.get(key));
            }
        });
        return node;
    }
}
