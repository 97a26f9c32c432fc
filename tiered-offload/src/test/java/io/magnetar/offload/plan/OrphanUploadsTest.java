package io.magnetar.offload.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.magnetar.offload.format.ObjectNames;
import io.magnetar.offload.store.ObjectStore.Upload;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OrphanUploadsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void onlyOurDataObjectsOlderThanTheThresholdAreStale() {
        UUID uid = UUID.randomUUID();
        String ours = ObjectNames.dataKey("tenant-a", uid, 7);
        List<Upload> uploads = List.of(
                new Upload(ours, "old", NOW.minus(Duration.ofHours(25))),
                new Upload(ours, "young", NOW.minus(Duration.ofMinutes(5))),
                new Upload(ObjectNames.dataKey("tenant-b", uid, 7), "other-prefix", NOW.minus(Duration.ofDays(3))),
                new Upload(ObjectNames.jcloudDataKey(uid, 7), "jcloud", NOW.minus(Duration.ofDays(3))),
                new Upload("tenant-a/magnetar/notes.txt", "not-a-data-object", NOW.minus(Duration.ofDays(3))),
                new Upload(ours, "unknown-age", null));
        List<Upload> stale = OrphanUploads.stale(uploads, "tenant-a/", NOW, Duration.ofHours(24));
        assertEquals(List.of("old"), stale.stream().map(Upload::uploadId).toList());
        assertEquals("tenant-a/magnetar/", OrphanUploads.listPrefix("/tenant-a"));
        assertEquals("magnetar/", OrphanUploads.listPrefix(""));
    }

    @Test
    void anAttemptsUploadsAreItsDataObjectsWhateverTheirAge() {
        UUID uid = UUID.randomUUID();
        String key = ObjectNames.dataKey("", uid, 7);
        List<Upload> uploads = List.of(
                new Upload(key, "a", NOW),
                new Upload(key, "b", NOW.minus(Duration.ofDays(2))),
                new Upload(ObjectNames.dataKey("", uid, 70), "longer-id", NOW));
        assertEquals(List.of("a", "b"), OrphanUploads.of(uploads, key).stream().map(Upload::uploadId).toList());
    }
}
