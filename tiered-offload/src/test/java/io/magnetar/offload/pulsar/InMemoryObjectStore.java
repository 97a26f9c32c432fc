package io.magnetar.offload.pulsar;

import io.magnetar.offload.plan.TransferPlan;
import io.magnetar.offload.store.BytePipe;
import io.magnetar.offload.store.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** An object store in memory with S3's multipart rules (parts but the last >= 5 MiB), for tests. */
final class InMemoryObjectStore implements ObjectStore {
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    final Map<String, Map<Integer, byte[]>> uploads = new ConcurrentHashMap<>();
    final Map<String, Upload> openUploads = new ConcurrentHashMap<>();
    final LongAdder streamedPuts = new LongAdder();
    final LongAdder creates = new LongAdder();
    final AtomicInteger partsInFlight = new AtomicInteger();
    final AtomicInteger maxPartsInFlight = new AtomicInteger();
    final LongAdder rangeGets = new LongAdder();
    final LongAdder aborted = new LongAdder();
    final LongAdder completed = new LongAdder();
    volatile int failPart = -1;
    volatile long partDelayMillis;
    volatile long failStreamsAfterBytes = -1;
    private final AtomicInteger uploadIds = new AtomicInteger();

    @Override
    public String bucket() {
        return "test-bucket";
    }

    @Override
    public void put(String key, byte[] data, int length) {
        objects.put(key, Arrays.copyOf(data, length));
    }

    @Override
    public void putStream(String key, BytePipe body, long length) throws IOException {
        byte[] data;
        try (InputStream in = body.stream()) {
            if (failStreamsAfterBytes >= 0) {
                in.readNBytes((int) Math.min(length, failStreamsAfterBytes));
                throw new IOException("injected: connection reset after " + failStreamsAfterBytes + " body bytes");
            }
            data = in.readAllBytes();
        }
        if (data.length != length) {
            throw new IOException("PUT of " + key + ": body of " + data.length + " bytes, declared " + length);
        }
        streamedPuts.increment();
        objects.put(key, data);
    }

    @Override
    public String createMultipartUpload(String key) {
        String id = key + "#" + uploadIds.incrementAndGet();
        uploads.put(id, new ConcurrentHashMap<>());
        openUploads.put(id, new Upload(key, id, Instant.now()));
        creates.increment();
        return id;
    }

    @Override
    public List<Upload> listMultipartUploads(String prefix) {
        return openUploads.values().stream().filter(u -> u.key().startsWith(prefix)).toList();
    }

    @Override
    public String uploadPart(String key, String uploadId, int partNumber, byte[] data, int length) throws IOException {
        int now = partsInFlight.incrementAndGet();
        maxPartsInFlight.accumulateAndGet(now, Math::max);
        try {
            if (partDelayMillis > 0) {
                Thread.sleep(partDelayMillis);
            }
            if (partNumber == failPart) {
                throw new IOException("injected failure of part " + partNumber);
            }
            Map<Integer, byte[]> parts = uploads.get(uploadId);
            if (parts == null) {
                throw new IOException("no such upload " + uploadId);
            }
            parts.put(partNumber, Arrays.copyOf(data, length));
            return "etag-" + partNumber;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            partsInFlight.decrementAndGet();
        }
    }

    @Override
    public void completeMultipartUpload(String key, String uploadId, List<String> etags) throws IOException {
        openUploads.remove(uploadId);
        Map<Integer, byte[]> parts = new TreeMap<>(uploads.remove(uploadId));
        if (parts.size() != etags.size()) {
            throw new IOException("completing with " + etags.size() + " parts, uploaded " + parts.size());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 0;
        for (Map.Entry<Integer, byte[]> p : parts.entrySet()) {
            n++;
            if (p.getKey() != n || !etags.get(n - 1).equals("etag-" + n)) {
                throw new IOException("part " + n + " missing or out of order");
            }
            if (n < parts.size() && p.getValue().length < TransferPlan.MIN_PART_BYTES) {
                throw new IOException("EntityTooSmall: part " + n + " has " + p.getValue().length + " bytes");
            }
            out.writeBytes(p.getValue());
        }
        objects.put(key, out.toByteArray());
        completed.increment();
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) {
        uploads.remove(uploadId);
        openUploads.remove(uploadId);
        aborted.increment();
    }

    @Override
    public byte[] get(String key) throws IOException {
        byte[] data = objects.get(key);
        if (data == null) {
            throw new FileNotFoundException(key);
        }
        return data.clone();
    }

    @Override
    public byte[] getRange(String key, long start, long end) throws IOException {
        byte[] data = get(key);
        if (end > data.length) {
            throw new IOException("range past the end of " + key);
        }
        rangeGets.increment();
        return Arrays.copyOfRange(data, (int) start, (int) end);
    }

    @Override
    public void delete(List<String> keys) {
        keys.forEach(objects::remove);
    }
}
