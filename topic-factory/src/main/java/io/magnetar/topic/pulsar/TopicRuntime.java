package io.magnetar.topic.pulsar;

import io.magnetar.api.InternalNames;
import io.magnetar.config.MagnetarSettings;
import io.magnetar.delayed.DelayIndexSettings;
import io.magnetar.delayed.IndexStats;
import io.magnetar.delayed.WakeUp;
import io.magnetar.delayed.pulsar.BookKeeperIndexStore;
import io.magnetar.flags.Feature;
import io.magnetar.flags.FeatureSet;
import io.magnetar.plugin.PluginContext;
import io.magnetar.retry.pulsar.RetryMetrics;
import io.magnetar.schedule.ScheduleRules;
import io.magnetar.timerlog.pulsar.TopicScheduler;
import io.magnetar.transaction.TransactionRules;
import io.magnetar.transaction.pulsar.TransactionMetrics;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.apache.bookkeeper.client.api.BookKeeper;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the topics of one broker share: configuration, this class loader's view of the tenant flags, the wake-up
 * executor, the scheduled-message and timer-log counters ({@code magnetar_schedule_*}), and each other feature's
 * metrics in its own class ({@link TransactionMetrics}, {@link RetryMetrics}). Started by the topic factory when
 * the first topic is created (Pulsar gives a topic factory no start hook); that first start reads the flag
 * overrides once.
 */
public final class TopicRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopicRuntime.class);
    static final String ENTRY_FILTER = InternalNames.ENTRY_FILTER;
    private final PluginContext context;
    private final ScheduleRules rules;
    private final DelayIndexSettings indexSettings;
    private final Supplier<BookKeeper> bookKeeper;
    private final BookKeeperIndexStore.LedgerReplication replication;
    private final ScheduledThreadPoolExecutor executor;
    private final IndexStats stats = new IndexStats();
    /** How late each due message reached its topic (the append's completion), not the index's hand-out. */
    public final IndexStats.Lateness appendLateness = new IndexStats.Lateness();
    private final Set<TopicScheduler> live = ConcurrentHashMap.newKeySet();
    public final LongAdder scheduled;
    final LongAdder refused;
    public final LongAdder appended;
    public final LongAdder failures;
    /** Broker-side redelivery and dead letters (tenant flags {@code retry}, {@code deadLetter}). */
    private final RetryMetrics retryMetrics;
    private final MessagePublisher publisher;
    private final boolean redeliveryRouting;
    /** Transactional messages (tenant flag {@code transaction}). */
    private final TransactionRules transactionRules;
    private final TransactionMetrics transactionMetrics;
    /** Memory for records due within seconds, kept so their append does not read them back (all topics). */
    public static final long NEAR_DUE_BUDGET_BYTES = 32L << 20;
    public final AtomicLong nearDueBytes = new AtomicLong();

    TopicRuntime(PulsarService pulsar) throws Exception {
        ServiceConfiguration conf = pulsar.getConfiguration();
        // validates every Magnetar key (MagnetarSettings): a bad one fails the first topic's load, naming the key
        this.context = PluginContext.start(pulsar, "schedule");
        MagnetarSettings settings = context.settings();
        this.rules = new ScheduleRules(settings.schedule().levels(), settings.schedule().maxDelayMillis());
        this.transactionRules = new TransactionRules(settings.transaction());
        this.indexSettings = DelayIndexSettings.of(settings.delayed());
        this.bookKeeper = pulsar::getBookKeeperClient;
        this.replication = BookKeeperIndexStore.LedgerReplication.of(conf);
        this.executor = WakeUp.executor("magnetar-schedule-wakeup");
        var m = context.metrics();
        scheduled = m.counter("messages_scheduled", "messages held by the broker until their due time");
        refused = m.counter("messages_refused", "sends refused for bad scheduling properties");
        appended = m.counter("messages_appended", "scheduled messages appended to their topic at their due time");
        failures = m.counter("failures", "failed schedule-log writes, reads or appends (retried)");
        m.gauge("messages_held", "scheduled messages waiting for their due time",
                () -> live.stream().mapToLong(TopicScheduler::held).sum());
        m.gauge("topics", "topics with scheduled messages on this broker", live::size);
        m.gauge("near_due_bytes", "bytes of records due within seconds kept in memory for their append",
                nearDueBytes::get);
        m.counter("lateness_millis", "summed lateness of appended messages", appendLateness::sumMillis);
        for (int i = 0; i < IndexStats.LATENESS_BOUNDS_MS.length; i++) {
            int bucket = i;
            m.counter("appended_late_within", "appends completed at most le milliseconds after their due time",
                    () -> appendLateness.cumulative(bucket), "le", Long.toString(IndexStats.LATENESS_BOUNDS_MS[i]));
        }
        retryMetrics = new RetryMetrics(pulsar);
        publisher = new MessagePublisher(pulsar::getClient, pulsar::getBrokerId);
        transactionMetrics = new TransactionMetrics(pulsar);
        redeliveryRouting = conf.getEntryFilterNames() != null && conf.getEntryFilterNames().contains(ENTRY_FILTER);
        if (!redeliveryRouting) {
            log.warn("entryFilterNames does not list {}: broker-side retry and dead letters stay off on this broker "
                    + "(Pulsar redelivers failed messages itself) even for tenants with retry or deadLetter on",
                    ENTRY_FILTER);
        }
    }

    /** The tenant's features: one map lookup, shared by every feature check of a publish. */
    FeatureSet features(String tenant) {
        return context.flags().effective(tenant);
    }

    public TransactionMetrics transactionMetrics() {
        return transactionMetrics;
    }

    public RetryMetrics retryMetrics() {
        return retryMetrics;
    }

    public TransactionRules transactionRules() {
        return transactionRules;
    }

    public boolean retryEnabled(String tenant) {
        return context.flags().isEnabled(tenant, Feature.RETRY);
    }

    public boolean deadLetterEnabled(String tenant) {
        return context.flags().isEnabled(tenant, Feature.DEAD_LETTER);
    }

    /** Redelivery copies go through the topic: only Magnetar's entry filter keeps them to their subscription. */
    boolean redeliveryRouting() {
        return redeliveryRouting;
    }

    public MessagePublisher publisher() {
        return publisher;
    }

    ScheduleRules rules() {
        return rules;
    }

    public DelayIndexSettings indexSettings() {
        return indexSettings;
    }

    public Supplier<BookKeeper> bookKeeper() {
        return bookKeeper;
    }

    public BookKeeperIndexStore.LedgerReplication replication() {
        return replication;
    }

    public ScheduledThreadPoolExecutor executor() {
        return executor;
    }

    public IndexStats stats() {
        return stats;
    }

    public void register(TopicScheduler scheduler) {
        live.add(scheduler);
    }

    public void unregister(TopicScheduler scheduler) {
        live.remove(scheduler);
    }

    @Override
    public void close() {
        publisher.close();
        retryMetrics.close();
        transactionMetrics.close();
        executor.shutdownNow();
        context.close();
    }
}
