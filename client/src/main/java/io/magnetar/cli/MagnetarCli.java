package io.magnetar.cli;

import io.magnetar.api.AdminPaths;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code magnetar} command line: tenant feature flags through the broker's Magnetar REST API. Needs only a JDK.
 *
 * <pre>
 * magnetar [--url URL] [--token TOKEN] features get TENANT
 * magnetar [--url URL] [--token TOKEN] features set TENANT feature=on|off|default ...
 * magnetar [--url URL] [--token TOKEN] features reset TENANT
 * magnetar [--url URL] [--token TOKEN] dlq redrive TOPIC SUBSCRIPTION [--dead-letter-topic T] [--max N]
 * magnetar [--url URL] [--token TOKEN] retry get|set|reset TENANT/NAMESPACE | TOPIC SUBSCRIPTION [KEY=VALUE ...]
 * magnetar [--url URL] wait-ready SECONDS
 * </pre>
 * The URL defaults to {@code $MAGNETAR_WEB_URL} or {@code http://127.0.0.1:8080}; the token (sent as a bearer
 * token, as Pulsar's token authentication expects) to {@code $MAGNETAR_AUTH_TOKEN}.
 *
 * <p>The same commands run inside {@code pulsar-admin magnetar ...} (the pulsar-admin extension), which hands over
 * its own web service URL, TLS context and authentication headers through
 * {@link #MagnetarCli(PrintStream, PrintStream, String, HttpClient, Supplier)}.
 *
 * <p>One class because the CLI is one small JDK-only program: each command is a method of a few lines over the
 * same HTTP and argument helpers.
 */
public final class MagnetarCli {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final String USAGE_TEXT = """
            usage: magnetar [--url URL] [--token TOKEN] COMMAND
              features get TENANT                       show the tenant's features and where each comes from
              features set TENANT NAME=on|off|default   switch features for the tenant (default = cluster default)
              features reset TENANT                     drop every override of the tenant
              dlq redrive TOPIC SUBSCRIPTION [--dead-letter-topic T] [--max N]
                                                        move the subscription's dead letters back to it
              retry get|reset TENANT/NAMESPACE | TOPIC SUBSCRIPTION
              retry set TENANT/NAMESPACE | TOPIC SUBSCRIPTION KEY=VALUE ...
                                                        the retry / dead-letter policy of a namespace or a
                                                        subscription; KEY: maxReconsumeTimes, backoff,
                                                        deadLetterTopic (VALUE default removes it)
              wait-ready SECONDS                        wait until the broker is healthy and public/default exists
            features: delay, transaction, retry, deadLetter, tagFilter
            URL defaults to $MAGNETAR_WEB_URL or http://127.0.0.1:8080; TOKEN to $MAGNETAR_AUTH_TOKEN""";

    /** Accepted switch values; {@code default} maps to null, which the API reads as "back to the default". */
    private static final Map<String, Boolean> SWITCH_VALUES = new LinkedHashMap<>();

    static {
        SWITCH_VALUES.put("on", Boolean.TRUE);
        SWITCH_VALUES.put("true", Boolean.TRUE);
        SWITCH_VALUES.put("off", Boolean.FALSE);
        SWITCH_VALUES.put("false", Boolean.FALSE);
        SWITCH_VALUES.put("default", null);
    }

    private final PrintStream out;
    private final PrintStream err;
    private final HttpClient http;
    /** Headers every request carries besides the bearer token (pulsar-admin's authentication data). */
    private final Supplier<Map<String, String>> headers;
    private String url;
    private String token;

    MagnetarCli(PrintStream out, PrintStream err, Map<String, String> env) {
        this(out, err, env.getOrDefault("MAGNETAR_WEB_URL", "http://127.0.0.1:8080"),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), Map::of);
        this.token = env.get("MAGNETAR_AUTH_TOKEN");
    }

    /**
     * A CLI that talks to {@code url} through {@code http} (its TLS context included) and adds {@code headers} to
     * every request; {@code --url} and {@code --token} still override.
     */
    public MagnetarCli(PrintStream out, PrintStream err, String url, HttpClient http,
                       Supplier<Map<String, String>> headers) {
        this.out = out;
        this.err = err;
        this.url = url;
        this.http = http;
        this.headers = headers;
    }

    /** The usage text, for hosts that show their own help. */
    public static String usageText() {
        return USAGE_TEXT;
    }

    public static void main(String[] args) {
        System.exit(new MagnetarCli(System.out, System.err, System.getenv()).run(args));
    }

    /** Runs one command line; returns the exit code (0 done, 1 failed, 2 usage). */
    public int run(String[] argv) {
        List<String> args = new ArrayList<>(List.of(argv));
        while (!args.isEmpty() && args.get(0).startsWith("--")) {
            String opt = args.remove(0);
            if (opt.equals("--help")) {
                out.println(USAGE_TEXT);
                return OK;
            }
            if (args.isEmpty()) {
                return usage(opt + " needs a value");
            }
            switch (opt) {
                case "--url" -> url = args.remove(0);
                case "--token" -> token = args.remove(0);
                default -> {
                    return usage("unknown option " + opt);
                }
            }
        }
        url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        if (args.isEmpty()) {
            return usage("no command");
        }
        String command = args.remove(0);
        try {
            return switch (command) {
                case "features" -> features(args);
                case "dlq" -> deadLetters(args);
                case "retry" -> retryPolicy(args);
                case "wait-ready" -> waitReady(args);
                default -> usage("unknown command '" + command + "'");
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        }
    }

    private int features(List<String> args) throws InterruptedException {
        if (args.size() < 2) {
            return usage("features needs a subcommand and a tenant");
        }
        String sub = args.get(0);
        String tenant = args.get(1);
        String path = url + AdminPaths.ROOT + AdminPaths.TENANTS + URLEncoder.encode(tenant, StandardCharsets.UTF_8)
                + AdminPaths.FEATURES;
        HttpRequest.Builder request;
        switch (sub) {
            case "get" -> {
                if (args.size() != 2) {
                    return usage("features get takes only a tenant");
                }
                request = HttpRequest.newBuilder(URI.create(path)).GET();
            }
            case "reset" -> {
                if (args.size() != 2) {
                    return usage("features reset takes only a tenant");
                }
                request = HttpRequest.newBuilder(URI.create(path)).DELETE();
            }
            case "set" -> {
                if (args.size() < 3) {
                    return usage("features set needs at least one NAME=on|off|default");
                }
                Map<String, Boolean> patch = new LinkedHashMap<>();
                for (String assignment : args.subList(2, args.size())) {
                    int eq = assignment.indexOf('=');
                    if (eq <= 0) {
                        return usage("'" + assignment + "' is not NAME=on|off|default");
                    }
                    String value = assignment.substring(eq + 1);
                    if (!SWITCH_VALUES.containsKey(value)) {
                        return usage("'" + assignment + "': value must be on, off or default");
                    }
                    Boolean parsed = SWITCH_VALUES.get(value);
                    patch.put(assignment.substring(0, eq), parsed);
                }
                request = HttpRequest.newBuilder(URI.create(path)).header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(Json.write(patch)));
            }
            default -> {
                return usage("unknown features subcommand '" + sub + "'");
            }
        }
        HttpResponse<String> response;
        try {
            response = send(request);
        } catch (IOException e) {
            err.println("magnetar: cannot reach " + url + ": " + e.getMessage());
            return FAILED;
        }
        return printFeatures(response);
    }

    @SuppressWarnings("unchecked")
    private int printFeatures(HttpResponse<String> response) {
        Object body;
        try {
            body = Json.parse(response.body());
        } catch (RuntimeException e) {
            err.println("magnetar: HTTP " + response.statusCode() + " from " + response.uri() + ": "
                    + response.body());
            return FAILED;
        }
        if (response.statusCode() != 200 || !(body instanceof Map)) {
            Object reason = body instanceof Map ? ((Map<String, Object>) body).get("reason") : body;
            err.println("magnetar: HTTP " + response.statusCode() + ": " + reason);
            return FAILED;
        }
        Map<String, Object> view = (Map<String, Object>) body;
        Map<String, Object> features = (Map<String, Object>) view.get("features");
        Map<String, Object> overrides = (Map<String, Object>) view.get("overrides");
        out.println("tenant " + view.get("tenant"));
        out.printf("%-12s %-4s %s%n", "FEATURE", "", "SOURCE");
        features.forEach((name, enabled) -> out.printf("%-12s %-4s %s%n", name,
                Boolean.TRUE.equals(enabled) ? "on" : "off",
                overrides.containsKey(name) ? "tenant override" : "cluster default"));
        return OK;
    }

    @SuppressWarnings("unchecked")
    private int deadLetters(List<String> args) throws InterruptedException {
        if (args.size() < 3 || !args.get(0).equals("redrive")) {
            return usage("dlq redrive needs a topic and a subscription");
        }
        String topic = args.get(1);
        String subscription = args.get(2);
        StringBuilder query = new StringBuilder();
        for (int i = 3; i < args.size(); i += 2) {
            if (i + 1 >= args.size()) {
                return usage(args.get(i) + " needs a value");
            }
            String key = switch (args.get(i)) {
                case "--dead-letter-topic" -> "deadLetterTopic";
                case "--max" -> "max";
                default -> null;
            };
            if (key == null) {
                return usage("unknown option " + args.get(i) + " of dlq redrive");
            }
            query.append(query.length() == 0 ? '?' : '&').append(key).append('=')
                    .append(URLEncoder.encode(args.get(i + 1), StandardCharsets.UTF_8));
        }
        String subscriptionPath = subscriptionPath(topic, subscription);
        if (subscriptionPath == null) {
            return usage("topic '" + topic + "' is not persistent://tenant/namespace/topic");
        }
        String path = url + AdminPaths.ROOT + AdminPaths.DEAD_LETTERS + subscriptionPath + AdminPaths.REDRIVE + query;
        Map<String, Object> view = answer(HttpRequest.newBuilder(URI.create(path))
                .POST(HttpRequest.BodyPublishers.noBody()), Duration.ofMinutes(6));
        if (view == null) {
            return FAILED;
        }
        Object moved = view.get("moved") instanceof Number n ? (Object) n.longValue() : view.get("moved");
        out.println("moved " + moved + " dead letters from " + view.get("deadLetterTopic") + " back to "
                + view.get("topic") + " for subscription " + view.get("subscription"));
        return OK;
    }

    private static final List<String> RETRY_KEYS = List.of("maxReconsumeTimes", "backoff", "deadLetterTopic");

    @SuppressWarnings("unchecked")
    private int retryPolicy(List<String> args) throws InterruptedException {
        if (args.size() < 2 || !List.of("get", "set", "reset").contains(args.get(0))) {
            return usage("retry needs get, set or reset and a namespace or a topic and subscription");
        }
        String sub = args.get(0);
        String target = args.get(1);
        String path;
        int rest;
        if (!target.contains("://") && target.split("/").length == 2) {
            path = url + AdminPaths.ROOT + AdminPaths.RETRY + target;
            rest = 2;
        } else {
            String subscriptionPath = subscriptionPath(target, args.size() < 3 ? "" : args.get(2));
            if (subscriptionPath == null) {
                return usage("'" + target + "' is neither tenant/namespace nor persistent://tenant/namespace/topic");
            }
            if (args.size() < 3) {
                return usage("retry " + sub + " " + target + " needs a subscription");
            }
            path = url + AdminPaths.ROOT + AdminPaths.RETRY + subscriptionPath;
            rest = 3;
        }
        List<String> assignments = args.subList(rest, args.size());
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(path));
        if (sub.equals("set")) {
            if (assignments.isEmpty()) {
                return usage("retry set needs at least one KEY=VALUE (" + String.join(", ", RETRY_KEYS) + ")");
            }
            Map<String, String> patch = new LinkedHashMap<>();
            for (String assignment : assignments) {
                int eq = assignment.indexOf('=');
                if (eq <= 0 || !RETRY_KEYS.contains(assignment.substring(0, eq))) {
                    return usage("'" + assignment + "' is not KEY=VALUE with KEY one of " + String.join(", ",
                            RETRY_KEYS));
                }
                String value = assignment.substring(eq + 1);
                patch.put(assignment.substring(0, eq), value.equals("default") ? null : value);
            }
            request.header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
                    Json.write(patch)));
        } else if (!assignments.isEmpty()) {
            return usage("retry " + sub + " takes no KEY=VALUE");
        } else if (sub.equals("reset")) {
            request.DELETE();
        } else {
            request.GET();
        }
        Map<String, Object> view = answer(request, Duration.ofSeconds(30));
        if (view == null) {
            return FAILED;
        }
        out.println(view.containsKey("subscription")
                ? "subscription " + view.get("subscription") + " of " + view.get("topic")
                : "namespace " + view.get("namespace"));
        Map<String, Object> set = (Map<String, Object>) view.getOrDefault("set", Map.of());
        Map<String, Object> namespaceSet = (Map<String, Object>) view.getOrDefault("namespaceSet", Map.of());
        Map<String, Object> effective = (Map<String, Object>) view.getOrDefault("effective", Map.of());
        if (effective.containsKey("invalid")) {
            out.println("INVALID: " + effective.get("invalid") + " (failures are left to Pulsar)");
        }
        out.printf("%-18s %-40s %s%n", "KEY", "IN EFFECT", "SOURCE");
        for (String key : RETRY_KEYS) {
            Object value = key.equals("backoff") ? backoffText(effective.get("backoffMillis")) : effective.get(key);
            if (value instanceof Double d) {
                value = d.longValue();
            }
            String source = set.containsKey(key) ? (view.containsKey("subscription") ? "subscription" : "namespace")
                    : namespaceSet.containsKey(key) ? "namespace" : "default";
            out.printf("%-18s %-40s %s%n", key, value == null ? "-" : value, source);
        }
        return OK;
    }

    /**
     * {@code tenant/namespace/topic/subscription} of a persistent topic's subscription, topic and subscription
     * URL-encoded, as the admin API's paths take them; null when {@code topic} is not persistent://t/n/topic (or
     * t/n/topic).
     */
    private static String subscriptionPath(String topic, String subscription) {
        String[] parts = topic.replaceFirst("^persistent://", "").split("/");
        if (parts.length != 3 || topic.startsWith("non-persistent://")) {
            return null;
        }
        return parts[0] + "/" + parts[1] + "/" + URLEncoder.encode(parts[2], StandardCharsets.UTF_8) + "/"
                + URLEncoder.encode(subscription, StandardCharsets.UTF_8);
    }

    private static String backoffText(Object millis) {
        if (!(millis instanceof List<?> steps)) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (Object step : steps) {
            long ms = ((Number) step).longValue();
            sb.append(sb.length() == 0 ? "" : " ").append(ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms");
        }
        return sb.toString();
    }

    /** The JSON object of a 200 answer, or null once the failure is printed. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> answer(HttpRequest.Builder request, Duration timeout) throws InterruptedException {
        HttpResponse<String> response;
        try {
            response = send(request, timeout);
        } catch (IOException e) {
            err.println("magnetar: cannot reach " + url + ": " + e.getMessage());
            return null;
        }
        Object body;
        try {
            body = Json.parse(response.body());
        } catch (RuntimeException e) {
            err.println("magnetar: HTTP " + response.statusCode() + ": " + response.body());
            return null;
        }
        Map<String, Object> view = body instanceof Map ? (Map<String, Object>) body : Map.of();
        if (response.statusCode() != 200) {
            err.println("magnetar: HTTP " + response.statusCode() + ": " + view.get("reason"));
            return null;
        }
        return view;
    }

    private int waitReady(List<String> args) throws InterruptedException {
        if (args.size() != 1 || !args.get(0).matches("\\d+")) {
            return usage("wait-ready takes a number of seconds");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args.get(0))).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> health = send(HttpRequest.newBuilder(URI.create(url + "/admin/v2/brokers/health")));
                if (health.statusCode() == 200) {
                    HttpResponse<String> ns = send(HttpRequest.newBuilder(URI.create(url + "/admin/v2/namespaces/public")));
                    if (ns.statusCode() == 200 && ns.body().contains("public/default")) {
                        return OK;
                    }
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        err.println("magnetar: broker at " + url + " not ready within " + args.get(0) + " s");
        return FAILED;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return send(request, Duration.ofSeconds(30));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, Duration timeout)
            throws IOException, InterruptedException {
        headers.get().forEach(request::header);
        if (token != null && !token.isBlank()) {
            request.setHeader("Authorization", "Bearer " + token);
        }
        return http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int usage(String problem) {
        err.println("magnetar: " + problem);
        err.println(USAGE_TEXT);
        return USAGE;
    }
}
