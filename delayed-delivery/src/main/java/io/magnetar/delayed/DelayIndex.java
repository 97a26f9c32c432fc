package io.magnetar.delayed;

import io.magnetar.delayed.IndexCodec.ChunkMeta;
import io.magnetar.delayed.IndexCodec.Summary;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delayed-message index of one subscription: which positions are held until when, with only the near term in
 * memory.
 *
 * <ul>
 *   <li>Messages due within {@code window} of now live in a heap of 24-byte triples.</li>
 *   <li>Later ones wait in a buffer; every {@code sealThreshold} of them are sorted and sealed into a bucket of
 *       compact chunks, written to the {@link IndexStore}, and dropped from memory. A chunk is read back when its
 *       earliest time comes within half the window.</li>
 *   <li>Every held position is also in one compressed bitmap, so "is this entry already held?" is cheap: it
 *       de-duplicates re-reads and lets the dispatcher skip reading held entries at all.</li>
 *   <li>Recovery reads only the buckets' summaries (their chunk tables and position bitmaps), asynchronously;
 *       adds that arrive meanwhile are buffered and de-duplicated when it finishes. A bucket that cannot be read
 *       at recovery is forgotten: its messages are still in the backlog, ahead of the cursor, and are indexed
 *       again when the dispatcher reads them.</li>
 * </ul>
 *
 * A position is handed out once, when due by the clock (never early); handing it out forgets it. Thread-safe:
 * every method takes the index's monitor; store completions run on the store's threads. The {@link Listener} is
 * called without the monitor held.
 */
public final class DelayIndex {
    private static final Logger log = LoggerFactory.getLogger(DelayIndex.class);
    private static final long BUCKET_OVERHEAD_BYTES = 96;
    private static final long CHUNK_META_BYTES = 40;

    /** Told about changes made by asynchronous work. */
    public interface Listener {
        /** A load or the recovery finished: messages may be due, or the next wake-up time moved. */
        void indexChanged();

        /**
         * The index could not read some of its persisted buckets and has dropped all it held: the dispatcher must
         * re-read the backlog from the mark-delete position so the messages are indexed again.
         */
        void rebuildRequired();
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
        long storeId = -1;
        byte[][] inline; // the encoded chunks until the store has them, or for good if writing failed
        int nextChunk;
        boolean loading;
        boolean released;
        long retryAt;
        int failures;

        Bucket(List<ChunkMeta> chunks, long chunkBytes) {
            this.chunks = chunks;
            this.chunkBytes = chunkBytes;
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
    private final Listener listener;
    private final long halfWindow;

    private final TripleHeap heap = new TripleHeap();
    private final TripleBuffer later;
    private final RoaringBitmapByLedger held = new RoaringBitmapByLedger();
    private final List<Bucket> buckets = new ArrayList<>();
    private final List<Long> deleteAfterManifest = new ArrayList<>();
    private long nextBucketWake = Long.MAX_VALUE;
    private TripleBuffer addedWhileRecovering;
    private long recoveryStartedAt;
    private long generation;
    private boolean closed;
    private boolean manifestSaving;
    private boolean manifestDirty;
    private long persistedBytes;
    private long inlineBytes;

    private final IndexStats stats;

    public DelayIndex(String name, IndexStore store, DelayIndexSettings settings, LongSupplier clock,
                      Listener listener, IndexStats stats) {
        this.name = name;
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.listener = listener;
        this.stats = stats;
        this.halfWindow = settings.windowMillis() / 2;
        this.later = new TripleBuffer(Math.min(settings.sealThreshold(), 1024));
    }

    /** Starts reading the persisted buckets; until it finishes, {@link #recovering()} is true. */
    public void recover() {
        long[] ids;
        long gen;
        synchronized (this) {
            ids = store.loadManifest();
            if (ids.length == 0 || closed) {
                return;
            }
            addedWhileRecovering = new TripleBuffer(128);
            recoveryStartedAt = clock.getAsLong();
            gen = generation;
        }
        List<CompletableFuture<Summary>> reads = new ArrayList<>(ids.length);
        for (long id : ids) {
            reads.add(store.readSummary(id).thenApply(data -> {
                try {
                    return IndexCodec.decodeSummary(data);
                } catch (CorruptIndexException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }));
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                .whenComplete((ignored, error) -> finishRecovery(gen, ids, reads));
    }

    private void finishRecovery(long gen, long[] ids, List<CompletableFuture<Summary>> reads) {
        synchronized (this) {
            if (closed || gen != generation || addedWhileRecovering == null) {
                return;
            }
            long recovered = 0;
            boolean dropped = false;
            for (int i = 0; i < ids.length; i++) {
                Summary summary;
                try {
                    summary = reads.get(i).join();
                } catch (RuntimeException e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    log.warn("[{}] Delayed index bucket {} is unreadable ({}); its messages are indexed again as the "
                            + "dispatcher reads them from the backlog", name, ids[i], cause.toString());
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
                Bucket bucket = new Bucket(summary.chunks(), summary.chunkBytes());
                bucket.storeId = ids[i];
                buckets.add(bucket);
                persistedBytes += summary.chunkBytes();
                recovered += held.addAll(summary.positions());
            }
            TripleBuffer buffered = addedWhileRecovering;
            addedWhileRecovering = null;
            for (int i = 0; i < buffered.size(); i++) {
                if (held.add(buffered.ledger(i), buffered.entry(i))) {
                    place(buffered.time(i), buffered.ledger(i), buffered.entry(i), clock.getAsLong());
                }
            }
            long took = clock.getAsLong() - recoveryStartedAt;
            stats.recoveries.increment();
            stats.recoveryMillis.add(took);
            log.info("[{}] Delayed index recovered {} messages from {} buckets in {} ms (no backlog read)", name,
                    recovered, buckets.size(), took);
            if (dropped) {
                saveManifest();
            }
            maintainLocked(clock.getAsLong());
        }
        listener.indexChanged();
    }

    /**
     * Forgets held positions up to and including the given one: they are acknowledged (the subscription's
     * mark-delete position), so handing them out would only cost a skipped replay.
     */
    public synchronized long forgetThrough(long ledgerId, long entryId) {
        return held.removeThrough(ledgerId, entryId);
    }

    public synchronized boolean recovering() {
        return addedWhileRecovering != null;
    }

    /**
     * Holds the message at the position until {@code deliverAt}.
     *
     * @return false when it is due already and must be delivered now; true when held (also when it was held
     *     before: a re-read is not a second message)
     */
    public synchronized boolean add(long ledgerId, long entryId, long deliverAt) {
        long now = clock.getAsLong();
        if (deliverAt <= now || closed) {
            return false;
        }
        if (!RoaringBitmapByLedger.indexable(entryId)) {
            throw new IllegalArgumentException("entry id " + entryId + " is beyond the index's 32-bit range");
        }
        if (addedWhileRecovering != null) {
            addedWhileRecovering.add(deliverAt, ledgerId, entryId);
            return true;
        }
        if (held.add(ledgerId, entryId)) {
            place(deliverAt, ledgerId, entryId, now);
        }
        return true;
    }

    private void place(long deliverAt, long ledgerId, long entryId, long now) {
        if (deliverAt <= now + settings.windowMillis()) {
            heap.add(deliverAt, ledgerId, entryId);
        } else {
            later.add(deliverAt, ledgerId, entryId);
            if (later.size() >= settings.sealThreshold()) {
                seal();
            }
        }
    }

    /** True when the position is held (the dispatcher need not read it now). */
    public synchronized boolean contains(long ledgerId, long entryId) {
        return held.contains(ledgerId, entryId);
    }

    /** True when at least one held message is due by the clock. */
    public synchronized boolean hasDue() {
        return !heap.isEmpty() && heap.peekTime() <= clock.getAsLong();
    }

    /** Hands out up to {@code max} due positions, earliest first, and forgets them. */
    public synchronized int pollDue(int max, PositionSink sink) {
        long now = clock.getAsLong();
        int handed = 0;
        while (handed < max && !heap.isEmpty() && heap.peekTime() <= now) {
            long ledgerId = heap.peekLedger();
            long entryId = heap.peekEntry();
            long due = heap.peekTime();
            heap.pop();
            if (held.remove(ledgerId, entryId)) {
                sink.accept(ledgerId, entryId);
                stats.lateness.recordLateness(now - due);
                handed++;
            }
        }
        maintainLocked(now);
        return handed;
    }

    /**
     * Moves messages whose time comes near into memory, starts loading chunks, releases finished buckets. Run it
     * when {@link #nextWakeMillis()} comes.
     */
    public synchronized void maintain() {
        maintainLocked(clock.getAsLong());
    }

    private void maintainLocked(long now) {
        if (closed || addedWhileRecovering != null) {
            return;
        }
        if (later.size() > 0 && later.minTime() <= now + halfWindow) {
            later.extractUpTo(now + settings.windowMillis(), heap::add);
        }
        long heapMin = heap.isEmpty() ? Long.MAX_VALUE : heap.peekTime();
        boolean released = false;
        List<Bucket> toLoad = null;
        for (Iterator<Bucket> it = buckets.iterator(); it.hasNext(); ) {
            Bucket bucket = it.next();
            if (bucket.fullyLoaded() && bucket.maxTime < heapMin) {
                // every message of the bucket was handed out: heap minimum is past its last time
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
                    startLoad(bucket, now);
                }
            }
        }
        long wake = Long.MAX_VALUE;
        for (Bucket bucket : buckets) {
            wake = Math.min(wake, bucket.nextLoadTime(halfWindow));
        }
        nextBucketWake = wake;
        if (released) {
            saveManifest();
        }
    }

    /** The clock time at which {@link #maintain()} or a hand-out is next needed; {@link Long#MAX_VALUE} if never. */
    public synchronized long nextWakeMillis() {
        long wake = nextBucketWake;
        if (!heap.isEmpty()) {
            wake = Math.min(wake, heap.peekTime());
        }
        if (later.size() > 0) {
            wake = Math.min(wake, later.minTime() - halfWindow);
        }
        return wake;
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

        Bucket bucket = new Bucket(metas, bytes);
        bucket.inline = chunks.toArray(byte[][]::new);
        inlineBytes += bytes;
        buckets.add(bucket);
        nextBucketWake = Math.min(nextBucketWake, bucket.nextLoadTime(halfWindow));
        stats.bucketsSealed.increment();
        long gen = generation;
        store.writeBucket(chunks, summary).whenComplete((id, error) -> persisted(bucket, gen, id, error));
    }

    private void persisted(Bucket bucket, long gen, Long id, Throwable error) {
        synchronized (this) {
            if (error != null) {
                stats.writeFailures.increment();
                log.warn("[{}] Could not persist a delayed index bucket of {} messages; it stays in memory", name,
                        bucket.chunks.stream().mapToLong(ChunkMeta::count).sum(), error);
                return;
            }
            if (closed || gen != generation || bucket.released) {
                // not in any manifest: nobody would ever read or delete it
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

    private void startLoad(Bucket bucket, long now) {
        int chunk = bucket.nextChunk;
        if (bucket.inline != null) {
            try {
                IndexCodec.decodeChunk(bucket.inline[chunk], this::insertLoaded);
            } catch (CorruptIndexException e) {
                throw new IllegalStateException("chunk encoded in this process does not decode", e);
            }
            bucket.nextChunk++;
            return;
        }
        bucket.loading = true;
        long gen = generation;
        stats.chunkReads.increment();
        store.readChunk(bucket.storeId, chunk).whenComplete((data, error) -> loaded(bucket, chunk, gen, data, error));
    }

    private void loaded(Bucket bucket, int chunk, long gen, byte[] data, Throwable error) {
        boolean rebuild = false;
        synchronized (this) {
            if (closed || gen != generation || bucket.released) {
                return;
            }
            bucket.loading = false;
            Throwable failure = error;
            if (failure == null) {
                try {
                    IndexCodec.decodeChunk(data, this::insertLoaded);
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
        }
        if (rebuild) {
            listener.rebuildRequired();
        } else if (!Thread.holdsLock(this)) {
            // a read that completed on the calling thread: that caller re-checks the index itself
            listener.indexChanged();
        }
    }

    private void insertLoaded(long time, long ledgerId, long entryId) {
        // a position handed out or re-indexed since it was sealed is no longer held
        if (held.contains(ledgerId, entryId)) {
            heap.add(time, ledgerId, entryId);
        }
    }

    private void release(Bucket bucket) {
        bucket.released = true;
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
        heap.clear();
        later.clear();
        held.clear();
        addedWhileRecovering = null;
        nextBucketWake = Long.MAX_VALUE;
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

    /** Forgets every held message and deletes the persisted buckets (clear-backlog, subscription delete). */
    public CompletableFuture<Void> clear() {
        List<Long> ids = new ArrayList<>();
        synchronized (this) {
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
            heap.clear();
            later.clear();
            held.clear();
            addedWhileRecovering = null;
            nextBucketWake = Long.MAX_VALUE;
            persistedBytes = 0;
            inlineBytes = 0;
        }
        return store.saveManifest(new long[0]).thenCompose(ignored -> CompletableFuture.allOf(
                ids.stream().distinct().map(store::deleteBucket).toArray(CompletableFuture[]::new)));
    }

    /** Stops all work and frees memory; the persisted buckets stay for the next owner of the subscription. */
    public synchronized void close() {
        closed = true;
        heap.clear();
        later.clear();
        held.clear();
        buckets.clear();
        addedWhileRecovering = null;
    }

    /** Messages held: in memory, waiting to be sealed, or in persisted buckets. */
    public synchronized long size() {
        return held.cardinality() + (addedWhileRecovering == null ? 0 : addedWhileRecovering.size());
    }

    /** Heap and direct bytes this index holds, by the capacity of its arrays and bitmaps. */
    public synchronized long memoryBytes() {
        long bytes = heap.capacityBytes() + later.capacityBytes() + held.sizeInBytes() + inlineBytes;
        for (Bucket bucket : buckets) {
            bytes += BUCKET_OVERHEAD_BYTES + CHUNK_META_BYTES * bucket.chunks.size();
        }
        if (addedWhileRecovering != null) {
            bytes += addedWhileRecovering.capacityBytes();
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
}
