package io.magnetar.bench.offload;

import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * s3proxy 4.1.0 (jar-with-dependencies) as its own process on a loopback port, objects in memory, every S3
 * operation delayed by {@code latencyMs} through s3proxy's latency middleware.
 */
final class S3ProxyServer implements AutoCloseable {
    private final Process process;
    private final String endpoint;

    private S3ProxyServer(Process process, String endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    static S3ProxyServer start(Path jar, Path dir, long latencyMs, String heap) throws IOException {
        Files.createDirectories(dir);
        String endpoint = "http://127.0.0.1:" + Ports.free();
        List<String> props = new ArrayList<>(List.of(
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=none",
                "s3proxy.ignore-unknown-headers=true",
                "jclouds.provider=transient-nio2",
                "jclouds.identity=bench-access-key",
                "jclouds.credential=bench-secret-key"));
        if (latencyMs > 0) {
            // LatencyBlobStore: s3proxy.latency-blobstore.<op>.latency in ms, "*" = every operation
            props.add("s3proxy.latency-blobstore=true");
            props.add("s3proxy.latency-blobstore.*.latency=" + latencyMs);
        }
        Path file = dir.resolve("s3proxy.properties");
        Files.writeString(file, String.join("\n", props) + "\n");
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xms" + heap, "-Xmx" + heap, "-jar", jar.toString(),
                "--properties", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        // no s3proxy outlives the benchmark, even on Ctrl-C
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "s3proxy-reaper"));
        S3ProxyServer server = new S3ProxyServer(process, endpoint);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Http.get(endpoint + "/").status() <= 0) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("s3proxy did not start: "
                        + Files.readString(dir.resolve("s3proxy.log")));
            }
            sleep(200);
        }
        return server;
    }

    String endpoint() {
        return endpoint;
    }

    long pid() {
        return process.pid();
    }

    void createBucket(String bucket) {
        Http.Response r = Http.send(HttpRequest.newBuilder(URI.create(endpoint + "/" + bucket))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        if (r.status() != 200) {
            throw new IllegalStateException("create bucket " + bucket + ": " + r.status() + " " + r.body());
        }
    }

    /** Number of objects in the bucket (ListObjectsV2, first 1000). */
    int objectCount(String bucket) {
        Http.Response r = Http.get(endpoint + "/" + bucket + "?list-type=2&max-keys=1000");
        if (r.status() != 200) {
            throw new IllegalStateException("list " + bucket + ": " + r.status() + " " + r.body());
        }
        return r.body().split("<Key>", -1).length - 1;
    }

    /** The fastest of five ListObjects round trips, in ms: proves the injected latency is in effect. */
    double listRoundTripMs(String bucket) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            objectCount(bucket);
            best = Math.min(best, (System.nanoTime() - t) / 1e6);
        }
        return best;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
