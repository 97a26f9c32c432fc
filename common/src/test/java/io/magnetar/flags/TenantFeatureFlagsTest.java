package io.magnetar.flags;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.metrics.MagnetarMetrics;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.pulsar.metadata.api.MetadataStore;
import org.apache.pulsar.metadata.api.MetadataStoreConfig;
import org.apache.pulsar.metadata.api.MetadataStoreFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs against Pulsar's real in-memory metadata store implementation. */
class TenantFeatureFlagsTest {
    private MetadataStore store;

    @BeforeEach
    void open() throws Exception {
        store = MetadataStoreFactory.create("memory:" + UUID.randomUUID(), MetadataStoreConfig.builder().build());
    }

    @AfterEach
    void close() throws Exception {
        store.close();
    }

    private TenantFeatureFlags started(FeatureSet defaults, MagnetarMetrics metrics) throws Exception {
        TenantFeatureFlags flags = new TenantFeatureFlags(store, defaults, metrics);
        flags.start(null, 0).get(10, TimeUnit.SECONDS);
        return flags;
    }

    @Test
    void unknownTenantsFollowDefaults() throws Exception {
        TenantFeatureFlags flags = started(FeatureSet.of(Feature.RETRY), new MagnetarMetrics("t", "c"));
        assertTrue(flags.isEnabled("anyone", Feature.RETRY));
        assertFalse(flags.isEnabled("anyone", Feature.DELAY));
        assertTrue(flags.overrides("anyone").isEmpty());
    }

    @Test
    void updatePersistsAndAnotherInstanceSeesIt() throws Exception {
        TenantFeatureFlags writer = started(FeatureSet.NONE, new MagnetarMetrics("w", "c"));
        TenantFeatureFlags reader = started(FeatureSet.NONE, new MagnetarMetrics("r", "c"));

        writer.update("acme", Map.of(Feature.DELAY, true, Feature.TAG_FILTER, true)).get(10, TimeUnit.SECONDS);
        assertTrue(writer.isEnabled("acme", Feature.DELAY), "read-your-writes on the writing instance");
        await(() -> reader.isEnabled("acme", Feature.DELAY) && reader.isEnabled("acme", Feature.TAG_FILTER));
        assertFalse(reader.isEnabled("other", Feature.DELAY));

        writer.update("acme", java.util.Collections.singletonMap(Feature.DELAY, null)).get(10, TimeUnit.SECONDS);
        await(() -> !reader.isEnabled("acme", Feature.DELAY));
        assertEquals(Map.of(Feature.TAG_FILTER, true), reader.overrides("acme").values());

        writer.clear("acme").get(10, TimeUnit.SECONDS);
        assertFalse(store.exists(TenantFeatureFlags.path("acme")).get(), "clearing removes the node");
        await(() -> reader.overrides("acme").isEmpty() && !reader.isEnabled("acme", Feature.TAG_FILTER));
    }

    @Test
    void newInstanceLoadsExistingOverridesAtStart() throws Exception {
        started(FeatureSet.ALL, new MagnetarMetrics("a", "c"))
                .update("acme", Map.of(Feature.TRANSACTION, false)).get(10, TimeUnit.SECONDS);
        TenantFeatureFlags late = started(FeatureSet.ALL, new MagnetarMetrics("b", "c"));
        assertFalse(late.isEnabled("acme", Feature.TRANSACTION));
        assertTrue(late.isEnabled("acme", Feature.DELAY));
    }

    @Test
    void concurrentWritersDoNotLoseUpdates() throws Exception {
        TenantFeatureFlags a = started(FeatureSet.NONE, new MagnetarMetrics("a", "c"));
        TenantFeatureFlags b = started(FeatureSet.NONE, new MagnetarMetrics("b", "c"));
        CompletableFuture<?>[] writes = new CompletableFuture<?>[Feature.values().length];
        for (Feature f : Feature.values()) {
            writes[f.ordinal()] = (f.ordinal() % 2 == 0 ? a : b).update("acme", Map.of(f, true));
        }
        CompletableFuture.allOf(writes).get(20, TimeUnit.SECONDS);
        byte[] stored = store.get(TenantFeatureFlags.path("acme")).get().orElseThrow().getValue();
        assertEquals(Feature.values().length, FeatureOverrides.fromStoredJson(stored).values().size(),
                "every compare-and-set write survived");
        await(() -> a.effective("acme").equals(FeatureSet.ALL) && b.effective("acme").equals(FeatureSet.ALL));
    }

    @Test
    void corruptStoredValueIsTreatedAsAbsent() throws Exception {
        store.put(TenantFeatureFlags.path("broken"), "not json".getBytes(), Optional.empty()).get();
        TenantFeatureFlags flags = started(FeatureSet.of(Feature.DELAY), new MagnetarMetrics("t", "c"));
        assertTrue(flags.isEnabled("broken", Feature.DELAY));
        flags.update("broken", Map.of(Feature.RETRY, true)).get(10, TimeUnit.SECONDS);
        assertEquals(Map.of(Feature.RETRY, true), flags.overrides("broken").values(), "a write repairs it");
    }

    @Test
    void lookupsAreCounted() throws Exception {
        MagnetarMetrics metrics = new MagnetarMetrics("t", "c");
        TenantFeatureFlags flags = started(FeatureSet.of(Feature.DELAY), metrics);
        flags.isEnabled("x", Feature.DELAY);
        flags.isEnabled("x", Feature.DELAY);
        flags.isEnabled("x", Feature.RETRY);
        String text = metrics.toPrometheusText();
        assertTrue(text.contains("magnetar_t_flag_lookups_total{cluster=\"c\",feature=\"delay\",enabled=\"true\"} 2"),
                text);
        assertTrue(text.contains("magnetar_t_flag_lookups_total{cluster=\"c\",feature=\"retry\",enabled=\"false\"} 1"),
                text);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
