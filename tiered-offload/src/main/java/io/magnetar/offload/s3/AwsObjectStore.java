package io.magnetar.offload.s3;

import io.magnetar.offload.OffloadConfig;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * the CPU of {@code java.net.http} here, but buffers request bodies whole), and {@link JdkHttpClient} for upload
 * bodies (parts and streamed PUTs), which it sends as they come, on connections of their own: a streamed body's
 * reads may wait for BookKeeper.
 */
public final class AwsObjectStore implements ObjectStore {
    private static final String OCTET_STREAM = "application/octet-stream";

    private final S3Client s3;
    private final S3Client uploads;
    private final String bucket;

    private AwsObjectStore(S3Client s3, S3Client uploads, String bucket) {
        this.s3 = s3;
        this.uploads = uploads;
        this.bucket = bucket;
    }

    /** The client for GETs and small requests. */
    public static S3Client newClient(OffloadConfig config) {
        return newClient(config, UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                .socketTimeout(Duration.ofSeconds(60)).build());
    }

    /** The client for upload bodies. */
    public static S3Client newUploadClient(OffloadConfig config) {
        return newClient(config, new JdkHttpClient(Duration.ofSeconds(10), Duration.ofMinutes(10)));
    }

    /** A client for the configuration's store, region, addressing and credentials. */
    private static S3Client newClient(OffloadConfig config, SdkHttpClient http) {
        AwsCredentialsProvider credentials = switch (config.credentialSource()) {
            case CONFIG, ENVIRONMENT -> StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
            case SDK_DEFAULT_CHAIN -> DefaultCredentialsProvider.builder().build();
        };
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(http)
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                // Our own CRC32C per entry protects the data; SDK-side flexible checksums (aws-chunked bodies with
                // trailers) are refused by several S3-compatible stores.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .forcePathStyle(config.pathStyle());
        config.endpoint().ifPresent(builder::endpointOverride);
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

    /** A store on {@code bucket} using clients (from {@link #newClient}, {@link #newUploadClient}) someone else closes. */
    public static AwsObjectStore on(S3Client s3, S3Client uploads, String bucket) {
        return new AwsObjectStore(s3, uploads, bucket);
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        // small bodies (indexes) through the request client; larger ones stream through the upload client
        S3Client client = length > 1024 * 1024 ? uploads : s3;
        call("PUT " + key, () -> client.putObject(PutObjectRequest.builder().bucket(bucket).key(key)
                .contentType(OCTET_STREAM).contentLength((long) length).build(), body(data, length)));
    }

    @Override
    public void putStream(String key, BytePipe body, long length) throws IOException {
        call("PUT " + key, () -> uploads.putObject(PutObjectRequest.builder().bucket(bucket).key(key)
                .contentType(OCTET_STREAM).contentLength(length).build(),
                RequestBody.fromContentProvider(body::stream, length, OCTET_STREAM)));
    }

    @Override
    public String createMultipartUpload(String key) throws IOException {
        return call("create multipart upload " + key, () -> s3.createMultipartUpload(
                CreateMultipartUploadRequest.builder().bucket(bucket).key(key).contentType(OCTET_STREAM).build())
                .uploadId());
    }

    @Override
    public String uploadPart(String key, String uploadId, int partNumber, byte[] data, int length) throws IOException {
        return call("upload part " + partNumber + " of " + key, () -> uploads.uploadPart(UploadPartRequest.builder()
                .bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber).contentLength((long) length)
                .build(), body(data, length)).eTag());
    }

    @Override
    public void completeMultipartUpload(String key, String uploadId, List<String> etags) throws IOException {
        List<CompletedPart> parts = new ArrayList<>(etags.size());
        for (int i = 0; i < etags.size(); i++) {
            parts.add(CompletedPart.builder().partNumber(i + 1).eTag(etags.get(i)).build());
        }
        call("complete multipart upload " + key, () -> s3.completeMultipartUpload(CompleteMultipartUploadRequest
                .builder().bucket(bucket).key(key).uploadId(uploadId)
                .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()).build()));
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) throws IOException {
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
