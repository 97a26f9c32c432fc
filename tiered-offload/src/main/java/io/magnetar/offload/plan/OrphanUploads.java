package io.magnetar.offload.plan;

import io.magnetar.offload.format.ObjectNames;
import io.magnetar.offload.store.ObjectStore.Upload;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Which multipart uploads in progress are orphans to abort. A broker killed mid-offload leaves its upload open
 * (S3 keeps, and bills, its parts until it is aborted); Pulsar retries the ledger under a new uid and tells us the
 * old one ({@code deleteOffloaded}), which aborts that attempt's uploads at once. The periodic sweep is the
 * backstop for the rest: any upload of a Magnetar data object older than the threshold, which no live offload
 * runs that long.
 */
public final class OrphanUploads {
    private OrphanUploads() {
    }

    /** Uploads of Magnetar data objects under {@code prefix} initiated more than {@code age} before {@code now}. */
    public static List<Upload> stale(List<Upload> uploads, String prefix, Instant now, Duration age) {
        String ours = ObjectNames.normalizePrefix(prefix) + "magnetar/";
        Instant cutoff = now.minus(age);
        return uploads.stream()
                .filter(u -> u.key().startsWith(ours) && u.key().endsWith(".data"))
                .filter(u -> u.initiated() != null && u.initiated().isBefore(cutoff))
                .toList();
    }

    /** Uploads of exactly this data object, whatever their age: its offload attempt is over. */
    public static List<Upload> of(List<Upload> uploads, String dataKey) {
        return uploads.stream().filter(u -> u.key().equals(dataKey)).toList();
    }

    /** Where to list for the sweep: the prefix of every Magnetar object. */
    public static String listPrefix(String prefix) {
        return ObjectNames.normalizePrefix(prefix) + "magnetar/";
    }
}
