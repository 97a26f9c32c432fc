package io.magnetar.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One child process started through the distribution's own {@code bin/pulsar}. Its stdout/stderr and Pulsar's
 * log files go to its own folder under target/. Every process still alive when the JVM exits is killed. In a test
 * run each has Netty's leak detector at {@link LeakReports#level()}, and the clusters fail their close on a report
 * in the logs.
 */
public final class PulsarProcess implements AutoCloseable {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "magnetar-harness-reaper"));
    }

    private final String name;
    private final Path home;
    private final Path logDir;
    private final List<String> command;
    private final Map<String, String> env;
    private volatile Process process;
    private int starts;

    /**
     * @param name node name, used for its log folder
     * @param home PULSAR_HOME
     * @param logDir where this node's logs go
     * @param args arguments after {@code bin/pulsar}, e.g. {@code standalone -nss -nfw}
     * @param env extra environment (PULSAR_MEM, PULSAR_BROKER_CONF, ...)
     */
    public PulsarProcess(String name, Path home, Path logDir, List<String> args, Map<String, String> env) {
        this(name, home, logDir, args, env, null);
    }

    /** As above, with the process (and every restart of it) running inside {@code cpuQuota}'s cgroup. */
    public PulsarProcess(String name, Path home, Path logDir, List<String> args, Map<String, String> env,
                         CpuQuota cpuQuota) {
        this.name = name;
        this.home = home;
        this.logDir = logDir;
        List<String> pulsar = new ArrayList<>();
        pulsar.add(home.resolve("bin/pulsar").toString());
        pulsar.addAll(args);
        this.command = cpuQuota == null ? pulsar : cpuQuota.wrap(pulsar);
        this.env = new LinkedHashMap<>(env);
    }

    public String name() {
        return name;
    }

    public Path logDir() {
        return logDir;
    }

    /** The file holding this process's console output (for the current start). */
    public Path consoleLog() {
        return logDir.resolve(name + (starts > 1 ? "-" + starts : "") + ".out");
    }

    public synchronized PulsarProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        starts++;
        try {
            Files.createDirectories(logDir);
            ProcessBuilder pb = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
                    .redirectOutput(consoleLog().toFile());
            pb.environment().put("PULSAR_LOG_DIR", logDir.toString());
            pb.environment().put("PULSAR_LOG_APPENDER", "RollingFile");
            pb.environment().put("PULSAR_LOG_IMMEDIATE_FLUSH", "true");
            LeakReports.level().ifPresent(level -> {
                pb.environment().put("PULSAR_EXTRA_OPTS", LeakReports.pulsarExtraOpts(level));
                pb.environment().put("BOOKIE_EXTRA_OPTS", LeakReports.bookieExtraOpts(level));
            });
            pb.environment().putAll(env);
            process = pb.start();
            LIVE.add(process);
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + name + ": " + command, e);
        }
        return this;
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no flush, exactly a crash. */
    public synchronized void kill9() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        waitFor(p, Duration.ofSeconds(30));
        LIVE.remove(p);
    }

    /** SIGTERM and a graceful shutdown; SIGKILL if it takes longer than the grace period. */
    public synchronized void stop(Duration grace) {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroy();
        if (!waitFor(p, grace)) {
            p.destroyForcibly();
            waitFor(p, Duration.ofSeconds(30));
        }
        LIVE.remove(p);
    }

    /** Waits for the process to exit on its own and returns its exit code. */
    public int awaitExit(Duration timeout) {
        Process p = process;
        if (!waitFor(p, timeout)) {
            throw new IllegalStateException(name + " still running after " + timeout);
        }
        LIVE.remove(p);
        return p.exitValue();
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Polls {@code ready} until it holds; fails early, with the end of the log, if the process dies first.
     */
    public void awaitReady(String what, Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited (" + process.exitValue() + ") before " + what
                        + "; last log lines:\n" + logTail(60));
            }
            if (ready.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not " + what + " within " + timeout
                        + "; last log lines:\n" + logTail(60));
            }
            sleep(250);
        }
    }

    /** The last lines of everything this process logged (console output and Pulsar's log files). */
    public String logTail(int lines) {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(logDir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (!(name.endsWith(".out") || name.endsWith(".log"))) {
                    continue;
                }
                List<String> all = Files.readAllLines(f, StandardCharsets.UTF_8);
                sb.append("==> ").append(f).append(" <==\n");
                all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> sb.append(l).append('\n'));
            }
        } catch (IOException | UncheckedIOException e) {
            sb.append("(could not read logs in ").append(logDir).append(": ").append(e).append(")\n");
        }
        return sb.toString();
    }

    /** Every line of this process's logs that contains the text, oldest log file first. */
    public List<String> logLinesContaining(String text) {
        List<String> lines = new ArrayList<>();
        try (var files = Files.list(logDir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
                    if (line.contains(text)) {
                        lines.add(line);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** Whether any of this process's logs contains the text. */
    public boolean logContains(String text) {
        try (var files = Files.list(logDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (Files.readString(f, StandardCharsets.ISO_8859_1).contains(text)) {
                    return true;
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(20));
    }
}
