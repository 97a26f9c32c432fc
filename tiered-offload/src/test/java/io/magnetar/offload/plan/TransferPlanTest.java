package io.magnetar.offload.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.offload.format.LedgerIndex;
import java.util.List;
import org.junit.jupiter.api.Test;

class TransferPlanTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void partSizeIsTheConfiguredOneUnlessTooManyPartsWouldBeNeeded() {
        assertEquals(16 * MIB, TransferPlan.partSize(16 * MIB, 0));
        assertEquals(16 * MIB, TransferPlan.partSize(16 * MIB, 10_000 * 16 * MIB));
        // 200 GB at 16 MiB would need ~12,000 parts: grows to whole MiB giving <= 10,000 parts
        long ledger = 200_000_000_000L;
        int part = TransferPlan.partSize(16 * MIB, ledger);
        assertTrue(part > 16 * MIB && part % MIB == 0, "part " + part);
        assertTrue((ledger + part - 1) / part <= TransferPlan.MAX_PARTS);
        assertThrows(IllegalArgumentException.class, () -> TransferPlan.partSize(MIB, 10));
    }

    @Test
    void readBatchesAimAtTheTargetBytes() {
        assertEquals(1000, TransferPlan.entriesPerRead(1000, 1000, 4 * MIB), "tiny entries: capped at 1000");
        assertEquals(4, TransferPlan.entriesPerRead(100 * MIB, 100, 4 * MIB), "1 MiB entries: 4 per read");
        assertEquals(1, TransferPlan.entriesPerRead(100 * MIB, 10, 4 * MIB), "10 MiB entries: one at a time");
        assertEquals(1, TransferPlan.entriesPerRead(0, 0, 4 * MIB));
    }

    private static LedgerIndex index(int... lengths) {
        LedgerIndex.Builder b = LedgerIndex.builder(5);
        for (int i = 0; i < lengths.length; i++) {
            b.add(i, lengths[i], 0);
        }
        return b.build();
    }

    @Test
    void readChunksCoverTheRangeExactlyWithWholeEntries() {
        LedgerIndex index = index(10, 10, 10, 10, 10, 10);
        List<TransferPlan.Chunk> chunks = TransferPlan.readChunks(index, 1, 5, 25);
        assertEquals(List.of(new TransferPlan.Chunk(1, 2, 10, 30), new TransferPlan.Chunk(3, 4, 30, 50),
                new TransferPlan.Chunk(5, 5, 50, 60)), chunks);
        assertEquals(List.of(new TransferPlan.Chunk(0, 5, 0, 60)), TransferPlan.readChunks(index, 0, 5, 1000));
        assertEquals(List.of(new TransferPlan.Chunk(3, 3, 30, 40)), TransferPlan.readChunks(index, 3, 3, 1));
    }

    @Test
    void anEntryLargerThanAChunkIsFetchedAlone() {
        LedgerIndex index = index(5, 100, 5, 5);
        assertEquals(List.of(new TransferPlan.Chunk(0, 0, 0, 5), new TransferPlan.Chunk(1, 1, 5, 105),
                new TransferPlan.Chunk(2, 3, 105, 115)), TransferPlan.readChunks(index, 0, 3, 20));
    }

    @Test
    void emptyEntriesAreIncluded() {
        LedgerIndex index = index(0, 0, 3);
        assertEquals(List.of(new TransferPlan.Chunk(0, 2, 0, 3)), TransferPlan.readChunks(index, 0, 2, 8));
    }

    @Test
    void rangesOutsideTheLedgerAreRefused() {
        LedgerIndex index = index(1, 1);
        assertThrows(IndexOutOfBoundsException.class, () -> TransferPlan.readChunks(index, 0, 2, 10));
        assertThrows(IndexOutOfBoundsException.class, () -> TransferPlan.readChunks(index, 1, 0, 10));
        assertThrows(IndexOutOfBoundsException.class, () -> TransferPlan.readChunks(index, -1, 0, 10));
    }
}
