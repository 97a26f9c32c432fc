package io.magnetar.bench.scheduled;

import io.magnetar.it.harness.Http;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmark reads from the broker process: Prometheus samples and heap used after a full GC (jcmd). */
final class BrokerProbe {
    private static final Pattern ZGC_USED = Pattern.compile("used (\\d+)M");
    private static final Pattern KB_USED = Pattern.compile("used (\\d+)K");

    private final String metricsUrl;
    private final long pid;

    BrokerProbe(String webUrl, long pid) {
        this.metricsUrl = webUrl + "/metrics/";
        this.pid = pid;
    }

    String scrape() {
        Http.Response r = Http.get(metricsUrl);
        if (r.status() != 200) {
            throw new IllegalStateException("GET " + metricsUrl + " -> " + r.status() + ": " + r.body());
        }
        return r.body();
    }

    /** Sum of the samples of {@code family} whose label text contains {@code label} (all samples when null). */
    static double value(String exposition, String family, String label) {
        Matcher m = Pattern.compile("^" + Pattern.quote(family) + "(\\{[^}]*\\})? (\\S+)", Pattern.MULTILINE)
                .matcher(exposition);
        double sum = 0;
        while (m.find()) {
            if (label == null || m.group(1) != null && m.group(1).contains(label)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    double value(String family, String label) {
        return value(scrape(), family, label);
    }

    /**
     * Heap used right after a full collection: the least of three {@code jcmd GC.run} then
     * {@code jvm_memory_bytes_used{area="heap"}}, so a scrape's own allocations are not counted.
     */
    long heapAfterGc() throws Exception {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            jcmd("GC.run");
            least = Math.min(least, (long) value("jvm_memory_bytes_used", "area=\"heap\""));
        }
        return least;
    }

    /** The JVM's own summary (GC.heap_info) in bytes, as a cross-check; -1 if it cannot be parsed. */
    long heapInfoUsed() throws Exception {
        String info = jcmd("GC.heap_info");
        Matcher z = ZGC_USED.matcher(info);
        if (z.find()) {
            return Long.parseLong(z.group(1)) << 20;
        }
        Matcher k = KB_USED.matcher(info);
        return k.find() ? Long.parseLong(k.group(1)) << 10 : -1;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed: "
                    + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }
}
