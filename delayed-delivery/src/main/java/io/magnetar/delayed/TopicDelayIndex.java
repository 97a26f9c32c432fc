package io.magnetar.delayed;

import io.magnetar.delayed.IndexCodec.ChunkMeta;
import io.magnetar.delayed.IndexCodec.Summary;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delayed-message index of one topic, shared by its subscriptions: memory and persisted bytes grow with the
 * delayed messages, not with messages × subscriptions.
 *
 * <ul>
 *   <li>Topic level: messages due later than the window wait in one buffer; every {@code sealThreshold} of them
 *       are sorted and sealed into a bucket of compact chunks, written to the {@link IndexStore} and dropped from
 *       memory. A chunk is read back once, when its earliest time comes within half the window.</li>
 *   <li>{@link Subscription} level: a heap of the messages it will soon hand out (24-byte triples) and a
 *       compressed bitmap of the positions it holds. The bitmap answers "already held?" (a re-read is not a second
 *       message) and lets the dispatcher skip reading held entries.</li>
 *   <li>A subscription hands out a due position only when its normal reads have passed it; one its reads have not
 *       reached yet is released instead, so the read delivers it (it is due by then) and a lagging subscription
 *       does not get it twice. Unless a read may already have skipped it: Pulsar's managed ledger decides what a
 *       read skips ({@link Subscription#contains}) when it issues the read, and moves the read position past the
 *       skipped entries only when that read completes. A due position a read was told is held therefore stays
 *       held, and is handed out once the read position has passed it.</li>
 *   <li>Recovery reads only bucket summaries (chunk table and position bitmap), asynchronously; subscriptions that
 *       join meanwhile start holding every recovered position past their mark-delete position. A bucket that
 *       cannot be read is forgotten: its messages are still in the backlog, ahead of the cursors, and are indexed
 *       again as the dispatchers read them.</li>
 * </ul>
 *
 * A position is handed out when due by the clock, never early. Thread-safe: one monitor (this object) guards the
 * topic and all its subscriptions; store completions run on the store's threads; listeners are called without
 * the monitor.
 *
 * <p>One class (with its {@code Subscription} view) because one monitor guards sealing, persisting, loading and
 * releasing the manifest: Pulsar's bucket tracker spreads the same state over several classes, and its merge paths
 * are where it lost messages (STYLE.md). Split {@code Subscription} into its own file only when it grows.
 */
public final class TopicDelayIndex {
    private static final Logger log = LoggerFactory.getLogger(TopicDelayIndex.class);
    private static final long BUCKET_OVERHEAD_BYTES = 128;
    private static final long CHUNK_META_BYTES = 40;
    /** How soon a subscription looks again at due positions a read in flight is passing. */
    static final long DUE_AHEAD_RECHECK_MILLIS = 100;

    /** Told about changes made by asynchronous work. */
    public interface Listener {
        /** A load or the recovery finished: messages may be due, or the next wake-up time moved. */
        void indexChanged();

        /**
         * Persisted buckets could not be read and the index dropped all it held: the subscription must re-read its
         * backlog from the mark-delete position so the messages are indexed again.
         */
        void rebuildRequired();
    }

    /** Where a subscription's normal reads are. */
    @FunctionalInterface
    public interface ReadProgress {
        /** True when the subscription's normal reads have passed the position (read it, or skipped it as held). */
        boolean hasPassed(long ledgerId, long entryId);
    }

    /** Receives handed-out positions. */
    @FunctionalInterface
    public interface PositionSink {
        void accept(long ledgerId, long entryId);
    }

    private static final class Bucket {
        final List<ChunkMeta> chunks;
        final long maxTime;
        final long chunkBytes;
        final RoaringBitmapByLedger positions;
        long storeId = -1;
        byte[][] inline; // the encoded chunks until the store has them, or for good if writing failed
        int nextChunk;
        long loadedThroughTime = Long.MIN_VALUE;
        boolean loading;
        boolean released;
        long retryAt;
        int failures;

        Bucket(List<ChunkMeta> chunks, long chunkBytes, RoaringBitmapByLedger positions) {
            this.chunks = chunks;
            this.chunkBytes = chunkBytes;
            this.positions = positions;
            this.maxTime = chunks.get(chunks.size() - 1).maxTime();
        }

        boolean fullyLoaded() {
            return nextChunk == chunks.size() && !loading;
        }

        long nextLoadTime(long halfWindow) {
            if (loading || nextChunk == chunks.size()) {
                return Long.MAX_VALUE;
            }
            return Math.max(retryAt, chunks.get(nextChunk).minTime() - halfWindow);
        }
    }

    private final String name;
    private final IndexStore store;
    private final DelayIndexSettings settings;
    private final LongSupplier clock;
    private final IndexStats stats;
    private final long halfWindow;

    private final List<Subscription> subscriptions = new ArrayList<>();
    private final TripleBuffer later;
    private final RoaringBitmapByLedger indexed = new RoaringBitmapByLedger(); // in `later` or in a live bucket
    private final List<Bucket> buckets = new ArrayList<>();
    private final List<Long> deleteAfterManifest = new ArrayList<>();
    private long nextTopicWake = Long.MAX_VALUE;
    private boolean recovering;
    private long recoveryStartedAt;
    private long generation;
    private boolean closed;
    private boolean manifestSaving;
    private boolean manifestDirty;
    private long persistedBytes;
    private long inlineBytes;

    public TopicDelayIndex(String name, IndexStore store, DelayIndexSettings settings, LongSupplier clock,
                           IndexStats stats) {
        this.name = name;
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.stats = stats;
        this.halfWindow = settings.windowMillis() / 2;
        this.later = new TripleBuffer(Math.min(settings.sealThreshold(), 1024));
    }

    // ---------------------------------------------------------------------------------------------- recovery

    /** Starts reading the persisted buckets; subscriptions report {@code recovering()} until it finishes. */
    public void recover() {
        long[] ids;
        long gen;
        synchronized (this) {
            ids = store.loadManifest();
            if (ids.length == 0 || closed) {
                return;
            }
            recovering = true;
            recoveryStartedAt = clock.getAsLong();
            gen = generation;
        }
        List<CompletableFuture<Summary>> reads = new ArrayList<>(ids.length);
        for (long id : ids) {
            reads.add(store.readSummary(id).thenApply(data -> {
                try {
                    return IndexCodec.decodeSummary(data);
                } catch (CorruptIndexException e) {
                    throw new CompletionException(e);
                }
            }));
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                .whenComplete((ignored, error) -> finishRecovery(gen, ids, reads));
    }

    private void finishRecovery(long gen, long[] ids, List<CompletableFuture<Summary>> reads) {
        List<Subscription> toNotify;
        synchronized (this) {
            if (closed || gen != generation || !recovering) {
                return;
            }
            boolean dropped = false;
            for (int i = 0; i < ids.length; i++) {
                Summary summary;
                try {
                    summary = reads.get(i).join();
                } catch (RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    log.warn("[{}] Delayed index bucket {} is unreadable ({}); its messages are indexed again as the "
                            + "dispatchers read them from the backlog", name, ids[i], cause.toString());
                    stats.bucketsDropped.increment();
                    deleteAfterManifest.add(ids[i]);
                    dropped = true;
                    continue;
                }
                if (summary.chunks().isEmpty()) {
                    deleteAfterManifest.add(ids[i]);
                    dropped = true;
                    continue;
                }
                Bucket bucket = new Bucket(summary.chunks(), summary.chunkBytes(), summary.positions());
                bucket.storeId = ids[i];
                buckets.add(bucket);
                persistedBytes += summary.chunkBytes();
                indexed.addAll(summary.positions());
            }
            recovering = false;
            for (Subscription subscription : subscriptions) {
                subscription.adoptRecovered();
            }
            long took = clock.getAsLong() - recoveryStartedAt;
            stats.recoveries.increment();
            stats.recoveryMillis.add(took);
            log.info("[{}] Delayed index recovered {} messages in {} buckets in {} ms, for {} subscriptions "
                    + "(no backlog read)", name, indexed.cardinality(), buckets.size(), took, subscriptions.size());
            if (dropped) {
                saveManifest();
            }
            maintainLocked(clock.getAsLong());
            toNotify = new ArrayList<>(subscriptions);
        }
        toNotify.forEach(s -> s.listener.indexChanged());
    }

    // ---------------------------------------------------------------------------------------------- subscriptions

    /**
     * Registers a subscription (its dispatcher created its tracker).
     *
     * @param markDeletedLedger,markDeletedEntry its mark-delete position: recovered positions up to it are
     *     acknowledged and not held for it
     */
    public synchronized Subscription join(String subscriptionName, long markDeletedLedger, long markDeletedEntry,
                                          ReadProgress progress, Listener listener) {
        if (closed) {
            throw new IllegalStateException("delayed index of " + name + " is closed");
        }
        Subscription subscription = new Subscription(subscriptionName, markDeletedLedger, markDeletedEntry, progress,
                listener);
        subscriptions.add(subscription);
        if (!recovering) {
            subscription.adoptUnloaded();
        }
        return subscription;
    }

    public String name() {
        return name;
    }

    public synchronized int subscriptionCount() {
        return subscriptions.size();
    }

    public synchronized boolean closed() {
        return closed;
    }

    // ---------------------------------------------------------------------------------------------- maintenance

    private void maintainLocked(long now) {
        if (closed || recovering) {
            return;
        }
        if (later.size() > 0 && later.minTime() <= now + halfWindow) {
            later.extractUpTo(now + settings.windowMillis(), this::releaseFromLater);
        }
        boolean released = false;
        List<Bucket> toLoad = null;
        for (Iterator<Bucket> it = buckets.iterator(); it.hasNext(); ) {
            Bucket bucket = it.next();
            if (bucket.fullyLoaded() && allHandedOutThrough(bucket.maxTime)) {
                it.remove();
                release(bucket);
                released = true;
            } else if (bucket.nextLoadTime(halfWindow) <= now) {
                if (toLoad == null) {
                    toLoad = new ArrayList<>();
                }
                toLoad.add(bucket);
            }
        }
        if (toLoad != null) {
            // a store may complete a read on this thread, re-entering maintainLocked
            for (Bucket bucket : toLoad) {
                if (!bucket.released && bucket.nextLoadTime(halfWindow) <= now) {
                    startLoad(bucket);
                }
            }
        }
        long wake = Long.MAX_VALUE;
        for (Bucket bucket : buckets) {
            wake = Math.min(wake, bucket.nextLoadTime(halfWindow));
        }
        nextTopicWake = wake;
        if (released) {
            saveManifest();
        }
    }

    private boolean allHandedOutThrough(long time) {
        for (Subscription subscription : subscriptions) {
            if (!subscription.heap.isEmpty() && subscription.heap.peekTime() <= time) {
                return false;
            }
        }
        return true;
    }

    private void releaseFromLater(long time, long ledgerId, long entryId) {
        indexed.remove(ledgerId, entryId);
        offer(time, ledgerId, entryId);
    }

    /** Puts a triple that came near into the heap of every subscription holding it. */
    private void offer(long time, long ledgerId, long entryId) {
        for (int i = 0; i < subscriptions.size(); i++) {
            Subscription subscription = subscriptions.get(i);
            if (subscription.held.contains(ledgerId, entryId)) {
                subscription.heap.add(time, ledgerId, entryId);
            }
        }
    }

    private long nextWake() {
        long wake = nextTopicWake;
        if (later.size() > 0) {
            wake = Math.min(wake, later.minTime() - halfWindow);
        }
        return wake;
    }

    // ---------------------------------------------------------------------------------------------- adding

    private void addLater(long deliverAt, long ledgerId, long entryId) {
        if (indexed.contains(ledgerId, entryId)) {
            return; // another subscription indexed it: it reaches this one's heap when it comes near
        }
        later.add(deliverAt, ledgerId, entryId);
        indexed.add(ledgerId, entryId);
        if (later.size() >= settings.sealThreshold()) {
            seal();
        }
    }

    /** True when the position is in a bucket whose chunk for {@code deliverAt} was already loaded. */
    private boolean alreadyLoaded(long ledgerId, long entryId, long deliverAt) {
        if (!indexed.contains(ledgerId, entryId)) {
            return false;
        }
        for (int i = buckets.size() - 1; i >= 0; i--) {
            Bucket bucket = buckets.get(i);
            if (bucket.positions.contains(ledgerId, entryId)) {
                return deliverAt <= bucket.loadedThroughTime;
            }
        }
        return false;
    }

    private void seal() {
        later.sort();
        int n = later.size();
        int chunkSize = settings.chunkSize();
        List<ChunkMeta> metas = new ArrayList<>((n + chunkSize - 1) / chunkSize);
        List<byte[]> chunks = new ArrayList<>(metas.size());
        long bytes = 0;
        for (int from = 0; from < n; from += chunkSize) {
            int to = Math.min(n, from + chunkSize);
            byte[] chunk = IndexCodec.encodeChunk(later, from, to);
            chunks.add(chunk);
            bytes += chunk.length;
            metas.add(new ChunkMeta(later.time(from), later.time(to - 1), to - from));
        }
        RoaringBitmapByLedger positions = new RoaringBitmapByLedger();
        for (int i = 0; i < n; i++) {
            positions.add(later.ledger(i), later.entry(i));
        }
        positions.runOptimize();
        byte[] summary = IndexCodec.encodeSummary(new Summary(metas, bytes, positions));
        later.clear();

        Bucket bucket = new Bucket(metas, bytes, positions);
        bucket.inline = chunks.toArray(byte[][]::new);
        inlineBytes += bytes;
        buckets.add(bucket);
        nextTopicWake = Math.min(nextTopicWake, bucket.nextLoadTime(halfWindow));
        stats.bucketsSealed.increment();
        long gen = generation;
        store.writeBucket(chunks, summary).whenComplete((id, error) -> persisted(bucket, gen, id, error));
    }

    private void persisted(Bucket bucket, long gen, Long id, Throwable error) {
        synchronized (this) {
            if (error != null) {
                stats.writeFailures.increment();
                log.warn("[{}] Could not persist a delayed index bucket of {} messages; it stays in memory", name,
                        bucket.positions.cardinality(), error);
                return;
            }
            if (closed || gen != generation || bucket.released) {
                // in no manifest: nobody would ever read or delete it
                store.deleteBucket(id);
                return;
            }
            bucket.storeId = id;
            if (bucket.inline != null) {
                inlineBytes -= bucket.chunkBytes;
                bucket.inline = null;
            }
            persistedBytes += bucket.chunkBytes;
            saveManifest();
        }
    }

    // ---------------------------------------------------------------------------------------------- loading

    private void startLoad(Bucket bucket) {
        int chunk = bucket.nextChunk;
        if (bucket.inline != null) {
            try {
                IndexCodec.decodeChunk(bucket.inline[chunk], this::offer);
            } catch (CorruptIndexException e) {
                throw new IllegalStateException("chunk encoded in this process does not decode", e);
            }
            bucket.loadedThroughTime = bucket.chunks.get(chunk).maxTime();
            bucket.nextChunk++;
            return;
        }
        bucket.loading = true;
        long gen = generation;
        stats.chunkReads.increment();
        store.readChunk(bucket.storeId, chunk).whenComplete((data, error) -> loaded(bucket, chunk, gen, data, error));
    }

    private void loaded(Bucket bucket, int chunk, long gen, byte[] data, Throwable error) {
        // a read that completed on a thread already inside the index: that caller re-checks the index itself
        boolean reentrant = Thread.holdsLock(this);
        List<Subscription> toNotify;
        boolean rebuild = false;
        synchronized (this) {
            if (closed || gen != generation || bucket.released) {
                return;
            }
            bucket.loading = false;
            Throwable failure = error;
            if (failure == null) {
                try {
                    IndexCodec.decodeChunk(data, this::offer);
                    bucket.loadedThroughTime = bucket.chunks.get(chunk).maxTime();
                    bucket.nextChunk = chunk + 1;
                    bucket.failures = 0;
                } catch (CorruptIndexException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                stats.readFailures.increment();
                bucket.failures++;
                if (bucket.failures > settings.maxLoadRetries()) {
                    log.error("[{}] Delayed index bucket {} chunk {} unreadable after {} tries ({}): dropping the "
                            + "index and re-reading the backlog", name, bucket.storeId, chunk, bucket.failures,
                            failure.toString());
                    dropEverything();
                    rebuild = true;
                } else {
                    long backoff = Math.min(10_000, 100L << Math.min(bucket.failures, 7));
                    log.warn("[{}] Reading delayed index bucket {} chunk {} failed ({}); retrying in {} ms", name,
                            bucket.storeId, chunk, failure.toString(), backoff);
                    bucket.retryAt = clock.getAsLong() + backoff;
                }
            }
            if (!rebuild) {
                maintainLocked(clock.getAsLong());
            }
            toNotify = new ArrayList<>(subscriptions);
        }
        boolean rebuildRequired = rebuild;
        Runnable notify = () -> {
            for (Subscription subscription : toNotify) {
                if (rebuildRequired) {
                    subscription.listener.rebuildRequired();
                } else {
                    subscription.listener.indexChanged();
                }
            }
        };
        if (!reentrant) {
            notify.run();
        } else if (rebuild) {
            // never call out while the caller holds the monitor: listeners take the dispatcher's lock
            CompletableFuture.runAsync(notify);
        }
    }

    // ---------------------------------------------------------------------------------------------- release

    private void release(Bucket bucket) {
        bucket.released = true;
        indexed.removeAll(bucket.positions);
        if (bucket.inline != null) {
            inlineBytes -= bucket.chunkBytes;
            bucket.inline = null;
        }
        if (bucket.storeId >= 0) {
            persistedBytes -= bucket.chunkBytes;
            deleteAfterManifest.add(bucket.storeId);
        }
    }

    private void dropEverything() {
        generation++;
        for (Bucket bucket : buckets) {
            release(bucket);
        }
        buckets.clear();
        later.clear();
        indexed.clear();
        recovering = false;
        nextTopicWake = Long.MAX_VALUE;
        for (Subscription subscription : subscriptions) {
            subscription.forgetAll();
        }
        saveManifest();
    }

    private void saveManifest() {
        if (manifestSaving) {
            manifestDirty = true;
            return;
        }
        manifestSaving = true;
        manifestDirty = false;
        long[] ids = buckets.stream().filter(b -> b.storeId >= 0).mapToLong(b -> b.storeId).toArray();
        List<Long> deletable = new ArrayList<>(deleteAfterManifest);
        store.saveManifest(ids).whenComplete((ignored, error) -> manifestSaved(deletable, error));
    }

    private void manifestSaved(List<Long> deletable, Throwable error) {
        synchronized (this) {
            manifestSaving = false;
            if (error != null) {
                stats.writeFailures.increment();
                log.warn("[{}] Could not save the delayed index manifest; retrying with the next change", name, error);
                manifestDirty = true;
                return;
            }
            deleteAfterManifest.removeAll(deletable);
            for (long id : deletable) {
                store.deleteBucket(id).whenComplete((ignored, e) -> {
                    if (e != null) {
                        log.warn("[{}] Could not delete delayed index bucket {}: {}", name, id, e.toString());
                    }
                });
            }
            if (manifestDirty && !closed) {
                saveManifest();
            }
        }
    }

    /** Drops everything and deletes the persisted buckets: the topic has no subscription left that needs them. */
    private CompletableFuture<Void> clearTopic() {
        List<Long> ids = new ArrayList<>();
        generation++;
        for (Bucket bucket : buckets) {
            if (bucket.storeId >= 0) {
                ids.add(bucket.storeId);
            }
            bucket.released = true;
        }
        for (long id : store.loadManifest()) {
            if (!ids.contains(id)) {
                ids.add(id);
            }
        }
        ids.addAll(deleteAfterManifest);
        deleteAfterManifest.clear();
        buckets.clear();
        later.clear();
        indexed.clear();
        recovering = false;
        nextTopicWake = Long.MAX_VALUE;
        persistedBytes = 0;
        inlineBytes = 0;
        return store.saveManifest(new long[0]).thenCompose(ignored -> CompletableFuture.allOf(
                ids.stream().distinct().map(store::deleteBucket).toArray(CompletableFuture[]::new)));
    }

    /** Heap bytes of the topic-level part: the later buffer, the buckets' bitmaps and tables. */
    public synchronized long memoryBytes() {
        long bytes = later.capacityBytes() + indexed.sizeInBytes() + inlineBytes;
        for (Bucket bucket : buckets) {
            bytes += BUCKET_OVERHEAD_BYTES + CHUNK_META_BYTES * bucket.chunks.size() + bucket.positions.sizeInBytes();
        }
        return bytes;
    }

    /** Bytes of chunks in the store (summaries not counted). */
    public synchronized long persistedBytes() {
        return persistedBytes;
    }

    public synchronized int bucketCount() {
        return buckets.size();
    }

    /** Messages indexed at topic level (waiting to be sealed or in buckets); each is counted once. */
    public synchronized long indexedCount() {
        return indexed.cardinality();
    }

    // ---------------------------------------------------------------------------------------------- subscription

    /** One subscription's view of the topic's index; every method takes the topic index's monitor. */
    public final class Subscription {
        private final String subscriptionName;
        private final long markDeletedLedger;
        private final long markDeletedEntry;
        private final ReadProgress progress;
        private final Listener listener;
        private final TripleHeap heap = new TripleHeap();
        private final RoaringBitmapByLedger held = new RoaringBitmapByLedger();
        private TripleBuffer addedWhileRecovering;
        /** Due and still held: a read may be skipping them; handed out once the read position passes them. */
        private TripleBuffer dueAhead;
        private long dueAheadFirstLedger; // its lowest position: the read position passes it first
        private long dueAheadFirstEntry;
        /** The highest position {@link #contains} answered held for, that is that a read may skip; -1 if none. */
        private long skippableLedger = -1;
        private long skippableEntry = -1;
        private boolean left;

        private Subscription(String subscriptionName, long markDeletedLedger, long markDeletedEntry,
                             ReadProgress progress, Listener listener) {
            this.subscriptionName = subscriptionName;
            this.markDeletedLedger = markDeletedLedger;
            this.markDeletedEntry = markDeletedEntry;
            this.progress = progress;
            this.listener = listener;
        }

        /** After recovery: hold every recovered position past the mark-delete position, then the buffered adds. */
        private void adoptRecovered() {
            for (Bucket bucket : buckets) {
                held.addAll(bucket.positions);
            }
            held.removeThrough(markDeletedLedger, markDeletedEntry);
            TripleBuffer buffered = addedWhileRecovering;
            addedWhileRecovering = null;
            if (buffered != null) {
                long now = clock.getAsLong();
                for (int i = 0; i < buffered.size(); i++) {
                    addLocked(buffered.ledger(i), buffered.entry(i), buffered.time(i), now);
                }
            }
        }

        /**
         * On joining a live index: hold what this subscription's reads would otherwise fetch only to find it
         * indexed, that is the later buffer and the buckets none of whose chunks is loaded yet (their times are
         * still to come; positions of partly loaded buckets are left to its reads).
         */
        private void adoptUnloaded() {
            for (Bucket bucket : buckets) {
                if (bucket.nextChunk == 0 && !bucket.loading) {
                    held.addAll(bucket.positions);
                }
            }
            for (int i = 0; i < later.size(); i++) {
                held.add(later.ledger(i), later.entry(i));
            }
            held.removeThrough(markDeletedLedger, markDeletedEntry);
        }

        private void forgetAll() {
            heap.clear();
            held.clear();
            addedWhileRecovering = null;
            dueAhead = null;
            skippableLedger = -1;
            skippableEntry = -1;
        }

        /**
         * Holds the message at the position until {@code deliverAt}.
         *
         * @return false when it is due already and must be delivered now; true when held (also when it was held
         *     before: a re-read is not a second message)
         */
        public boolean add(long ledgerId, long entryId, long deliverAt) {
            synchronized (TopicDelayIndex.this) {
                long now = clock.getAsLong();
                if (deliverAt <= now || closed || left) {
                    return false;
                }
                if (!RoaringBitmapByLedger.indexable(entryId)) {
                    throw new IllegalArgumentException("entry id " + entryId + " is beyond the index's 32-bit range");
                }
                if (recovering) {
                    if (addedWhileRecovering == null) {
                        addedWhileRecovering = new TripleBuffer(128);
                    }
                    addedWhileRecovering.add(deliverAt, ledgerId, entryId);
                    return true;
                }
                addLocked(ledgerId, entryId, deliverAt, now);
                return true;
            }
        }

        private void addLocked(long ledgerId, long entryId, long deliverAt, long now) {
            if (!held.add(ledgerId, entryId)) {
                return;
            }
            if (deliverAt <= now + settings.windowMillis() || alreadyLoaded(ledgerId, entryId, deliverAt)) {
                heap.add(deliverAt, ledgerId, entryId);
            } else {
                addLater(deliverAt, ledgerId, entryId);
            }
        }

        /**
         * True when the position is held: the dispatcher's read skips it (Pulsar asks when it issues the read), and
         * the index hands it out.
         */
        public boolean contains(long ledgerId, long entryId) {
            synchronized (TopicDelayIndex.this) {
                if (!held.contains(ledgerId, entryId)) {
                    return false;
                }
                if (ledgerId > skippableLedger || ledgerId == skippableLedger && entryId > skippableEntry) {
                    skippableLedger = ledgerId;
                    skippableEntry = entryId;
                }
                return true;
            }
        }

        /** True when at least one held message is due by the clock and may be handed out. */
        public boolean hasDue() {
            synchronized (TopicDelayIndex.this) {
                if (!heap.isEmpty() && heap.peekTime() <= clock.getAsLong()) {
                    return true;
                }
                return dueAhead != null && progress.hasPassed(dueAheadFirstLedger, dueAheadFirstEntry);
            }
        }

        private boolean maySkip(long ledgerId, long entryId) {
            return ledgerId < skippableLedger || ledgerId == skippableLedger && entryId <= skippableEntry;
        }

        /**
         * Hands out up to {@code max} due positions that this subscription's reads have passed, earliest first, and
         * forgets them. Due positions its reads have not reached are only forgotten, the read delivers them;
         * unless a read may be skipping them (it was told they are held): those stay held and are handed out once
         * the read position has passed them.
         */
        public int pollDue(int max, PositionSink sink) {
            synchronized (TopicDelayIndex.this) {
                long now = clock.getAsLong();
                int handed = handOutPassedDueAhead(max, sink, now);
                while (handed < max && !heap.isEmpty() && heap.peekTime() <= now) {
                    long ledgerId = heap.peekLedger();
                    long entryId = heap.peekEntry();
                    long due = heap.peekTime();
                    heap.pop();
                    if (!held.contains(ledgerId, entryId)) {
                        continue;
                    }
                    if (progress.hasPassed(ledgerId, entryId)) {
                        held.remove(ledgerId, entryId);
                        sink.accept(ledgerId, entryId);
                        stats.lateness.recordLateness(now - due);
                        handed++;
                    } else if (maySkip(ledgerId, entryId)) {
                        addDueAhead(due, ledgerId, entryId);
                    } else {
                        held.remove(ledgerId, entryId);
                    }
                }
                maintainLocked(now);
                return handed;
            }
        }

        private void addDueAhead(long due, long ledgerId, long entryId) {
            if (dueAhead == null) {
                dueAhead = new TripleBuffer(16);
                dueAheadFirstLedger = ledgerId;
                dueAheadFirstEntry = entryId;
            } else if (ledgerId < dueAheadFirstLedger
                    || ledgerId == dueAheadFirstLedger && entryId < dueAheadFirstEntry) {
                dueAheadFirstLedger = ledgerId;
                dueAheadFirstEntry = entryId;
            }
            dueAhead.add(due, ledgerId, entryId);
        }

        private int handOutPassedDueAhead(int max, PositionSink sink, long now) {
            if (dueAhead == null || !progress.hasPassed(dueAheadFirstLedger, dueAheadFirstEntry)) {
                return 0;
            }
            TripleBuffer waiting = dueAhead;
            dueAhead = null;
            int handed = 0;
            for (int i = 0; i < waiting.size(); i++) {
                long ledgerId = waiting.ledger(i);
                long entryId = waiting.entry(i);
                if (!held.contains(ledgerId, entryId)) {
                    continue; // acknowledged or cleared meanwhile
                }
                if (handed < max && progress.hasPassed(ledgerId, entryId)) {
                    held.remove(ledgerId, entryId);
                    sink.accept(ledgerId, entryId);
                    stats.lateness.recordLateness(now - waiting.time(i));
                    handed++;
                } else {
                    addDueAhead(waiting.time(i), ledgerId, entryId);
                }
            }
            return handed;
        }

        /** Runs the topic's housekeeping: near messages into heaps, chunk loads, release of finished buckets. */
        public void maintain() {
            synchronized (TopicDelayIndex.this) {
                maintainLocked(clock.getAsLong());
            }
        }

        /** The clock time at which a hand-out or {@link #maintain()} is next needed; MAX_VALUE if never. */
        public long nextWakeMillis() {
            synchronized (TopicDelayIndex.this) {
                long wake = nextWake();
                if (!heap.isEmpty()) {
                    wake = Math.min(wake, heap.peekTime());
                }
                if (dueAhead != null) {
                    // the completion of the read in flight normally asks first; this is the fallback
                    wake = Math.min(wake, clock.getAsLong() + DUE_AHEAD_RECHECK_MILLIS);
                }
                return wake;
            }
        }

        public boolean recovering() {
            synchronized (TopicDelayIndex.this) {
                return recovering || addedWhileRecovering != null;
            }
        }

        /** Forgets held positions up to and including the given one (acknowledged). */
        public long forgetThrough(long ledgerId, long entryId) {
            synchronized (TopicDelayIndex.this) {
                return held.removeThrough(ledgerId, entryId);
            }
        }

        /**
         * Forgets every message this subscription holds (clear-backlog, subscription delete); when no other
         * subscription is left, the topic's persisted buckets are deleted too.
         */
        public CompletableFuture<Void> clear() {
            synchronized (TopicDelayIndex.this) {
                forgetAll();
                if (subscriptions.size() == 1 && subscriptions.get(0) == this) {
                    return clearTopic();
                }
                maintainLocked(clock.getAsLong());
                return CompletableFuture.completedFuture(null);
            }
        }

        /**
         * Leaves the topic index (dispatcher closed). Returns true when it was the last subscription: the topic
         * index is then closed, its persisted buckets staying for the next owner.
         */
        public boolean leave() {
            synchronized (TopicDelayIndex.this) {
                if (left) {
                    return false;
                }
                left = true;
                forgetAll();
                subscriptions.remove(this);
                if (subscriptions.isEmpty()) {
                    closed = true;
                    later.clear();
                    indexed.clear();
                    buckets.clear();
                    return true;
                }
                maintainLocked(clock.getAsLong());
                return false;
            }
        }

        /** Messages this subscription holds. */
        public long size() {
            synchronized (TopicDelayIndex.this) {
                return held.cardinality() + (addedWhileRecovering == null ? 0 : addedWhileRecovering.size());
            }
        }

        /** Heap bytes of this subscription's own part (its heap and bitmap). */
        public long memoryBytes() {
            synchronized (TopicDelayIndex.this) {
                long bytes = heap.capacityBytes() + held.sizeInBytes();
                if (dueAhead != null) {
                    bytes += dueAhead.capacityBytes();
                }
                if (addedWhileRecovering != null) {
                    bytes += addedWhileRecovering.capacityBytes();
                }
                return bytes;
            }
        }

        public TopicDelayIndex topic() {
            return TopicDelayIndex.this;
        }

        @Override
        public String toString() {
            return name + " / " + subscriptionName;
        }
    }
}
