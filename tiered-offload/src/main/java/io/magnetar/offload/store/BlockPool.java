package io.magnetar.offload.store;

import java.util.ArrayDeque;

/**
 * Idle {@link BytePipe} blocks of one size kept for the next pipe, at most {@code maxBlocks} of them: each streamed
 * ledger would otherwise allocate its pipe's blocks anew (garbage of a sizeable fraction of the bytes offloaded).
 */
public final class BlockPool {
    private final int blockSize;
    private final int maxBlocks;
    private final ArrayDeque<byte[]> idle = new ArrayDeque<>();

    public BlockPool(int blockSize, int maxBlocks) {
        if (blockSize <= 0 || maxBlocks < 0) {
            throw new IllegalArgumentException("block size " + blockSize + ", max blocks " + maxBlocks);
        }
        this.blockSize = blockSize;
        this.maxBlocks = maxBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    /** An idle block (contents undefined), or a new one. */
    public synchronized byte[] take() {
        byte[] b = idle.poll();
        return b != null ? b : new byte[blockSize];
    }

    /** Keeps {@code block} for a later {@link #take()} unless the pool is full or the size is not the pool's. */
    public synchronized void give(byte[] block) {
        if (block.length == blockSize && idle.size() < maxBlocks) {
            idle.push(block);
        }
    }

    public synchronized int idleBlocks() {
        return idle.size();
    }
}
