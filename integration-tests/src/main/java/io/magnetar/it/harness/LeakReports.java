package io.magnetar.it.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Netty's leak detector in every process the harness starts, and its reports found in their logs. A report is an
 * ERROR line of {@code io.netty.util.ResourceLeakDetector} holding {@code LEAK:} (e.g. "LEAK: ByteBuf.release() was
 * not called before it's garbage-collected"), followed by the access records of the leaked buffer.
 */
public final class LeakReports {
    /** What Netty's reports start with. */
    static final String MARKER = "LEAK:";
    /** Lines kept per file for the failure message: the first report and the start of its access records. */
    static final int LINES_SHOWN = 20;

    private LeakReports() {
    }

    /**
     * The detector level the build asks for ({@code magnetar.it.leakDetection}: failsafe sets {@code paranoid}), or
     * none: the benchmarks share this harness and run their brokers with the distribution's settings, unscanned.
     */
    public static Optional<String> level() {
        return Optional.ofNullable(System.getProperty("magnetar.it.leakDetection")).filter(l -> !l.isBlank());
    }

    /**
     * The JVM options bin/pulsar passes to a broker, standalone or ZooKeeper: the distribution's defaults (which
     * setting the variable replaces) plus the leak detector's level.
     */
    static String pulsarExtraOpts(String level) {
        return "-Dpulsar.allocator.exit_on_oom=true -Dio.netty.recycler.maxCapacityPerThread=4096 "
                + "-Dio.netty.leakDetection.level=" + level;
    }

    /** The same for a bookie, whose bkenv.sh default turns the detector off. */
    static String bookieExtraOpts(String level) {
        return "-Dio.netty.recycler.maxCapacityPerThread=4096 -Dio.netty.leakDetection.level=" + level;
    }

    /** A log file with leak reports in it, and its first lines from the first report on. */
    public record Found(Path file, int reports, List<String> firstLines) {
        @Override
        public String toString() {
            return file + ": " + reports + " leak report(s), the first:\n" + String.join("\n", firstLines);
        }
    }

    /** The leak reports in these lines, or null when there are none. */
    static Found scan(Path file, List<String> lines) {
        int reports = 0;
        List<String> first = new ArrayList<>();
        for (String line : lines) {
            if (line.contains(MARKER)) {
                reports++;
            }
            if (reports > 0 && first.size() < LINES_SHOWN) {
                first.add(line);
            }
        }
        return reports == 0 ? null : new Found(file, reports, first);
    }

    /** Every log file under these folders (console output, Pulsar's logs, rolled .gz ones) with leak reports. */
    public static List<Found> scan(Collection<Path> logDirs) {
        List<Found> found = new ArrayList<>();
        for (Path dir : logDirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : files.filter(Files::isRegularFile).filter(LeakReports::isLog).sorted().toList()) {
                    Found leaks = scan(f, read(f));
                    if (leaks != null) {
                        found.add(leaks);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("scanning " + dir + " for leak reports", e);
            }
        }
        return found;
    }

    /**
     * Fails, naming each log file and its first report, when any of these folders holds a leak report; called by
     * the clusters once their processes have stopped.
     */
    public static void assertNone(String what, Collection<Path> logDirs) {
        List<Found> found = scan(logDirs);
        if (!found.isEmpty()) {
            StringBuilder message = new StringBuilder("Netty reported leaked buffers in " + what + ":");
            found.forEach(f -> message.append("\n").append(f));
            throw new AssertionError(message.toString());
        }
    }

    /** {@link #assertNone} when the build turned the detector on (see {@link #level()}); else nothing. */
    static void assertNoneWhenDetecting(String what, Collection<Path> logDirs) {
        if (level().isPresent()) {
            assertNone(what, logDirs);
        }
    }

    private static boolean isLog(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".out") || name.endsWith(".log") || name.endsWith(".log.gz");
    }

    private static List<String> read(Path file) throws IOException {
        if (!file.getFileName().toString().endsWith(".gz")) {
            return Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).lines().toList();
        }
    }
}
