package io.magnetar.bench.delayed;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What the two persistent trackers' in-memory stand-ins for BookKeeper share: every operation completes on a
 * storage thread (never on the caller's), entries read are counted, and the heap the stored bytes take is known so
 * the memory phase can leave it out of the tracker's figure.
 */
final class StandInStorage {
    private final ExecutorService io;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong entriesRead = new AtomicLong();
    private final AtomicLong heapBytes = new AtomicLong();
    private final AtomicLong payloadBytes = new AtomicLong();
    private final Map<Long, byte[][]> ledgers = new ConcurrentHashMap<>();

    StandInStorage(String name) {
        io = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-storage");
            t.setDaemon(true);
            return t;
        });
    }

    final <T> CompletableFuture<T> async(Supplier<T> work) {
        pending.incrementAndGet();
        CompletableFuture<T> result = new CompletableFuture<>();
        io.execute(() -> {
            try {
                result.complete(work.get());
            } catch (java.util.concurrent.CompletionException e) {
                result.completeExceptionally(e.getCause());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                pending.decrementAndGet();
            }
        });
        return result;
    }

    /** Stores a ledger of entries (accounting their bytes); call on the storage thread. */
    final void putLedger(long id, byte[][] entries) {
        for (byte[] entry : entries) {
            account(entry.length, 1);
        }
        ledgers.put(id, entries);
    }

    /** The ledger's entries, or null when there is none. */
    final byte[][] ledger(long id) {
        return ledgers.get(id);
    }

    final void deleteLedger(long id) {
        byte[][] entries = ledgers.remove(id);
        if (entries != null) {
            for (byte[] entry : entries) {
                account(entry.length, -1);
            }
        }
    }

    final void countRead(int entries) {
        entriesRead.addAndGet(entries);
    }

    /** Accounts a stored entry of {@code length} bytes (+1) or its removal (-1). */
    private void account(int length, int sign) {
        payloadBytes.addAndGet(sign * (long) length);
        heapBytes.addAndGet(sign * (16L + ((length + 7) & ~7L) + 8));
    }

    long entriesRead() {
        return entriesRead.get();
    }

    /** Heap held by the stored entries (array headers and padding included). */
    long heapBytes() {
        return heapBytes.get();
    }

    /** Bytes that would be in BookKeeper. */
    long payloadBytes() {
        return payloadBytes.get();
    }

    /** Waits until no operation is queued or running (and callbacks they triggered have had time to queue more). */
    void awaitIdle() throws InterruptedException {
        int quietRounds = 0;
        while (quietRounds < 3) {
            Thread.sleep(20);
            quietRounds = pending.get() == 0 ? quietRounds + 1 : 0;
        }
    }

    void shutdown() throws InterruptedException {
        io.shutdownNow();
        io.awaitTermination(5, TimeUnit.SECONDS);
    }
}
