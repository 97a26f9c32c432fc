package io.magnetar.offload.pulsar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.offload.OffloadConfig;
import io.magnetar.offload.format.EntryCodecTest;
import io.magnetar.offload.format.JcloudFormat;
import io.magnetar.offload.format.ObjectNames;
import io.magnetar.offload.plan.BlockCache;
import io.magnetar.offload.plan.MemoryBudget;
import io.magnetar.offload.store.ObjectStore;
import java.io.FileNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.bookkeeper.client.BKException;
import org.apache.bookkeeper.client.api.LedgerEntries;
import org.apache.bookkeeper.client.api.LedgerEntry;
import org.apache.bookkeeper.client.api.ReadHandle;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The offload and read paths against an in-memory store with S3's multipart rules and BookKeeper's read API. */
class MagnetarOffloaderTest {
    private static final int MIB = 1024 * 1024;
    private static final Map<String, String> TOPIC = Map.of("ManagedLedgerName", "public/default/persistent/t");

    private final InMemoryObjectStore store = new InMemoryObjectStore();
    private final ExecutorService ledgerThreads = Executors.newFixedThreadPool(2);
    private final ExecutorService io = Executors.newFixedThreadPool(8);
    private final OffloadMetrics metrics = new OffloadMetrics("test");
    private OffloadPoliciesImpl policies;
    private MemoryBudget budget;
    private BlockCache readCache;
    private final List<StoreLocation> locations = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        ledgerThreads.shutdownNow();
        io.shutdownNow();
    }

    private MagnetarOffloader offloader(long memory, int concurrency, long readChunk) {
        // 5 MiB parts, and multipart from 5 MiB up, so the multipart rules get exercised by ledgers of a few MB
        return offloader(memory, concurrency, readChunk, Map.of("SinglePutMaxBytes", Integer.toString(5 * MIB)));
    }

    private MagnetarOffloader offloader(long memory, int concurrency, long readChunk, Map<String, String> extra) {
        Properties p = new Properties();
        p.setProperty("managedLedgerOffloadDriver", OffloadConfig.DRIVER_NAME);
        p.setProperty("managedLedgerOffloadBucket", "test-bucket");
        p.setProperty("managedLedgerOffloadServiceEndpoint", "http://127.0.0.1:1");
        p.setProperty("managedLedgerOffloadExtraConfigPartSizeBytes", Integer.toString(5 * MIB));
        p.setProperty("managedLedgerOffloadExtraConfigUploadConcurrency", Integer.toString(concurrency));
        p.setProperty("managedLedgerOffloadExtraConfigUploadMemoryBytes", Long.toString(memory));
        p.setProperty("managedLedgerOffloadExtraConfigReadChunkBytes", Long.toString(readChunk));
        p.setProperty("managedLedgerOffloadExtraConfigReadAheadBytes", Long.toString(2 * readChunk));
        p.setProperty("managedLedgerOffloadExtraConfigReadCacheBytes", Long.toString(8 * readChunk));
        extra.forEach((k, v) -> p.setProperty("managedLedgerOffloadExtraConfig" + k, v));
        policies = OffloadPoliciesImpl.create(p);
        OffloadConfig config = OffloadConfig.from(policies, k -> null);
        budget = new MemoryBudget(config.uploadMemoryBytes());
        readCache = new BlockCache(config.readCacheBytes());
        return new MagnetarOffloader(policies, config, at -> {
            locations.add(at);
            return store;
        }, budget, StreamedDataObject.newBlockPool(), readCache, new OrphanSweeper(metrics),
                ledgerThreads, io, metrics);
    }

    /** Offloads the ledger under a fresh uid and waits; the uid. */
    private static UUID offloaded(MagnetarOffloader offloader, FakeLedger ledger) throws Exception {
        UUID uid = UUID.randomUUID();
        offloader.offload(ledger, uid, TOPIC).get(60, TimeUnit.SECONDS);
        return uid;
    }

    private MagnetarOffloader offloader() {
        return offloader(64L * MIB, 4, 256 * 1024);
    }

    private static void assertReadsBack(ReadHandle handle, FakeLedger ledger, long first, long last) throws Exception {
        try (LedgerEntries entries = handle.readAsync(first, last).get(30, TimeUnit.SECONDS)) {
            long expected = first;
            for (LedgerEntry e : entries) {
                assertEquals(expected, e.getEntryId());
                assertEquals(ledger.id, e.getLedgerId());
                assertArrayEquals(ledger.entries.get((int) expected), e.getEntryBytes(), "entry " + expected);
                expected++;
            }
            assertEquals(last + 1, expected, "entries " + first + ".." + last + " all returned");
        }
    }

    @Test
    void aMultipartLedgerReadsBackByteExact() throws Exception {
        MagnetarOffloader offloader = offloader();
        FakeLedger ledger = FakeLedger.random(17, 300, 20_000, 80_000, 1);
        long total = ledger.getLength();
        assertTrue(total > 2 * 5 * MIB, "spans at least three 5 MiB parts");
        UUID uid = UUID.randomUUID();

        offloader.offload(ledger, uid, TOPIC).get(60, TimeUnit.SECONDS);

        assertEquals(1, store.completed.sum(), "one multipart upload completed");
        assertEquals(total, store.objects.get(ObjectNames.dataKey("", uid, 17)).length);
        assertTrue(store.objects.containsKey(ObjectNames.indexKey("", uid, 17)));
        assertTrue(store.uploads.isEmpty(), "no upload left open");
        assertEquals(budget.capacityBytes(), budget.availableBytes(), "every buffer returned to the budget");

        ReadHandle handle = offloader.readOffloaded(17, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
        assertEquals(299, handle.getLastAddConfirmed());
        assertEquals(total, handle.getLength());
        assertEquals(299, handle.getLedgerMetadata().getLastEntryId());
        assertTrue(handle.isClosed());
        assertReadsBack(handle, ledger, 0, 299);
        assertReadsBack(handle, ledger, 0, 0);
        assertReadsBack(handle, ledger, 299, 299);
        assertReadsBack(handle, ledger, 123, 177);

        String text = metrics.text();
        assertTrue(text.contains("magnetar_offload_offloaded_ledgers_total{cluster=\"test\"} 1"), text);
        assertTrue(text.contains("magnetar_offload_offloaded_bytes_total{cluster=\"test\"} " + total), text);
        assertTrue(metrics.readBytes.sum() >= total, "read bytes counted");
        assertEquals(0, metrics.offloadErrors.sum());
    }

    @Test
    void withoutACacheAReadIsExactRangedGetsOfWholeEntries() throws Exception {
        MagnetarOffloader offloader = offloader(64L * MIB, 4, 256 * 1024, Map.of("ReadCacheBytes", "0"));
        FakeLedger ledger = FakeLedger.random(3, 100, 1000, 1000, 2);
        UUID uid = offloaded(offloader, ledger);
        ReadHandle handle = offloader.readOffloaded(3, uid, Map.of()).get(30, TimeUnit.SECONDS);

        long before = store.rangeGets.sum();
        long bytesBefore = metrics.readBytes.sum();
        assertReadsBack(handle, ledger, 10, 19);
        assertEquals(1, store.rangeGets.sum() - before, "10 KB fit one 256 KiB chunk: one GET");
        assertEquals(10_000, metrics.readBytes.sum() - bytesBefore, "exactly the entries' bytes were fetched");
    }

    @Test
    void aSmallLedgerIsOneObjectWithoutMultipart() throws Exception {
        MagnetarOffloader offloader = offloader();
        FakeLedger ledger = FakeLedger.random(5, 10, 10, 500, 3);
        UUID uid = offloaded(offloader, ledger);
        assertEquals(0, store.creates.sum(), "no multipart upload");
        assertEquals(1, store.streamedPuts.sum(), "the data object is one streamed PUT");
        assertTrue(store.uploads.isEmpty());
        assertReadsBack(offloader.readOffloaded(5, uid, offloader.getOffloadDriverMetadata()).get(), ledger, 0, 9);
    }

    @Test
    void anEmptyLedgerOffloadsAndRefusesReads() throws Exception {
        MagnetarOffloader offloader = offloader();
        FakeLedger ledger = new FakeLedger(8, List.of());
        UUID uid = offloaded(offloader, ledger);
        ReadHandle handle = offloader.readOffloaded(8, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
        assertEquals(-1, handle.getLastAddConfirmed());
        assertEquals(0, handle.getLength());
        ExecutionException e = assertThrows(ExecutionException.class, () -> handle.readAsync(0, 0).get());
        assertInstanceOf(BKException.BKIncorrectParameterException.class, e.getCause());
    }

    @Test
    void readsOutsideTheLedgerAreRefused() throws Exception {
        MagnetarOffloader offloader = offloader();
        FakeLedger ledger = FakeLedger.random(9, 20, 10, 20, 4);
        UUID uid = offloaded(offloader, ledger);
        ReadHandle handle = offloader.readOffloaded(9, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
        for (long[] r : new long[][] {{0, 20}, {-1, 3}, {5, 4}}) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> handle.readAsync(r[0], r[1]).get());
            assertInstanceOf(BKException.BKIncorrectParameterException.class, e.getCause());
        }
    }

    @Test
    void aCorruptedByteFailsTheReadOfItsEntryOnly() throws Exception {
        MagnetarOffloader offloader = offloader(64L * MIB, 4, 64 * 1024);
        FakeLedger ledger = FakeLedger.random(11, 50, 20_000, 20_000, 5);
        UUID uid = offloaded(offloader, ledger);
        store.objects.get(ObjectNames.dataKey("", uid, 11))[30 * 20_000 + 7] ^= 1;
        ReadHandle handle = offloader.readOffloaded(11, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);

        ExecutionException e = assertThrows(ExecutionException.class, () -> handle.readAsync(0, 49).get());
        assertTrue(e.getCause().getMessage().contains("entry 30 of ledger 11"), e.getCause().getMessage());
        assertReadsBack(handle, ledger, 0, 29);
        assertReadsBack(handle, ledger, 31, 49);
        assertTrue(metrics.readErrors.sum() >= 1);
    }

    @Test
    void aFailedPartAbortsTheUploadAndLeavesNoIndex() throws Exception {
        MagnetarOffloader offloader = offloader();
        store.failPart = 2;
        FakeLedger ledger = FakeLedger.random(13, 300, 20_000, 80_000, 6);
        UUID uid = UUID.randomUUID();

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> offloader.offload(ledger, uid, TOPIC).get(60, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("injected failure of part 2"), e.getCause().getMessage());
        assertEquals(1, store.aborted.sum(), "multipart upload aborted");
        assertTrue(store.uploads.isEmpty());
        assertFalse(store.objects.containsKey(ObjectNames.indexKey("", uid, 13)), "no index: never readable");
        assertFalse(store.objects.containsKey(ObjectNames.dataKey("", uid, 13)));
        assertEquals(budget.capacityBytes(), budget.availableBytes(), "every buffer returned to the budget");
        assertEquals(1, metrics.offloadErrors.sum());
        ExecutionException read = assertThrows(ExecutionException.class,
                () -> offloader.readOffloaded(13, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS));
        assertInstanceOf(FileNotFoundException.class, read.getCause().getCause());
    }

    @Test
    void theMemoryBudgetBoundsPartsInFlightAcrossLedgers() throws Exception {
        // Budget for two 5 MiB parts, four uploads allowed per ledger, two ledgers at once.
        MagnetarOffloader offloader = offloader(10L * MIB, 4, 256 * 1024);
        store.partDelayMillis = 20;
        FakeLedger a = FakeLedger.random(21, 400, 20_000, 80_000, 7);
        FakeLedger b = FakeLedger.random(22, 400, 20_000, 80_000, 8);
        UUID ua = UUID.randomUUID();
        UUID ub = UUID.randomUUID();
        CompletableFuture<Void> fa = offloader.offload(a, ua, TOPIC);
        CompletableFuture<Void> fb = offloader.offload(b, ub, TOPIC);
        CompletableFuture.allOf(fa, fb).get(120, TimeUnit.SECONDS);

        assertTrue(store.maxPartsInFlight.get() <= 2, "at most the budget's two parts uploading, saw "
                + store.maxPartsInFlight.get());
        assertEquals(2, store.completed.sum());
        assertReadsBack(offloader.readOffloaded(21, ua, offloader.getOffloadDriverMetadata()).get(), a, 0, 399);
        assertReadsBack(offloader.readOffloaded(22, ub, offloader.getOffloadDriverMetadata()).get(), b, 0, 399);
    }

    @Test
    void perLedgerConcurrencyIsBounded() throws Exception {
        MagnetarOffloader offloader = offloader(64L * MIB, 1, 256 * 1024);
        store.partDelayMillis = 10;
        FakeLedger ledger = FakeLedger.random(23, 400, 20_000, 80_000, 9);
        UUID uid = offloaded(offloader, ledger);
        assertEquals(1, store.maxPartsInFlight.get());
        assertReadsBack(offloader.readOffloaded(23, uid, offloader.getOffloadDriverMetadata()).get(), ledger, 0, 399);
    }

    @Test
    void severalReadersOfOneLedgerEachGetEverything() throws Exception {
        MagnetarOffloader offloader = offloader();
        FakeLedger ledger = FakeLedger.random(31, 200, 5000, 30_000, 10);
        UUID uid = offloaded(offloader, ledger);
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            readers.add(CompletableFuture.runAsync(() -> {
                try {
                    ReadHandle h = offloader.readOffloaded(31, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
                    for (long first = 0; first < 200; first += 25) {
                        assertReadsBack(h, ledger, first, first + 24);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    @Test
    void deleteRemovesIndexAndData() throws Exception {
        MagnetarOffloader offloader = offloader();
        FakeLedger ledger = FakeLedger.random(41, 5, 10, 10, 11);
        UUID uid = offloaded(offloader, ledger);
        assertEquals(2, store.objects.size());
        offloader.deleteOffloaded(41, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
        assertTrue(store.objects.isEmpty());
        // deleting again (Pulsar retries clean-ups) is not an error
        offloader.deleteOffloaded(41, uid, Map.of()).get(30, TimeUnit.SECONDS);
    }

    @Test
    void readsAndDeletesLedgersPulsarsJcloudOffloaderWrote() throws Exception {
        MagnetarOffloader offloader = offloader();
        FakeLedger ledger = FakeLedger.random(51, 300, 100, 3000, 12);
        UUID uid = UUID.randomUUID();
        JcloudFormat jcloud = JcloudFormat.write(ledger.entries, 64 * 1024);
        store.objects.put(uid + "-ledger-51", jcloud.data);
        store.objects.put(uid + "-ledger-51-index", jcloud.index);
        // the driver metadata jcloud recorded in the ledger's offload context
        Map<String, String> jcloudMeta = Map.of("provider", "aws-s3", "bucket", "test-bucket", "region", "us-east-1",
                "ManagedLedgerName", "public/default/persistent/t");

        ReadHandle handle = offloader.readOffloaded(51, uid, jcloudMeta).get(30, TimeUnit.SECONDS);
        assertEquals(299, handle.getLastAddConfirmed());
        assertEquals(ledger.getLength(), handle.getLength());
        assertTrue(handle.getLedgerMetadata().isClosed());
        assertReadsBack(handle, ledger, 0, 299);
        assertReadsBack(handle, ledger, 150, 160);
        ExecutionException outside = assertThrows(ExecutionException.class, () -> handle.readAsync(0, 300).get());
        assertInstanceOf(BKException.BKIncorrectParameterException.class, outside.getCause());

        offloader.deleteOffloaded(51, uid, jcloudMeta).get(30, TimeUnit.SECONDS);
        assertFalse(store.objects.containsKey(uid + "-ledger-51"));
        assertFalse(store.objects.containsKey(uid + "-ledger-51-index"));
    }

    @Test
    void aLedgerUpToTheSinglePutLimitStreamsInOnePutThroughASmallPipe() throws Exception {
        // 12 MB ledger, single PUT up to 32 MiB (the default): no multipart, and the pipe's few blocks are all the
        // upload memory it takes, well under the ledger's size
        MagnetarOffloader offloader = offloader(8L * MIB, 4, 256 * 1024, Map.of());
        FakeLedger ledger = FakeLedger.random(61, 300, 20_000, 60_000, 13);
        assertTrue(ledger.getLength() > 8L * MIB, "larger than the whole upload budget");
        UUID uid = offloaded(offloader, ledger);
        assertEquals(1, store.streamedPuts.sum());
        assertEquals(0, store.creates.sum());
        assertEquals(ledger.getLength(), store.objects.get(ObjectNames.dataKey("", uid, 61)).length);
        assertEquals(budget.capacityBytes(), budget.availableBytes(), "the pipe's memory returned to the budget");
        assertReadsBack(offloader.readOffloaded(61, uid, offloader.getOffloadDriverMetadata()).get(), ledger, 0, 299);
    }

    @Test
    void sequentialReadsFetchEachBlockOnceAndReadAheadServesTheNextBatch() throws Exception {
        // 64 KiB blocks, read-ahead 128 KiB, 10 batches of 20 entries of 3 KB (600 KB)
        MagnetarOffloader offloader = offloader(64L * MIB, 4, 64 * 1024);
        FakeLedger ledger = FakeLedger.random(71, 200, 3000, 3000, 14);
        UUID uid = offloaded(offloader, ledger);
        ReadHandle handle = offloader.readOffloaded(71, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
        long getsBefore = store.rangeGets.sum();
        for (long first = 0; first < 200; first += 20) {
            assertReadsBack(handle, ledger, first, first + 19);
        }
        long blocks = (ledger.getLength() + 64 * 1024 - 1) / (64 * 1024);
        // read-ahead may still be fetching the last blocks; never more than one GET per block
        assertTrue(store.rangeGets.sum() - getsBefore <= blocks, (store.rangeGets.sum() - getsBefore) + " GETs for "
                + blocks + " blocks");
        assertTrue(metrics.cacheHits.sum() > 0, "later batches found their blocks fetched ahead");
        assertEquals(metrics.getRequests.sum() - 1, store.rangeGets.sum() - getsBefore, "GETs counted (+1: index)");
        assertTrue(metrics.getBytes.sum() >= metrics.readBytes.sum() - 0, "get bytes include what was read");
        String text = metrics.text();
        assertTrue(text.contains("magnetar_offload_read_cache_hits_total"), text);
        assertTrue(text.contains("magnetar_offload_get_bytes_total"), text);
        assertTrue(readCache.cachedBytes() > 0);
        handle.closeAsync().get();
        assertEquals(0, readCache.cachedBytes(), "a closed handle's blocks leave the cache");
    }

    @Test
    void readersOfOneHandleShareItsBlocks() throws Exception {
        MagnetarOffloader offloader = offloader(64L * MIB, 4, 64 * 1024,
                Map.of("SinglePutMaxBytes", Integer.toString(5 * MIB), "ReadCacheBytes", Integer.toString(2 * MIB)));
        FakeLedger ledger = FakeLedger.random(81, 200, 3000, 6000, 15);
        UUID uid = offloaded(offloader, ledger);
        // Pulsar opens one handle per offloaded ledger of a topic and every cursor reads through it
        ReadHandle handle = offloader.readOffloaded(81, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
        long getsBefore = store.rangeGets.sum();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            readers.add(CompletableFuture.runAsync(() -> {
                try {
                    for (long first = 0; first < 200; first += 10) {
                        assertReadsBack(handle, ledger, first, first + 9);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long blocks = (ledger.getLength() + 64 * 1024 - 1) / (64 * 1024);
        assertTrue(store.rangeGets.sum() - getsBefore <= blocks, "4 readers, the ledger fits the cache: each block"
                + " fetched once, " + (store.rangeGets.sum() - getsBefore) + " GETs for " + blocks + " blocks");
    }

    @Test
    void deletingAnAttemptAbortsTheMultipartUploadItLeftOpen() throws Exception {
        MagnetarOffloader offloader = offloader();
        UUID uid = UUID.randomUUID();
        // what a broker killed mid-offload leaves: an open upload with parts, no index
        String dataKey = ObjectNames.dataKey("", uid, 91);
        String id = store.createMultipartUpload(dataKey);
        store.uploadPart(dataKey, id, 1, new byte[5 * MIB], 5 * MIB);
        String otherLedger = store.createMultipartUpload(ObjectNames.dataKey("", uid, 910));

        offloader.deleteOffloaded(91, uid, offloader.getOffloadDriverMetadata()).get(30, TimeUnit.SECONDS);
        assertEquals(List.of(otherLedger), store.openUploads.keySet().stream().toList(),
                "the attempt's upload aborted, another ledger's left alone");
        assertEquals(1, metrics.orphanUploadsAborted.sum());
    }

    @Test
    void anOffloaderSweepsMagnetarUploadsOlderThanTheThreshold() throws Exception {
        UUID uid = UUID.randomUUID();
        String old = ObjectNames.dataKey("", uid, 92);
        String young = ObjectNames.dataKey("", uid, 93);
        store.openUploads.put("old", new ObjectStore.Upload(old, "old", java.time.Instant.now().minusSeconds(7200)));
        store.openUploads.put("young", new ObjectStore.Upload(young, "young", java.time.Instant.now()));
        store.openUploads.put("jcloud", new ObjectStore.Upload(uid + "-ledger-94", "jcloud",
                java.time.Instant.now().minusSeconds(7200)));
        offloader(64L * MIB, 4, 256 * 1024, Map.of("OrphanUploadAgeSeconds", "3600"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (store.openUploads.containsKey("old") && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertFalse(store.openUploads.containsKey("old"), "the stale upload was aborted");
        assertTrue(store.openUploads.containsKey("young"), "a recent upload may be a live offload");
        assertTrue(store.openUploads.containsKey("jcloud"), "not ours");
    }

    /** Half text-like entries (compressible), half random ones (not). */
    private static FakeLedger mixedLedger(long id, int count, int size) {
        FakeLedger random = FakeLedger.random(id, count, size, size, id);
        List<byte[]> entries = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            entries.add(i % 2 == 0 ? EntryCodecTest.text(size, i) : random.entries.get(i));
        }
        return new FakeLedger(id, entries);
    }

    @Test
    void withZstdCompressibleEntriesAreStoredSmallerAndReadBackExact() throws Exception {
        for (int size : new int[] {20_000, 60_000}) {
            // 100 x 20 KB fits one 5 MiB part: one PUT; 300 x 60 KB does not: multipart
            MagnetarOffloader offloader = offloader(64L * MIB, 4, 256 * 1024, Map.of("Compression", "zstd"));
            long id = size;
            FakeLedger ledger = mixedLedger(id, size == 20_000 ? 100 : 300, size);
            long completedBefore = store.completed.sum();
            UUID uid = offloaded(offloader, ledger);
            byte[] stored = store.objects.get(ObjectNames.dataKey("", uid, id));
            assertTrue(stored.length < ledger.getLength() * 3 / 4, "the text half shrank: " + stored.length + " of "
                    + ledger.getLength());
            assertTrue(stored.length > ledger.getLength() / 2, "the random half did not grow or vanish");
            assertEquals(size == 20_000 ? 0 : 1, store.completed.sum() - completedBefore);
            assertEquals(0, store.streamedPuts.sum(), "a compressed object's length is unknown up front: no stream");
            ReadHandle handle = offloader.readOffloaded(id, uid, offloader.getOffloadDriverMetadata()).get(30,
                    TimeUnit.SECONDS);
            assertEquals(ledger.getLength(), handle.getLength(), "the ledger's length, not the stored one");
            int n = ledger.entries.size();
            assertReadsBack(handle, ledger, 0, n - 1);
            assertReadsBack(handle, ledger, 3, 3);
            assertEquals(budget.capacityBytes(), budget.availableBytes());
        }
        assertTrue(metrics.storedBytes.sum() < metrics.offloadedBytes.sum());
    }

    @Test
    void aLedgerIsReadWhereItWasWrittenAfterTheEndpointChanged() throws Exception {
        MagnetarOffloader before = offloader();
        FakeLedger ledger = FakeLedger.random(95, 20, 100, 200, 16);
        UUID uid = offloaded(before, ledger);
        Map<String, String> recorded = before.getOffloadDriverMetadata();
        assertEquals("http://127.0.0.1:1", recorded.get("endpoint"));

        // the namespace moves to another endpoint and region: the old ledger is still read from the old store
        OffloadConfig moved = OffloadConfig.from(OffloadPoliciesImpl.create(withEndpoint("http://10.0.0.9:9000",
                "eu-west-1")), k -> null);
        MagnetarOffloader now = new MagnetarOffloader(policies, moved, at -> {
            locations.add(at);
            return store;
        }, budget, StreamedDataObject.newBlockPool(), readCache, new OrphanSweeper(metrics), ledgerThreads, io, metrics);
        locations.clear();
        assertReadsBack(now.readOffloaded(95, uid, recorded).get(30, TimeUnit.SECONDS), ledger, 0, 19);
        assertEquals(List.of(new StoreLocation("test-bucket", java.util.Optional.of(java.net.URI.create(
                "http://127.0.0.1:1")), "us-east-1")), locations, "the recorded location, not the current one");
    }

    private static Properties withEndpoint(String endpoint, String region) {
        Properties p = new Properties();
        p.setProperty("managedLedgerOffloadDriver", OffloadConfig.DRIVER_NAME);
        p.setProperty("managedLedgerOffloadBucket", "test-bucket");
        p.setProperty("managedLedgerOffloadServiceEndpoint", endpoint);
        p.setProperty("managedLedgerOffloadRegion", region);
        return p;
    }

    @Test
    void recordedLocationsFallBackToTheConfigurationForWhatTheyLack() {
        OffloadConfig config = OffloadConfig.from(OffloadPoliciesImpl.create(withEndpoint("http://h:1", "eu-west-1")),
                k -> null);
        assertEquals(StoreLocation.of(config), StoreLocation.recorded(Map.of(), config));
        assertEquals(StoreLocation.of(config), StoreLocation.recorded(null, config));
        // written to AWS itself (recorded without an endpoint)
        assertEquals(new StoreLocation("b-2", java.util.Optional.empty(), "us-west-2"),
                StoreLocation.recorded(Map.of("bucket", "b-2", "endpoint", "", "region", "us-west-2"), config));
        // jcloud's key for the endpoint
        assertEquals(new StoreLocation("b-3", java.util.Optional.of(java.net.URI.create("http://old:9000")),
                "eu-west-1"), StoreLocation.recorded(Map.of("bucket", "b-3", "serviceEndpoint", "http://old:9000"),
                config));
        assertThrows(IllegalArgumentException.class,
                () -> StoreLocation.recorded(Map.of("endpoint", "http://bad host"), config));
    }

    @Test
    void aStreamedPutThatFailsPartWayIsUploadedAgainFromBuffers() throws Exception {
        MagnetarOffloader offloader = offloader(64L * MIB, 4, 256 * 1024, Map.of());
        store.failStreamsAfterBytes = 100_000; // every streamed PUT dies after 100 KB of its body
        FakeLedger ledger = FakeLedger.random(97, 200, 20_000, 40_000, 17);
        UUID uid = offloaded(offloader, ledger);
        assertEquals(0, store.streamedPuts.sum(), "no streamed PUT succeeded");
        assertEquals(1, metrics.retriedUploads.sum());
        assertEquals(ledger.getLength(), store.objects.get(ObjectNames.dataKey("", uid, 97)).length,
                "uploaded again from buffers");
        assertEquals(budget.capacityBytes(), budget.availableBytes());
        assertReadsBack(offloader.readOffloaded(97, uid, offloader.getOffloadDriverMetadata()).get(), ledger, 0, 199);
    }

    @Test
    void reportsItsDriverAndTheExactPoliciesObjectItWasGiven() {
        MagnetarOffloader offloader = offloader();
        assertEquals("magnetar-s3", offloader.getOffloadDriverName());
        assertSame(policies, offloader.getOffloadPolicies());
        assertEquals("test-bucket", offloader.getOffloadDriverMetadata().get("bucket"));
    }
}
