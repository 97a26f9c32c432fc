package io.magnetar.flags;

import io.magnetar.metrics.MagnetarMetrics;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;
import org.apache.pulsar.metadata.api.GetResult;
import org.apache.pulsar.metadata.api.MetadataStore;
import org.apache.pulsar.metadata.api.MetadataStoreException;
import org.apache.pulsar.metadata.api.Notification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-tenant feature flags: cluster defaults from broker.conf, overrides in the configuration metadata store.
 *
 * <p>Every broker keeps all overrides in memory and follows the store's change notifications, so
 * {@link #isEnabled} never waits on I/O: one map lookup and a mask test. Each plugin class loader has its own
 * instance; they agree through the store, not through shared statics.
 */
public final class TenantFeatureFlags implements AutoCloseable {
    public static final String ROOT = "/magnetar/features/tenants";
    private static final Logger log = LoggerFactory.getLogger(TenantFeatureFlags.class);
    private static final int MAX_WRITE_ATTEMPTS = 10;

    /** What this broker knows of a tenant; {@code generation} orders concurrent reloads of the same tenant. */
    private record TenantState(FeatureOverrides overrides, FeatureSet effective, long generation) { }

    private final MetadataStore store;
    private final FeatureSet defaults;
    private final ConcurrentHashMap<String, TenantState> tenants = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong();
    private final LongAdder[] lookups = new LongAdder[Feature.all().length * 2];
    private volatile boolean closed;
    private volatile ScheduledFuture<?> periodicRefresh;

    public TenantFeatureFlags(MetadataStore store, FeatureSet defaults, MagnetarMetrics metrics) {
        this.store = store;
        this.defaults = defaults;
        for (Feature f : Feature.all()) {
            for (boolean enabled : new boolean[] {false, true}) {
                lookups[slot(f, enabled)] = metrics.counter("flag_lookups",
                        "Tenant feature-flag checks, by feature and answer",
                        "feature", f.wireName(), "enabled", Boolean.toString(enabled));
            }
        }
        metrics.gauge("flag_tenants_overridden", "Tenants with at least one feature override known to this broker",
                () -> tenants.values().stream().filter(s -> !s.overrides.isEmpty()).count());
    }

    private static int slot(Feature f, boolean enabled) {
        return f.ordinal() * 2 + (enabled ? 1 : 0);
    }

    /**
     * Follows store notifications and loads every override; completes when the initial load is done.
     * A periodic full refresh (when a scheduler is given) covers notifications lost during a session loss.
     */
    public CompletableFuture<Void> start(ScheduledExecutorService scheduler, long refreshSeconds) {
        store.registerListener(this::onNotification);
        if (scheduler != null && refreshSeconds > 0) {
            periodicRefresh = scheduler.scheduleWithFixedDelay(() -> refreshAll().exceptionally(ex -> {
                log.warn("Periodic refresh of Magnetar feature flags failed", ex);
                return null;
            }), refreshSeconds, refreshSeconds, TimeUnit.SECONDS);
        }
        return refreshAll();
    }

    /** The hot-path check. */
    public boolean isEnabled(String tenant, Feature feature) {
        TenantState state = tenants.get(tenant);
        boolean enabled = (state == null ? defaults : state.effective).contains(feature);
        lookups[slot(feature, enabled)].increment();
        return enabled;
    }

    public FeatureSet defaults() {
        return defaults;
    }

    public FeatureSet effective(String tenant) {
        TenantState state = tenants.get(tenant);
        return state == null ? defaults : state.effective;
    }

    public FeatureOverrides overrides(String tenant) {
        TenantState state = tenants.get(tenant);
        return state == null ? FeatureOverrides.EMPTY : state.overrides;
    }

    /** Sets ({@code true}/{@code false}) or clears ({@code null}) the given features for a tenant. */
    public CompletableFuture<FeatureOverrides> update(String tenant, Map<Feature, Boolean> patch) {
        return write(tenant, current -> current.apply(patch), 1);
    }

    /** Removes every override of the tenant: it follows the cluster defaults again. */
    public CompletableFuture<FeatureOverrides> clear(String tenant) {
        return write(tenant, current -> FeatureOverrides.EMPTY, 1);
    }

    static String path(String tenant) {
        return ROOT + "/" + tenant;
    }

    private CompletableFuture<FeatureOverrides> write(String tenant, UnaryOperator<FeatureOverrides> change,
                                                      int attempt) {
        String path = path(tenant);
        return store.get(path).thenCompose(stored -> {
            FeatureOverrides current = stored.map(r -> parseStored(path, r)).orElse(FeatureOverrides.EMPTY);
            FeatureOverrides next = change.apply(current);
            CompletableFuture<Void> done;
            if (next.isEmpty()) {
                done = stored.isPresent()
                        ? store.delete(path, Optional.of(stored.get().getStat().getVersion()))
                        : CompletableFuture.completedFuture(null);
            } else {
                // -1 = create only if absent; otherwise compare-and-set on the version we read
                long expected = stored.map(r -> r.getStat().getVersion()).orElse(-1L);
                done = store.put(path, next.toJsonBytes(), Optional.of(expected)).thenApply(stat -> null);
            }
            return done.thenApply(v -> {
                apply(tenant, generations.incrementAndGet(), next);
                log.info("Magnetar features of tenant {} are now {} (overrides {})", tenant, effective(tenant), next);
                return next;
            });
        }).exceptionallyCompose(ex -> {
            Throwable cause = ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex;
            boolean conflict = cause instanceof MetadataStoreException.BadVersionException
                    || cause instanceof MetadataStoreException.NotFoundException
                    || cause instanceof MetadataStoreException.AlreadyExistsException;
            if (conflict && attempt < MAX_WRITE_ATTEMPTS) {
                return write(tenant, change, attempt + 1);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** Reloads every tenant with overrides in the store, and every tenant this broker knew of. */
    public CompletableFuture<Void> refreshAll() {
        return store.getChildren(ROOT).thenCompose((List<String> children) -> {
            Set<String> names = new HashSet<>(children);
            names.addAll(tenants.keySet());
            return CompletableFuture.allOf(names.stream().map(this::reload).toArray(CompletableFuture[]::new));
        });
    }

    private CompletableFuture<Void> reload(String tenant) {
        long generation = generations.incrementAndGet();
        String path = path(tenant);
        return store.get(path).thenAccept((Optional<GetResult> stored) ->
                apply(tenant, generation, stored.map(r -> parseStored(path, r)).orElse(FeatureOverrides.EMPTY)));
    }

    private void apply(String tenant, long generation, FeatureOverrides overrides) {
        tenants.compute(tenant, (name, current) -> current != null && current.generation > generation
                ? current
                : new TenantState(overrides, defaults.withOverrides(overrides.values()), generation));
    }

    private void onNotification(Notification n) {
        String path = n.getPath();
        if (closed || !path.startsWith(ROOT + "/")) {
            return;
        }
        String tenant = path.substring(ROOT.length() + 1);
        if (tenant.isEmpty() || tenant.indexOf('/') >= 0) {
            return;
        }
        reload(tenant).exceptionally(ex -> {
            log.warn("Failed to reload Magnetar feature flags of tenant {} after {}", tenant, n.getType(), ex);
            return null;
        });
    }

    private static FeatureOverrides parseStored(String path, GetResult result) {
        try {
            return FeatureOverrides.fromStoredJson(result.getValue());
        } catch (Exception e) {
            log.error("Unreadable Magnetar feature overrides at {}: treating them as absent", path, e);
            return FeatureOverrides.EMPTY;
        }
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> refresh = periodicRefresh;
        if (refresh != null) {
            refresh.cancel(false);
        }
    }
}
