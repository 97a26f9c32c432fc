package io.magnetar.shedding.pulsar;

import io.magnetar.shedding.Split;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;

/**
 * Tells the operator about bundles too hot for any broker (neither load manager lets a shedding strategy split): one
 * WARN per bundle per {@code repeatMillis}, with the command that splits it.
 */
final class SplitWarnings {
    private final Logger log;
    private final Map<String, Long> warnedAt = new HashMap<>();

    SplitWarnings(Logger log) {
        this.log = log;
    }

    void report(List<Split> splits, long now, long repeatMillis) {
        warnedAt.values().removeIf(at -> now - at >= repeatMillis);
        for (Split split : splits) {
            if (warnedAt.putIfAbsent(split.bundle(), now) != null) {
                continue;
            }
            int slash = split.bundle().lastIndexOf('/');
            log.warn(String.format(Locale.ROOT, "Bundle %s alone keeps broker %s at about %.0f %% load, against a "
                            + "balanced level of %.0f %%: no move can balance it. Split it: pulsar-admin namespaces "
                            + "split-bundle %s --bundle %s", split.bundle(), split.broker(), split.load() * 100,
                    split.level() * 100, split.bundle().substring(0, slash), split.bundle().substring(slash + 1)));
        }
    }
}
