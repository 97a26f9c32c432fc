package io.magnetar.offload.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

class StreamingUrlConnectionClientTest {
    private HttpServer server;
    private final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final StreamingUrlConnectionClient client =
            new StreamingUrlConnectionClient(Duration.ofSeconds(5), Duration.ofSeconds(30));

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            seen.put(path + " method", exchange.getRequestMethod());
            seen.put(path + " content-length", String.valueOf(exchange.getRequestHeaders().getFirst("Content-Length")));
            seen.put(path + " transfer-encoding",
                    String.valueOf(exchange.getRequestHeaders().getFirst("Transfer-Encoding")));
            seen.put(path + " x-amz-meta", String.valueOf(exchange.getRequestHeaders().getFirst("x-amz-meta")));
            seen.put(path + " expect", String.valueOf(exchange.getRequestHeaders().getFirst("Expect")));
            seen.put(path + " query", String.valueOf(exchange.getRequestURI().getRawQuery()));
            try (InputStream in = exchange.getRequestBody()) {
                bodies.put(path, in.readAllBytes());
            }
            byte[] answer = path.startsWith("/missing")
                    ? "<Error><Code>NoSuchKey</Code></Error>".getBytes(StandardCharsets.UTF_8)
                    : ("got " + bodies.get(path).length).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("ETag", "\"e-" + bodies.get(path).length + "\"");
            exchange.sendResponseHeaders(path.startsWith("/missing") ? 404 : 200, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpExecuteResponse send(SdkHttpMethod method, String pathAndQuery, byte[] body, boolean declareLength)
            throws IOException {
        SdkHttpRequest.Builder r = SdkHttpRequest.builder().method(method)
                .uri(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery))
                .putHeader("x-amz-meta", "v1").putHeader("Expect", "100-continue")
                .putHeader("Host", "ignored.example");
        if (body != null && declareLength) {
            r.putHeader("Content-Length", Integer.toString(body.length));
        }
        HttpExecuteRequest.Builder req = HttpExecuteRequest.builder().request(r.build());
        if (body != null) {
            req.contentStreamProvider(ContentStreamProvider.fromByteArrayUnsafe(body));
        }
        return client.prepareRequest(req.build()).call();
    }

    private static String text(HttpExecuteResponse r) throws IOException {
        try (InputStream in = r.responseBody().orElseThrow()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aBodyOfDeclaredLengthStreamsWithThatContentLengthAndTheCallersHeaders() throws IOException {
        byte[] body = new byte[3_000_001]; // several times the client's buffer
        new SplittableRandom(7).nextBytes(body);
        HttpExecuteResponse r = send(SdkHttpMethod.PUT, "/bucket/key?partNumber=2&uploadId=u%2B1", body, true);
        assertEquals(200, r.httpResponse().statusCode());
        assertEquals("\"e-3000001\"", r.httpResponse().firstMatchingHeader("etag").orElseThrow(),
                "headers are found whatever their case");
        assertEquals("got 3000001", text(r));
        assertArrayEquals(body, bodies.get("/bucket/key"));
        assertEquals("PUT", seen.get("/bucket/key method"));
        assertEquals("3000001", seen.get("/bucket/key content-length"));
        assertEquals("null", seen.get("/bucket/key transfer-encoding"), "fixed length, not chunked");
        assertEquals("v1", seen.get("/bucket/key x-amz-meta"));
        assertEquals("null", seen.get("/bucket/key expect"), "the body is sent at once");
        assertEquals(Set.of("partNumber=2", "uploadId=u%2B1"),
                Set.of(seen.get("/bucket/key query").split("&")), "the query as encoded");
    }

    @Test
    void withoutADeclaredLengthTheBodyGoesChunked() throws IOException {
        byte[] body = "no length".getBytes(StandardCharsets.UTF_8);
        HttpExecuteResponse r = send(SdkHttpMethod.PUT, "/chunked", body, false);
        assertEquals(200, r.httpResponse().statusCode());
        assertEquals("got 9", text(r));
        assertArrayEquals(body, bodies.get("/chunked"));
        assertEquals("chunked", seen.get("/chunked transfer-encoding"));
    }

    @Test
    void anErrorStatusComesBackWithItsBodyForTheSdkToParse() throws IOException {
        HttpExecuteResponse r = send(SdkHttpMethod.PUT, "/missing/key", new byte[10], true);
        assertEquals(404, r.httpResponse().statusCode());
        assertFalse(r.httpResponse().isSuccessful());
        assertEquals("<Error><Code>NoSuchKey</Code></Error>", text(r));
    }

    @Test
    void aRequestWithoutBodySendsNone() throws IOException {
        HttpExecuteResponse r = send(SdkHttpMethod.DELETE, "/bucket/gone", null, true);
        assertEquals(200, r.httpResponse().statusCode());
        assertEquals("got 0", text(r));
        assertEquals("DELETE", seen.get("/bucket/gone method"));
        assertTrue(bodies.containsKey("/bucket/gone"));
        assertNull(r.httpResponse().firstMatchingHeader("x-none").orElse(null));
    }

    @Test
    void abortingCutsOffABodyAStoreHasStoppedReading() throws Exception {
        // the abort may also land while the connection is being set up: an IOException either way (the SDK's timeout
        // and cancellation expect one)
        try (ServerSocket stalled = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted =
                    CompletableFuture.supplyAsync(() -> {
                        try {
                            return stalled.accept(); // and never reads
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
            byte[] body = new byte[64 << 20]; // far more than the socket buffers hold
            SdkHttpRequest r = SdkHttpRequest.builder().method(SdkHttpMethod.PUT)
                    .uri(URI.create("http://127.0.0.1:" + stalled.getLocalPort() + "/bucket/key"))
                    .putHeader("Content-Length", Integer.toString(body.length)).build();
            ExecutableHttpRequest call = client.prepareRequest(HttpExecuteRequest.builder()
                    .request(r).contentStreamProvider(ContentStreamProvider.fromByteArrayUnsafe(body)).build());
            CompletableFuture<Throwable> outcome =
                    CompletableFuture.supplyAsync(() -> {
                        try {
                            call.call();
                            return null;
                        } catch (Throwable t) {
                            return t;
                        }
                    });
            Socket peer = accepted.get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (peer.getInputStream().available() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // until the body is on its way (unread on the peer's side)
            }
            assertTrue(peer.getInputStream().available() > 0, "the request reached the peer");
            assertThrows(TimeoutException.class, () -> outcome.get(200, TimeUnit.MILLISECONDS),
                    "the write waits for the store");
            call.abort();
            Throwable t = outcome.get(30, TimeUnit.SECONDS);
            assertTrue(t instanceof IOException, "the call failed with an IOException: " + t);
            peer.close();
        }
    }
}
