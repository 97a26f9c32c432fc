package io.magnetar.it;

import io.magnetar.it.harness.Http;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one sample from a Prometheus text exposition. */
final class Metrics {
    private Metrics() {
    }

    static String scrape(String url) {
        Http.Response r = Http.get(url);
        if (r.status() != 200) {
            throw new AssertionError("GET " + url + " -> " + r.status() + ": " + r.body());
        }
        return r.body();
    }

    /** The value of the first sample of {@code family} whose labels contain every given {@code name="value"}. */
    static OptionalDouble value(String exposition, String family, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(family) + "\\{([^}]*)\\} (\\S+)", Pattern.MULTILINE);
        Matcher m = line.matcher(exposition);
        while (m.find()) {
            String labelText = m.group(1);
            boolean all = true;
            for (String l : labels) {
                all &= labelText.contains(l);
            }
            if (all) {
                return OptionalDouble.of(Double.parseDouble(m.group(2)));
            }
        }
        return OptionalDouble.empty();
    }
}
