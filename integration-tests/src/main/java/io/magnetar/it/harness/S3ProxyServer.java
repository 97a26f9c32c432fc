package io.magnetar.it.harness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * s3proxy 4.1.0 (jar-with-dependencies) as its own process on a loopback port: by {@link #start}, objects in
 * memory, no authorization, optionally every S3 operation delayed by {@code latencyMs} through s3proxy's latency
 * middleware; by {@link #startVerifyingSignatures}, every request's signature checked. For the offload tests and the
 * offload benchmark.
 */
public final class S3ProxyServer implements AutoCloseable {
    private final Process process;
    private final String endpoint;

    private S3ProxyServer(Process process, String endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    public static S3ProxyServer start(Path jar, Path dir, long latencyMs, String heap) throws IOException {
        String endpoint = "http://127.0.0.1:" + Ports.free();
        List<String> props = new ArrayList<>(List.of(
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=none",
                "s3proxy.ignore-unknown-headers=true",
                "jclouds.provider=transient-nio2",
                "jclouds.identity=magnetar-access-key",
                "jclouds.credential=magnetar-secret-key"));
        if (latencyMs > 0) {
            // LatencyBlobStore: s3proxy.latency-blobstore.<op>.latency in ms, "*" = every operation
            props.add("s3proxy.latency-blobstore=true");
            props.add("s3proxy.latency-blobstore.*.latency=" + latencyMs);
        }
        return launch(jar, dir, endpoint, props, heap);
    }

    /**
     * s3proxy that checks every request's AWS signature (v2 or v4) against {@code identity} and {@code credential}
     * and refuses the rest with 403, objects on disk under {@code dir}; {@code bucket} exists from the start (an
     * unsigned create-bucket would be refused, and the harness does not sign).
     */
    public static S3ProxyServer startVerifyingSignatures(Path jar, Path dir, String identity, String credential,
                                                         String bucket, String heap) throws IOException {
        Path blobs = dir.resolve("blobs");
        Files.createDirectories(blobs.resolve(bucket));
        String endpoint = "http://127.0.0.1:" + Ports.free();
        List<String> props = List.of(
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + identity,
                "s3proxy.credential=" + credential,
                "s3proxy.ignore-unknown-headers=true",
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + blobs,
                "jclouds.identity=" + identity,
                "jclouds.credential=" + credential);
        return launch(jar, dir, endpoint, props, heap);
    }

    private static S3ProxyServer launch(Path jar, Path dir, String endpoint, List<String> props, String heap)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no s3proxy at " + jar + ": build with Maven first");
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("s3proxy.properties");
        Files.writeString(file, String.join("\n", props) + "\n");
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xms" + heap, "-Xmx" + heap, "-jar", jar.toString(),
                "--properties", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
        // no s3proxy outlives its JVM, even on Ctrl-C
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "s3proxy-reaper"));
        S3ProxyServer server = new S3ProxyServer(process, endpoint);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Http.get(endpoint + "/").status() <= 0) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException("s3proxy did not start: "
                        + Files.readString(dir.resolve("s3proxy.log")));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                server.close();
                throw new IllegalStateException(e);
            }
        }
        return server;
    }

    public String endpoint() {
        return endpoint;
    }

    public long pid() {
        return process.pid();
    }

    public void createBucket(String bucket) {
        Http.Response r = Http.send(HttpRequest.newBuilder(URI.create(endpoint + "/" + bucket))
                .PUT(HttpRequest.BodyPublishers.noBody()));
        if (r.status() != 200) {
            throw new IllegalStateException("create bucket " + bucket + ": " + r.status() + " " + r.body());
        }
    }

    /** Keys under the prefix (ListObjectsV2, first 1000). */
    public List<String> list(String bucket, String prefix) {
        return keys("list " + bucket, endpoint + "/" + bucket + "?list-type=2&max-keys=1000&prefix=" + prefix,
                "<Key>([^<]+)</Key>");
    }

    /** Keys of the multipart uploads in progress under the prefix (ListMultipartUploads, first 1000). */
    public List<String> multipartUploads(String bucket, String prefix) {
        return keys("list multipart uploads in " + bucket, endpoint + "/" + bucket + "?uploads&max-uploads=1000&prefix="
                + prefix, "<Upload>.*?<Key>([^<]+)</Key>");
    }

    private static List<String> keys(String what, String url, String pattern) {
        Http.Response r = Http.get(url);
        if (r.status() != 200) {
            throw new IllegalStateException(what + ": " + r.status() + " " + r.body());
        }
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile(pattern).matcher(r.body());
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
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
