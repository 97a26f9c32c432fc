package io.magnetar.filter.pulsar;

import io.magnetar.flags.Feature;
import io.magnetar.flags.TenantFeatureFlags;
import io.magnetar.plugin.PluginContext;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.broker.PulsarService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every {@link MagnetarEntryFilter} instance of this class loader shares: one {@link PluginContext} (config,
 * metrics, this loader's own view of the tenant flags) and one {@link TagFilterEngine}.
 *
 * <p>Pulsar constructs entry filters with no arguments and never hands them the broker: it builds one instance
 * for the broker and one more per loaded topic, and closes each with its topic. So the context starts lazily, on
 * the first entry, from the subscription's broker, and stops when the last instance is closed.
 */
final class FilterRuntime {
    private static final Logger log = LoggerFactory.getLogger(FilterRuntime.class);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static int instances;
    private static volatile FilterRuntime current;
    private static long nextAttempt = Long.MIN_VALUE;

    private final PluginContext context;
    private final TagFilterEngine engine;
    private final boolean batchIndexAck;

    private FilterRuntime(PluginContext context, boolean batchIndexAck) {
        this.context = context;
        this.batchIndexAck = batchIndexAck;
        TenantFeatureFlags flags = context.flags();
        this.engine = new TagFilterEngine(tenant -> flags.isEnabled(tenant, Feature.TAG_FILTER), context.metrics(),
                new EntryProperties());
    }

    TagFilterEngine engine() {
        return engine;
    }

    boolean batchIndexAck() {
        return batchIndexAck;
    }

    static synchronized void acquire() {
        instances++;
    }

    static synchronized void release() {
        if (--instances == 0 && current != null) {
            current.context.close();
            current = null;
            nextAttempt = Long.MIN_VALUE;
            log.info("Magnetar entry filter stopped");
        }
    }

    /** The started runtime, or null while it cannot start (the caller delivers unfiltered meanwhile). */
    static FilterRuntime get(PulsarService pulsar) {
        FilterRuntime runtime = current;
        return runtime != null ? runtime : start(pulsar);
    }

    private static synchronized FilterRuntime start(PulsarService pulsar) {
        if (current != null) {
            return current;
        }
        long now = System.nanoTime();
        if (nextAttempt != Long.MIN_VALUE && now - nextAttempt < 0) {
            return null;
        }
        try {
            // Blocks this dispatcher thread once per broker: the flag overrides load from the metadata store.
            PluginContext context = PluginContext.start(pulsar, "filter");
            boolean batchIndexAck = pulsar.getConfiguration().isAcknowledgmentAtBatchIndexLevelEnabled();
            current = new FilterRuntime(context, batchIndexAck);
            log.info("Magnetar entry filter started (mixed batches: {})", batchIndexAck
                    ? "split with batch-index acknowledgements"
                    : "delivered whole; set acknowledgmentAtBatchIndexLevelEnabled=true to split them");
            return current;
        } catch (Exception e) {
            nextAttempt = now + RETRY_NANOS;
            log.error("Magnetar entry filter could not start, delivering unfiltered; retrying in 10 s", e);
            return null;
        }
    }
}
