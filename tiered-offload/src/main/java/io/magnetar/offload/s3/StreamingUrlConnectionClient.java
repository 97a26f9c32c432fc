package io.magnetar.offload.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * The SDK's synchronous HTTP client on {@link HttpURLConnection} with request bodies streamed at their declared
 * length ({@link HttpURLConnection#setFixedLengthStreamingMode(long)}): the body goes from the SDK's stream through
 * one reused buffer to the socket as it is produced. The SDK's own {@code url-connection-client} buffers every body
 * whole before sending it; {@code java.net.http} streams but allocates a fresh 16 KiB buffer per read of the body
 * (garbage as large as the body, which the broker's GC then pays for).
 */
final class StreamingUrlConnectionClient implements SdkHttpClient {
    /** Headers {@link HttpURLConnection} sets itself (or refuses), and {@code Expect} (the body is sent at once). */
    private static final Set<String> OWN = Set.of("host", "content-length", "connection", "expect",
            "transfer-encoding", "keep-alive", "upgrade");
    private static final int BUFFER = 64 * 1024;

    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    StreamingUrlConnectionClient(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        SdkHttpRequest sdk = request.httpRequest();
        HttpURLConnection c;
        try {
            c = (HttpURLConnection) sdk.getUri().toURL().openConnection();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ExecutableHttpRequest() {
            private volatile boolean aborted;

            @Override
            public HttpExecuteResponse call() throws IOException {
                try {
                    return execute(c, sdk, request.contentStreamProvider());
                } catch (RuntimeException e) {
                    if (aborted) {
                        // disconnect() from another thread can leave HttpURLConnection's internals half torn down
                        throw new IOException("aborted: " + sdk.method() + " " + sdk.encodedPath(), e);
                    }
                    throw e;
                }
            }

            @Override
            public void abort() {
                aborted = true;
                c.disconnect();
            }
        };
    }

    private HttpExecuteResponse execute(HttpURLConnection c, SdkHttpRequest sdk, Optional<ContentStreamProvider> body)
            throws IOException {
        c.setConnectTimeout(connectTimeoutMillis);
        c.setReadTimeout(readTimeoutMillis);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setRequestMethod(sdk.method().name());
        sdk.forEachHeader((name, values) -> {
            if (!OWN.contains(name.toLowerCase(Locale.ROOT))) {
                c.setRequestProperty(name, String.join(",", values));
            }
        });
        long length = sdk.firstMatchingHeader("Content-Length").map(Long::parseLong).orElse(-1L);
        if (body.isPresent() && length != 0) {
            c.setDoOutput(true);
            if (length > 0) {
                c.setFixedLengthStreamingMode(length);
            } else {
                c.setChunkedStreamingMode(BUFFER);
            }
            byte[] buf = new byte[BUFFER];
            try (InputStream in = body.get().newStream(); OutputStream out = c.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                c.disconnect();
                throw e;
            }
        } else if (length == 0 && !"GET".equals(sdk.method().name()) && !"HEAD".equals(sdk.method().name())) {
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(0);
            c.getOutputStream().close();
        }
        int status = c.getResponseCode();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        c.getHeaderFields().forEach((name, values) -> {
            if (name != null) { // the status line
                headers.put(name, values);
            }
        });
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        HttpExecuteResponse.Builder response = HttpExecuteResponse.builder().response(SdkHttpResponse.builder()
                .statusCode(status).statusText(c.getResponseMessage()).headers(headers).build());
        if (in != null) {
            response.responseBody(AbortableInputStream.create(in, c::disconnect));
        }
        return response.build();
    }

    @Override
    public String clientName() {
        return "StreamingUrlConnection";
    }

    @Override
    public void close() {
        // HttpURLConnection's keep-alive cache is the JDK's; idle connections time out there
    }
}
