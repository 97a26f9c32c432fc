package io.magnetar.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The official Pulsar server distribution (unpacked by Maven from Central) and the packaged Magnetar tree,
 * and private copies of the distribution for one test or benchmark each.
 */
public final class PulsarRuntime {
    private static final AtomicInteger RUNS = new AtomicInteger();

    private PulsarRuntime() {
    }

    /** The pristine distribution: never started, never installed into. */
    public static Path distribution() {
        Path dir = location("magnetar.runtime.dir", "integration-tests/target/pulsar-runtime/apache-pulsar-4.0.8");
        if (!Files.isExecutable(dir.resolve("bin/pulsar"))) {
            throw new IllegalStateException("No Pulsar distribution at " + dir
                    + ": build it with ./mvnw -DskipTests package (integration-tests unpacks it)");
        }
        return dir;
    }

    /** The unpacked Magnetar package: plugins/, lib/, conf/, bin/install.sh. */
    public static Path magnetarPackage() {
        Path dir = location("magnetar.package.dir", null);
        if (dir == null) {
            Path target = Paths.get("nar-packaging/target").toAbsolutePath();
            try (var entries = Files.list(target)) {
                dir = entries.filter(p -> p.getFileName().toString().startsWith("magnetar-")
                        && Files.isDirectory(p)).findFirst().orElse(target.resolve("magnetar-missing"));
            } catch (IOException e) {
                dir = target.resolve("magnetar-missing");
            }
        }
        if (!Files.isExecutable(dir.resolve("bin/install.sh"))) {
            throw new IllegalStateException("No Magnetar package at " + dir + ": build it with ./mvnw -DskipTests package");
        }
        return dir;
    }

    /** The repository's {@code bin/magnetar}, the command the README gives newcomers and operators. */
    public static Path magnetarScript() {
        return Paths.get(System.getProperty("magnetar.repo.dir", "..")).resolve("bin/magnetar")
                .toAbsolutePath().normalize();
    }

    /** Where harness runs keep their installations, data and logs. */
    public static Path workDir() {
        Path dir = location("magnetar.work.dir", "integration-tests/target/it-work");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private static Path location(String property, String fallback) {
        String value = System.getProperty(property);
        if (value != null && !value.isBlank()) {
            return Paths.get(value).toAbsolutePath().normalize();
        }
        return fallback == null ? null : Paths.get(fallback).toAbsolutePath().normalize();
    }

    /**
     * Copies the distribution to {@code dest}: jars are hard links (the distribution is 280 MB), everything else
     * is copied, so install.sh and per-node configuration never touch the pristine tree.
     */
    public static Path copyDistribution(Path dest) {
        Path source = distribution();
        try {
            Files.createDirectories(dest);
            Files.walkFileTree(source, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    Files.createDirectories(dest.resolve(source.relativize(dir).toString()));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Path target = dest.resolve(source.relativize(file).toString());
                    String name = file.getFileName().toString();
                    if (name.endsWith(".jar") || name.endsWith(".nar") || name.endsWith(".tar.gz")) {
                        Files.createLink(target, file);
                    } else {
                        Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("copying " + source + " to " + dest, e);
        }
        return dest;
    }

    /** Output and exit code of one run of the package's bin/install.sh. */
    public record InstallResult(int exitCode, String output) { }

    /** Runs the package's own bin/install.sh against {@code pulsarHome}, exactly as an operator would. */
    public static InstallResult runInstall(Path pulsarHome) {
        Path script = magnetarPackage().resolve("bin/install.sh");
        try {
            Process p = new ProcessBuilder(List.of(script.toString(), pulsarHome.toString()))
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("install.sh did not finish within 60 s");
            }
            return new InstallResult(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A distribution copy with Magnetar installed by install.sh; fails loudly when the install does. */
    public static Path installedCopy(Path dest) {
        copyDistribution(dest);
        InstallResult result = runInstall(dest);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("install.sh failed (" + result.exitCode() + "): " + result.output());
        }
        return dest;
    }

    /** A new folder under the work dir for one run: its installation, configuration, data and logs. */
    static Path newRunDir(String name) {
        return workDir().resolve(name + "-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
    }

    /** {@code runDir/pulsar}: a copy of the distribution, with Magnetar installed or stock. */
    static Path installation(Path runDir, boolean magnetar) {
        Path home = runDir.resolve("pulsar");
        return magnetar ? installedCopy(home) : copyDistribution(home);
    }

    /** Deletes a directory tree; used for data directories once a run is over. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a leftover file under target/ is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
