package io.magnetar.offload.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * The SDK's synchronous HTTP client on the JDK's {@code java.net.http.HttpClient} (HTTP/1.1, pooled connections):
 * no Netty, no Apache HttpClient, and request bodies stream with their declared length. The SDK's own
 * {@code url-connection-client} cannot set {@code Content-Length} on an {@code HttpURLConnection}, so it buffers
 * every body in memory before sending it (a copy per uploaded byte, and no overlap of producing and sending).
 */
final class JdkHttpClient implements SdkHttpClient {
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding");

    private final HttpClient http;
    private final Duration requestTimeout;

    JdkHttpClient(Duration connectTimeout, Duration requestTimeout) {
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.requestTimeout = requestTimeout;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        SdkHttpRequest sdk = request.httpRequest();
        HttpRequest.Builder b = HttpRequest.newBuilder(sdk.getUri()).timeout(requestTimeout);
        sdk.forEachHeader((name, values) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(v -> b.header(name, v));
            }
        });
        long length = sdk.firstMatchingHeader("Content-Length").map(Long::parseLong).orElse(-1L);
        HttpRequest.BodyPublisher body = request.contentStreamProvider()
                .map(p -> publisher(p, length))
                .orElseGet(HttpRequest.BodyPublishers::noBody);
        b.method(sdk.method().name(), body);
        HttpRequest built = b.build();
        return new ExecutableHttpRequest() {
            private volatile CompletableFuture<HttpResponse<InputStream>> pending;

            @Override
            public HttpExecuteResponse call() throws IOException {
                pending = http.sendAsync(built, HttpResponse.BodyHandlers.ofInputStream());
                HttpResponse<InputStream> response;
                try {
                    response = pending.get();
                } catch (InterruptedException e) {
                    pending.cancel(true);
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted: " + sdk.method() + " " + sdk.encodedPath());
                } catch (CancellationException e) {
                    throw new IOException("aborted: " + sdk.method() + " " + sdk.encodedPath(), e);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause);
                }
                SdkHttpResponse headers = SdkHttpResponse.builder().statusCode(response.statusCode())
                        .headers(response.headers().map()).build();
                InputStream in = response.body();
                return HttpExecuteResponse.builder().response(headers)
                        .responseBody(AbortableInputStream.create(in, () -> closeQuietly(in))).build();
            }

            @Override
            public void abort() {
                CompletableFuture<HttpResponse<InputStream>> p = pending;
                if (p != null) {
                    p.cancel(true);
                }
            }
        };
    }

    private static HttpRequest.BodyPublisher publisher(ContentStreamProvider provider, long length) {
        if (length == 0) {
            return HttpRequest.BodyPublishers.noBody();
        }
        HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(provider::newStream);
        return length > 0 ? HttpRequest.BodyPublishers.fromPublisher(stream, length) : stream;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // aborting: the connection is dropped either way
        }
    }

    @Override
    public String clientName() {
        return "JdkHttp";
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close() before Java 21; its daemon threads end with the idle connections
    }
}
