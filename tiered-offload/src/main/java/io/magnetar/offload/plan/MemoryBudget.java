package io.magnetar.offload.plan;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A broker-wide limit on the bytes held in upload buffers, shared by every ledger being offloaded: a writer
 * blocks for room before filling a new part and gives it back once the part is uploaded. Counted in KiB so a
 * budget of many GiB fits a semaphore.
 */
public final class MemoryBudget {
    private final long capacityBytes;
    private final Semaphore kib;

    public MemoryBudget(long capacityBytes) {
        if (capacityBytes < 1024) {
            throw new IllegalArgumentException("memory budget must be at least 1 KiB: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.kib = new Semaphore((int) Math.min(Integer.MAX_VALUE, capacityBytes / 1024), true);
    }

    private static int units(long bytes) {
        return (int) ((bytes + 1023) / 1024);
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Bytes not reserved right now. */
    public long availableBytes() {
        return kib.availablePermits() * 1024L;
    }

    /**
     * Reserves {@code bytes}, waiting up to {@code timeout} for room.
     *
     * @return false when the room did not free up in time
     * @throws IllegalArgumentException when {@code bytes} exceeds the whole budget (it could never succeed)
     */
    public boolean acquire(long bytes, long timeout, TimeUnit unit) throws InterruptedException {
        if (bytes > capacityBytes) {
            throw new IllegalArgumentException("cannot reserve " + bytes + " bytes from a budget of " + capacityBytes);
        }
        return kib.tryAcquire(units(bytes), timeout, unit);
    }

    public void release(long bytes) {
        kib.release(units(bytes));
    }
}
