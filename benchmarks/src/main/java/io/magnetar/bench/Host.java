package io.magnetar.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the machine a benchmark runs on, printed with its figures. */
public final class Host {
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
}
