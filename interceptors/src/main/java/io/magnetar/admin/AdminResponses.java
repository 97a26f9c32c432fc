package io.magnetar.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/** What every Magnetar admin resource answers with, and how it reads its path and failures. */
public final class AdminResponses {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AdminResponses() {
    }

    /** {@code {"reason": ...}} with the status. */
    public static FeaturesResource.Response error(int status, String reason) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("reason", reason);
        return new FeaturesResource.Response(status, root.toString());
    }

    public static CompletableFuture<FeaturesResource.Response> done(FeaturesResource.Response response) {
        return CompletableFuture.completedFuture(response);
    }

    /** A path segment or query value as the client encoded it. */
    public static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /**
     * The answer of {@code route}: 400 naming the problem when it refuses its input at once (an
     * {@link IllegalArgumentException}), and what {@code onFailure} makes of the failure inside the completion wrappers
     * when its future fails.
     */
    public static CompletableFuture<FeaturesResource.Response> answer(
            Supplier<CompletableFuture<FeaturesResource.Response>> route,
            Function<Throwable, FeaturesResource.Response> onFailure) {
        CompletableFuture<FeaturesResource.Response> result;
        try {
            result = route.get();
        } catch (IllegalArgumentException e) {
            result = done(error(400, e.getMessage()));
        }
        return result.exceptionally(ex -> onFailure.apply(unwrap(ex)));
    }

    /** The failure inside the completion wrappers a future chain adds. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
