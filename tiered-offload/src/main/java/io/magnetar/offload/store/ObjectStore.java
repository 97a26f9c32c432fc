package io.magnetar.offload.store;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * The few object-store operations the offloader needs, blocking, on one bucket. Keeping the SDK behind this
 * narrow interface keeps the offload and read logic testable without a store.
 */
public interface ObjectStore {

    /** Writes a whole object in one request. */
    void put(String key, byte[] data, int length) throws IOException;

    /**
     * Writes a whole object of exactly {@code length} bytes taken from {@code body} as the producer writes them, so
     * the upload overlaps producing the bytes. The body is read once; a failed request is not retried.
     */
    void putStream(String key, BytePipe body, long length) throws IOException;

    /** Starts a multipart upload; returns its upload id. */
    String createMultipartUpload(String key) throws IOException;

    /** Uploads part {@code partNumber} (1-based); returns its ETag. */
    String uploadPart(String key, String uploadId, int partNumber, byte[] data, int length) throws IOException;

    /** Completes the upload from the parts' ETags, in part order (index 0 = part 1). */
    void completeMultipartUpload(String key, String uploadId, List<String> etags) throws IOException;

    /** Abandons an upload and its parts; best effort. */
    void abortMultipartUpload(String key, String uploadId) throws IOException;

    /** The whole object; {@link java.io.FileNotFoundException} when there is none. */
    byte[] get(String key) throws IOException;

    /** Bytes {@code [start, end)} of the object; fails unless exactly that many bytes come back. */
    byte[] getRange(String key, long start, long end) throws IOException;

    /** Deletes the objects; missing ones are not an error. */
    void delete(List<String> keys) throws IOException;

    /** Multipart uploads in progress (neither completed nor aborted) whose keys start with {@code prefix}. */
    List<Upload> listMultipartUploads(String prefix) throws IOException;

    /** A multipart upload in progress. */
    record Upload(String key, String uploadId, Instant initiated) {
    }

    /** The bucket this store writes to. */
    String bucket();
}
