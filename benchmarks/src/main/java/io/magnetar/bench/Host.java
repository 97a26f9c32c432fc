package io.magnetar.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The machine a benchmark runs on, and the processes it measures there: load average, CPU time per process and
 * per thread (Linux {@code /proc}), {@code jcmd} (JFR, GC) on a broker's JVM, and the artifacts the build copies
 * into {@code benchmarks/target}.
 */
public final class Host {
    private static volatile double clockTicks;

    private Host() {
    }

    /** The 1-minute load average, or {@code ?} where /proc/loadavg is not readable. */
    public static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    /** The 1-, 5- and 15-minute load averages, or {@code ?}: other work on the machine skews every figure. */
    public static String loadAverages() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }

    /** {@code getconf CLK_TCK}: the unit of the CPU times in /proc; 100 where it cannot be read. */
    public static double clockTicks() {
        double ticks = clockTicks;
        if (ticks == 0) {
            ticks = readClockTicks();
            clockTicks = ticks;
        }
        return ticks;
    }

    private static double readClockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return Double.parseDouble(v);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    /** utime + stime of a process, in seconds, from /proc/&lt;pid&gt;/stat. */
    public static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            return ticksOf(stat) / clockTicks();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read CPU time of process " + pid, e);
        }
    }

    /** CPU seconds per thread name (threads of one name summed, digits as N) of a process, from its tasks. */
    public static Map<String, Double> threadCpuSeconds(long pid) throws IOException {
        Map<String, Double> cpu = new TreeMap<>();
        try (var tasks = Files.list(Paths.get("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException gone) {
                    continue;
                }
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
                cpu.merge(name, ticksOf(stat) / clockTicks(), Double::sum);
            }
        }
        return cpu;
    }

    /** utime + stime in clock ticks of a /proc stat line. */
    private static long ticksOf(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is field 3, utime field 14, stime field 15
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** bin/pulsar execs java, so its pid is the JVM's; a java descendant otherwise. */
    public static long javaPid(long pid) {
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
        if (h.info().command().map(c -> c.endsWith("/java")).orElse(false)) {
            return pid;
        }
        return h.descendants().filter(d -> d.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst().map(ProcessHandle::pid).orElse(pid);
    }

    /** {@code jcmd pid command args...}; its output. Fails unless it exits with 0 within two minutes. */
    public static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("jcmd", Long.toString(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: "
                    + new String(output, StandardCharsets.UTF_8));
        }
        return new String(output, StandardCharsets.UTF_8);
    }

    /** A copy, in {@code dir}, of JFR's profile settings sampling Java and native stacks every millisecond. */
    public static String jfrSettingsSamplingEveryMillisecond(String dir) throws IOException {
        Path jfc = Paths.get(dir).toAbsolutePath().resolve("sample-1ms.jfc");
        if (!Files.exists(jfc)) {
            Path profile = Paths.get(System.getProperty("java.home"), "lib", "jfr", "profile.jfc");
            String text = Files.readString(profile);
            text = Pattern.compile("(<event name=\"jdk\\.(?:ExecutionSample|NativeMethodSample)\">"
                    + "(?:(?!</event>).)*?<setting name=\"period\"[^>]*>)[^<]*<", Pattern.DOTALL)
                    .matcher(text).replaceAll("$11 ms<");
            Files.writeString(jfc, text);
        }
        return jfc.toString();
    }

    /** benchmarks/target/&lt;relative&gt; (copied there by the module's pom), unless a system property names it. */
    public static Path artifact(String property, String relative) throws Exception {
        String value = System.getProperty(property);
        Path path;
        if (value != null && !value.isBlank()) {
            path = Paths.get(value);
        } else {
            Path classes = Paths.get(Host.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            path = classes.getParent().resolve(relative);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("missing " + path
                    + ": build benchmarks with ./mvnw -pl benchmarks -am package");
        }
        return path;
    }
}
