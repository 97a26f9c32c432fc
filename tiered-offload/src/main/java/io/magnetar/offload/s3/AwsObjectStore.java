package io.magnetar.offload.s3;

import io.magnetar.offload.OffloadConfig;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
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
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * {@link ObjectStore} on the AWS SDK for Java v2 with the JDK's HTTP client ({@code url-connection-client}): no
 * Netty, so nothing depends on the broker's Netty version. One client per store configuration, shared by every
 * offloader using it; closed by the factory.
 */
public final class AwsObjectStore implements ObjectStore, AutoCloseable {
    private static final String OCTET_STREAM = "application/octet-stream";

    private final S3Client s3;
    private final String bucket;
    private final boolean ownsClient;

    private AwsObjectStore(S3Client s3, String bucket, boolean ownsClient) {
        this.s3 = s3;
        this.bucket = bucket;
        this.ownsClient = ownsClient;
    }

    /** A client for the configuration's store, region, addressing and credentials. */
    public static S3Client newClient(OffloadConfig config) {
        AwsCredentialsProvider credentials = switch (config.credentialSource()) {
            case CONFIG, ENVIRONMENT -> StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()));
            case SDK_DEFAULT_CHAIN -> DefaultCredentialsProvider.builder().build();
        };
        S3ClientBuilder builder = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60))
                        .build())
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

    /** A store on {@code bucket} using a client someone else closes. */
    public static AwsObjectStore on(S3Client s3, String bucket) {
        return new AwsObjectStore(s3, bucket, false);
    }

    @Override
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] data, int length) throws IOException {
        call("PUT " + key, () -> s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key)
                .contentType(OCTET_STREAM).contentLength((long) length).build(), body(data, length)));
    }

    @Override
    public String createMultipartUpload(String key) throws IOException {
        return call("create multipart upload " + key, () -> s3.createMultipartUpload(
                CreateMultipartUploadRequest.builder().bucket(bucket).key(key).contentType(OCTET_STREAM).build())
                .uploadId());
    }

    @Override
    public String uploadPart(String key, String uploadId, int partNumber, byte[] data, int length) throws IOException {
        return call("upload part " + partNumber + " of " + key, () -> s3.uploadPart(UploadPartRequest.builder()
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
        ResponseBytes<GetObjectResponse> bytes = call("GET " + key + " bytes " + start + "-" + (end - 1),
                () -> s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key)
                        .range("bytes=" + start + "-" + (end - 1)).build()));
        byte[] data = bytes.asByteArrayUnsafe();
        if (data.length != end - start) {
            throw new IOException("GET s3://" + bucket + "/" + key + " bytes " + start + "-" + (end - 1) + " returned "
                    + data.length + " bytes, expected " + (end - start));
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
        } catch (SdkException e) {
            throw new IOException(what + " in bucket " + bucket + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }
}
