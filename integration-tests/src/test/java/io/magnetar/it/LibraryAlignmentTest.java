package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.PulsarRuntime;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The libraries the plugins compile against must be the versions the runtime broker ships: a plugin built
 * against another Netty, BookKeeper, protobuf, Guava, Jackson, slf4j or log4j can fail only once loaded.
 * This module's test classpath is the plugins' compile classpath (pulsar-broker, provided, under the parent's
 * dependency management).
 */
class LibraryAlignmentTest {
    private static final List<String> PINNED_GROUPS = List.of("io.netty", "org.apache.bookkeeper",
            "com.google.protobuf", "com.google.guava", "com.fasterxml.jackson", "org.slf4j", "org.apache.logging.log4j");

    @Test
    void pinnedLibrariesMatchTheRuntimeDistribution() throws IOException {
        List<String> runtimeLib;
        try (var files = Files.list(PulsarRuntime.distribution().resolve("lib"))) {
            runtimeLib = files.map(p -> p.getFileName().toString()).toList();
        }
        Path repo = Paths.get(System.getProperty("user.home"), ".m2", "repository");
        String localRepo = System.getProperty("maven.repo.local");
        if (localRepo != null) {
            repo = Paths.get(localRepo);
        }
        TreeMap<String, String> mismatches = new TreeMap<>();
        int checked = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path jar = Paths.get(entry).toAbsolutePath();
            if (!jar.startsWith(repo) || !entry.endsWith(".jar")) {
                continue;
            }
            // <repo>/<group path>/<artifactId>/<version>/<artifactId>-<version>[-classifier].jar
            Path rel = repo.relativize(jar);
            int n = rel.getNameCount();
            String version = rel.getName(n - 2).toString();
            String artifactId = rel.getName(n - 3).toString();
            String groupId = rel.subpath(0, n - 3).toString().replace(File.separatorChar, '.');
            if (PINNED_GROUPS.stream().noneMatch(groupId::startsWith)) {
                continue;
            }
            String prefix = groupId + "-" + artifactId + "-";
            List<String> runtimeVersions = new ArrayList<>();
            for (String lib : runtimeLib) {
                if (lib.startsWith(prefix) && lib.endsWith(".jar")) {
                    String rest = lib.substring(prefix.length(), lib.length() - ".jar".length());
                    if (!rest.isEmpty() && Character.isDigit(rest.charAt(0))) {
                        runtimeVersions.add(rest);
                    }
                }
            }
            if (runtimeVersions.isEmpty()) {
                continue; // not shipped by the broker: nothing to align with
            }
            checked++;
            boolean same = runtimeVersions.stream().anyMatch(v -> v.equals(version) || v.startsWith(version + "-"));
            if (!same) {
                mismatches.put(groupId + ":" + artifactId, "compile " + version + ", runtime " + runtimeVersions);
            }
        }
        assertTrue(checked > 20, "expected to compare the broker's Netty/BookKeeper/... jars, compared " + checked);
        assertEquals(new TreeMap<>(), mismatches);
    }
}
