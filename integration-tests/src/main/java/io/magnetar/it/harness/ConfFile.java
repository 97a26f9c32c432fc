package io.magnetar.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Pulsar/BookKeeper/ZooKeeper {@code key=value} file from a base file and overrides. Each overridden
 * key's uncommented lines are replaced in place and missing keys are appended: BookKeeper's configuration
 * library turns a repeated key into a list, so appending alone is not safe for every file.
 */
public final class ConfFile {
    private ConfFile() {
    }

    public static Path write(Path base, Path dest, Map<String, String> overrides) {
        try {
            List<String> lines = Files.readAllLines(base, StandardCharsets.UTF_8);
            Map<String, String> pending = new LinkedHashMap<>(overrides);
            List<String> out = new ArrayList<>(lines.size() + overrides.size() + 2);
            for (String line : lines) {
                String key = keyOf(line);
                if (key != null && overrides.containsKey(key)) {
                    if (pending.remove(key) != null) {
                        out.add(key + "=" + overrides.get(key));
                    }
                    // later duplicates of an overridden key are dropped
                } else {
                    out.add(line);
                }
            }
            if (!pending.isEmpty()) {
                out.add("");
                out.add("# test harness overrides");
                pending.forEach((k, v) -> out.add(k + "=" + v));
            }
            Files.createDirectories(dest.getParent());
            Files.write(dest, out, StandardCharsets.UTF_8);
            return dest;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String keyOf(String line) {
        String trimmed = line.trim();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return null;
        }
        int eq = trimmed.indexOf('=');
        return eq <= 0 ? null : trimmed.substring(0, eq).trim();
    }
}
