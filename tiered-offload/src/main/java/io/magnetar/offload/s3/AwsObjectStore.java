package io.magnetar.offload.s3;

import io.magnetar.offload.store.BytePipe;
import io.magnetar.offload.store.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * {@link ObjectStore} on the AWS SDK for Java v2 with JDK-only HTTP clients: no Netty, so nothing depends on the
 * broker's Netty version. Two clients per store configuration, shared by every offloader using it and closed by the
 * factory: the SDK's {@code url-connection-client} for GETs and small requests (it reads responses with a third of
 * the CPU of {@code java.net.http} here, but buffers request bodies whole), and {@link StreamingUrlConnectionClient}
 * for upload bodies (parts and streamed PUTs), which it sends as they come at their declared length, through one
 * reused buffer.
 *
 * <p>With {@link S3Settings#crc32cUploads} (the default) upload bodies go unsigned with a CRC32C the store verifies:
 * buffered bodies (parts, whole PUTs above 1 MiB) carry {@code x-amz-checksum-crc32c} computed here, streamed PUTs
 * an aws-chunked trailer the SDK computes as the body goes out; multipart uploads declare CRC32C at creation and list
 * each part's checksum at completion. Without it the SDK signs bodies as it does by default.
 */
public final class AwsObjectStore implements ObjectStore {
    private static final String OCTET_STREAM = "application/octet-stream";

    private final S3Client s3;
    private final S3Client uploads;
    private final String bucket;
    private final boolean crc32c;
    // CRC32C mode: each open multipart upload's part checksums (part number -> base64), for its completion
    private final Map<String, Map<Integer, String>> partChecksums = new ConcurrentHashMap<>();

    private AwsObjectStore(S3Client s3, S3Client uploads, String bucket, boolean crc32c) {
        this.s3 = s3;
        this.uploads = uploads;
        this.bucket = bucket;
        this.crc32c = crc32c;
    }

    /** The client for GETs and small requests. */
    public static S3Client newClient(S3Settings settings) {
        return newClient(settings, UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(60)).build(), builder -> { });
    }

    /** The client for upload bodies: with {@link S3Settings#crc32cUploads}, bodies unsigned on plain HTTP too. */
    public static S3Client newUploadClient(S3Settings settings) {
        return newClient(settings, new StreamingUrlConnectionClient(Duration.ofSeconds(10), Duration.ofMinutes(10)),
                builder -> {
                    if (settings.crc32cUploads()) {
                        builder.putAuthScheme(new UnsignedPayloadAuthScheme());
                    }
                    // HttpURLConnection has no timeout on writing a body: a store that stops reading is cut off
                    // here (the SDK aborts the attempt, which disconnects)
                    builder.overrideConfiguration(o -> o.apiCallAttemptTimeout(Duration.ofMinutes(10)));
                });
    }

    /** A client for the settings' store, region, addressing and credentials, with {@code extra} added. */
    private static S3Client newClient(S3Settings settings, SdkHttpClient http, Consumer<S3ClientBuilder> extra) {
        AwsCredentialsProvider credentials = settings.keys()
                .<AwsCredentialsProvider>map(k -> StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(k.accessKeyId(), k.secretAccessKey())))
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(http)
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                // No checksum the request does not ask for: the upload methods ask for CRC32C themselves (unless
                // UploadIntegrity=signed: aws-chunked trailers are refused by some S3-compatible stores). Reads
                // check our own CRC32C per entry.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .forcePathStyle(settings.pathStyle());
        settings.endpoint().ifPresent(builder::endpointOverride);
        extra.accept(builder);
        // The SDK finds its S3 interceptors and service metadata through the context class loader: make it the
        // NAR's, not whatever broker thread calls create().
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(AwsObjectStore.class.getClassLoader());
        try {
            return builder.build();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * A store on {@code bucket} using clients (from {@link #newClient}, {@link #newUploadClient} of these
     * {@code settings}) someone else closes.
     */
    public static AwsObjectStore on(S3Client s3, S3Client uploads, String bucket, S3Settings settings) {
        return new AwsObjectStore(s3, uploads, bucket, settings.crc32cUploads());
    }

    /** The base64 of the big-endian CRC32C of {@code data[0, length)}: the value of {@code x-amz-checksum-crc32c}. */
    static String crc32cBase64(byte[] data, int length) {
        CRC32C crc = new CRC32C();
        crc.update(data, 0, length);
        return AwsChunkedCrc32cStream.base64(crc);
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        // small bodies (indexes) through the request client; larger ones stream through the upload client
        boolean large = length > 1024 * 1024;
        S3Client client = large ? uploads : s3;
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key).contentType(OCTET_STREAM)
                .contentLength((long) length);
        if (large && crc32c) {
            req.checksumCRC32C(crc32cBase64(data, length));
        }
        call("PUT " + key, () -> client.putObject(req.build(), body(data, length)));
    }

    @Override
    public void putStream(String key, BytePipe body, long length) throws IOException {
        PutObjectRequest.Builder req = PutObjectRequest.builder().bucket(bucket).key(key).contentType(OCTET_STREAM)
                .contentLength(length);
        if (crc32c) {
            req.checksumAlgorithm(ChecksumAlgorithm.CRC32_C); // computed as the body goes out, sent as a trailer
        }
        call("PUT " + key, () -> uploads.putObject(req.build(),
                RequestBody.fromContentProvider(body::stream, length, OCTET_STREAM)));
    }

    @Override
    public String createMultipartUpload(String key) throws IOException {
        CreateMultipartUploadRequest.Builder req = CreateMultipartUploadRequest.builder().bucket(bucket).key(key)
                .contentType(OCTET_STREAM);
        if (crc32c) {
            req.checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
        }
        String id = call("create multipart upload " + key, () -> s3.createMultipartUpload(req.build()).uploadId());
        if (crc32c) {
            partChecksums.put(id, new ConcurrentHashMap<>());
        }
        return id;
    }

    @Override
    public String uploadPart(String key, String uploadId, int partNumber, byte[] data, int length) throws IOException {
        UploadPartRequest.Builder req = UploadPartRequest.builder().bucket(bucket).key(key).uploadId(uploadId)
                .partNumber(partNumber).contentLength((long) length);
        String checksum = null;
        if (crc32c) {
            checksum = crc32cBase64(data, length);
            req.checksumCRC32C(checksum);
        }
        String etag = call("upload part " + partNumber + " of " + key, () -> uploads.uploadPart(req.build(),
                body(data, length)).eTag());
        if (checksum != null) {
            Map<Integer, String> parts = partChecksums.get(uploadId);
            if (parts == null) {
                throw new IOException("upload part " + partNumber + " of " + key + ": upload " + uploadId
                        + " was not created by this store, or is already completed or aborted");
            }
            parts.put(partNumber, checksum);
        }
        return etag;
    }

    @Override
    public void completeMultipartUpload(String key, String uploadId, List<String> etags) throws IOException {
        List<CompletedPart> parts = new ArrayList<>(etags.size());
        Map<Integer, String> checksums = crc32c ? partChecksums.get(uploadId) : null;
        for (int i = 0; i < etags.size(); i++) {
            CompletedPart.Builder part = CompletedPart.builder().partNumber(i + 1).eTag(etags.get(i));
            if (checksums != null) {
                part.checksumCRC32C(checksums.get(i + 1));
            }
            parts.add(part.build());
        }
        call("complete multipart upload " + key, () -> s3.completeMultipartUpload(CompleteMultipartUploadRequest
                .builder().bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()).build()));
        partChecksums.remove(uploadId);
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) throws IOException {
        partChecksums.remove(uploadId);
        call("abort multipart upload " + key, () -> s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                .bucket(bucket).key(key).uploadId(uploadId).build()));
    }

    @Override
    public byte[] get(String key) throws IOException {
        try {
            return call("GET " + key, () -> s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key)
                    .build()).asByteArrayUnsafe());
        } catch (IOException e) {
            if (e.getCause() instanceof NoSuchKeyException) {
                FileNotFoundException missing = new FileNotFoundException("s3://" + bucket + "/" + key + " does not exist");
                missing.initCause(e.getCause());
                throw missing;
            }
            throw e;
        }
    }

    @Override
    public byte[] getRange(String key, long start, long end) throws IOException {
        if (end <= start) {
            return new byte[0];
        }
        String what = "GET " + key + " bytes " + start + "-" + (end - 1);
        // Straight into an array of the exact size: no intermediate buffer growing by copies.
        byte[] data = new byte[Math.toIntExact(end - start)];
        int n;
        try (ResponseInputStream<GetObjectResponse> in = call(what, () -> s3.getObject(GetObjectRequest.builder()
                .bucket(bucket).key(key).range("bytes=" + start + "-" + (end - 1)).build()))) {
            n = in.readNBytes(data, 0, data.length);
            if (n == data.length && in.read() >= 0) {
                n++;
            }
        } catch (SdkException e) {
            throw new IOException(what + " in bucket " + bucket + " failed: " + e.getMessage(), e);
        }
        if (n != data.length) {
            throw new IOException("GET s3://" + bucket + "/" + key + " bytes " + start + "-" + (end - 1) + " returned "
                    + (n > data.length ? "more than " : "") + n + " bytes, expected " + data.length);
        }
        return data;
    }

    @Override
    public void delete(List<String> keys) throws IOException {
        // One DeleteObject per key: DeleteObjects needs a Content-MD5/checksum header that S3-compatible stores
        // handle inconsistently, and we delete two objects per ledger. S3 answers 204 for a missing key too.
        for (String key : keys) {
            call("DELETE " + key, () -> s3.deleteObject(DeleteObjectRequest.builder().bucket(bucket).key(key).build()));
        }
    }

    @Override
    public List<Upload> listMultipartUploads(String prefix) throws IOException {
        List<Upload> uploads = new ArrayList<>();
        String keyMarker = null;
        String idMarker = null;
        while (true) {
            ListMultipartUploadsRequest.Builder req = ListMultipartUploadsRequest.builder().bucket(bucket).prefix(prefix);
            if (keyMarker != null) {
                req.keyMarker(keyMarker).uploadIdMarker(idMarker);
            }
            ListMultipartUploadsResponse page = call("list multipart uploads under " + prefix,
                    () -> s3.listMultipartUploads(req.build()));
            for (MultipartUpload u : page.uploads()) {
                uploads.add(new Upload(u.key(), u.uploadId(), u.initiated()));
            }
            if (!Boolean.TRUE.equals(page.isTruncated()) || page.nextKeyMarker() == null) {
                return uploads;
            }
            keyMarker = page.nextKeyMarker();
            idMarker = page.nextUploadIdMarker();
        }
    }

    private static RequestBody body(byte[] data, int length) {
        // A content provider, not a copy: the SDK re-opens it for signing and retries.
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(data, 0, length), length, OCTET_STREAM);
    }

    private interface Call<T> {
        T run();
    }

    private <T> T call(String what, Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (SdkException | IllegalStateException e) {
            // IllegalStateException: the SDK retried a streamed body that had been sent in part
            throw new IOException(what + " in bucket " + bucket + " failed: " + e.getMessage(), e);
        }
    }

}
