package io.magnetar.offload.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.checksums.DefaultChecksumAlgorithm;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

class UnsignedPayloadAuthSchemeTest {
    private static final AwsCredentialsIdentity CREDENTIALS = AwsCredentialsIdentity.create("AKIDEXAMPLE", "secret");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T11:00:00Z"), ZoneOffset.UTC);
    private final UnsignedPayloadAuthScheme.Signer signer =
            new UnsignedPayloadAuthScheme.Signer(AwsV4HttpSigner.create());

    private static byte[] body(int n) {
        byte[] b = new byte[n];
        new SplittableRandom(n).nextBytes(b);
        return b;
    }

    private static SdkHttpRequest put(String endpoint, int length) {
        return SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(URI.create(endpoint + "/bucket/a/key.data"))
                .putHeader("Content-Length", Integer.toString(length))
                .putHeader("Content-Type", "application/octet-stream").build();
    }

    private static SignRequest.Builder<AwsCredentialsIdentity> signRequest(SdkHttpRequest request, byte[] body) {
        return SignRequest.builder(CREDENTIALS).request(request)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "s3")
                .putProperty(HttpSigner.SIGNING_CLOCK, CLOCK)
                .putProperty(AwsV4FamilyHttpSigner.CHUNK_ENCODING_ENABLED, true);
    }

    private static byte[] read(ContentStreamProvider p) throws IOException {
        try (InputStream in = p.newStream()) {
            return in.readAllBytes();
        }
    }

    @Test
    void theHostHeaderNamesThePortOnlyWhenItIsNotTheSchemesOwn() {
        assertEquals("store.example", UnsignedPayloadAuthScheme.hostHeader(put("http://store.example", 0)));
        assertEquals("store.example", UnsignedPayloadAuthScheme.hostHeader(put("http://store.example:80", 0)));
        assertEquals("store.example:9000", UnsignedPayloadAuthScheme.hostHeader(put("http://store.example:9000", 0)));
        assertEquals("store.example", UnsignedPayloadAuthScheme.hostHeader(put("https://store.example:443", 0)));
        assertEquals("store.example:80", UnsignedPayloadAuthScheme.hostHeader(put("https://store.example:80", 0)));
    }

    @Test
    void overPlainHttpTheBodyGoesUnsignedWithTheSignatureTheSdkGivesTheSameRequestOverHttps() throws IOException {
        byte[] body = body(300_000);
        SdkHttpRequest http = put("http://127.0.0.1:9000", body.length);

        // what the SDK's signer alone does over plain HTTP: signs the body chunk by chunk (SHA-256 of every byte)
        SignedRequest sdk = AwsV4HttpSigner.create().sign(signRequest(http, body)
                .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false).build());
        assertEquals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                sdk.request().firstMatchingHeader("x-amz-content-sha256").orElseThrow());

        SignedRequest ours = signer.sign(signRequest(http, body).build());
        SdkHttpRequest sent = ours.request();
        assertEquals("http", sent.protocol());
        assertEquals("127.0.0.1", sent.host());
        assertEquals(9000, sent.port());
        assertEquals(http.encodedPath(), sent.encodedPath());
        assertEquals("127.0.0.1:9000", sent.firstMatchingHeader("Host").orElseThrow());
        assertEquals("UNSIGNED-PAYLOAD", sent.firstMatchingHeader("x-amz-content-sha256").orElseThrow());
        assertEquals(Integer.toString(body.length), sent.firstMatchingHeader("Content-Length").orElseThrow());
        assertArrayEquals(body, read(ours.payload().orElseThrow()), "the body goes as it is");

        // SigV4 does not sign the scheme: the signature is the one of the same request (same Host) over HTTPS
        SdkHttpRequest https = http.toBuilder().protocol("https").putHeader("Host", "127.0.0.1:9000").build();
        SignedRequest reference = AwsV4HttpSigner.create().sign(signRequest(https, body)
                .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false).build());
        String authorization = sent.firstMatchingHeader("Authorization").orElseThrow();
        assertTrue(authorization.startsWith(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/s3/aws4_request"), authorization);
        assertEquals(reference.request().firstMatchingHeader("Authorization").orElseThrow(), authorization);
        assertNotEquals(sdk.request().firstMatchingHeader("Authorization").orElseThrow(), authorization);
    }

    @Test
    void withACrc32cTheStreamedBodyEndsInATrailerTheStoreChecksAgainstTheBytes() throws IOException {
        byte[] body = body(300_000); // three chunks of the SDK's 128 KiB
        SdkHttpRequest http = put("http://store.example", body.length);
        SignedRequest ours = signer.sign(signRequest(http, body)
                .putProperty(AwsV4FamilyHttpSigner.CHECKSUM_ALGORITHM, DefaultChecksumAlgorithm.CRC32C).build());
        SdkHttpRequest sent = ours.request();
        assertEquals("http", sent.protocol());
        assertEquals("store.example", sent.firstMatchingHeader("Host").orElseThrow());
        assertEquals("STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                sent.firstMatchingHeader("x-amz-content-sha256").orElseThrow());
        assertEquals("x-amz-checksum-crc32c", sent.firstMatchingHeader("x-amz-trailer").orElseThrow());
        assertEquals(Integer.toString(body.length),
                sent.firstMatchingHeader("x-amz-decoded-content-length").orElseThrow());
        assertTrue(sent.firstMatchingHeader("Content-Encoding").orElseThrow().contains("aws-chunked"));

        byte[] encoded = read(ours.payload().orElseThrow());
        assertEquals(Long.parseLong(sent.firstMatchingHeader("Content-Length").orElseThrow()), encoded.length);
        // aws-chunked: <hex size>\r\n<bytes>\r\n ... 0\r\n<trailer>\r\n\r\n, no chunk signatures
        ByteArrayInputStream in = new ByteArrayInputStream(encoded);
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        while (true) {
            String header = line(in);
            assertTrue(header.matches("[0-9a-f]+"), "chunk header '" + header + "' has no signature");
            int size = Integer.parseInt(header, 16);
            if (size == 0) {
                break;
            }
            data.write(in.readNBytes(size));
            assertEquals("", line(in));
        }
        assertArrayEquals(body, data.toByteArray());
        assertEquals("x-amz-checksum-crc32c:" + AwsObjectStore.crc32cBase64(body, body.length), line(in));
        assertEquals("", line(in));
        assertEquals(-1, in.read());
    }

    @Test
    void itsChunkEncodingIsByteForByteTheSdksOwnForTheSignedContentLength() throws IOException {
        for (int n : new int[] {1, 17, AwsChunkedCrc32cStream.CHUNK - 1, AwsChunkedCrc32cStream.CHUNK,
                AwsChunkedCrc32cStream.CHUNK + 1, 3 * AwsChunkedCrc32cStream.CHUNK, 1_000_003}) {
            byte[] body = body(n);
            SdkHttpRequest https = put("https://store.example", n);
            SignedRequest sdk = AwsV4HttpSigner.create().sign(signRequest(https, body)
                    .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
                    .putProperty(AwsV4FamilyHttpSigner.CHECKSUM_ALGORITHM, DefaultChecksumAlgorithm.CRC32C).build());
            assertEquals("STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                    sdk.request().firstMatchingHeader("x-amz-content-sha256").orElseThrow());
            SignedRequest ours = signer.sign(signRequest(put("http://store.example", n), body)
                    .putProperty(AwsV4FamilyHttpSigner.CHECKSUM_ALGORITHM, DefaultChecksumAlgorithm.CRC32C).build());
            String length = sdk.request().firstMatchingHeader("Content-Length").orElseThrow();
            assertEquals(length, ours.request().firstMatchingHeader("Content-Length").orElseThrow(), "n=" + n);
            assertEquals(Long.parseLong(length), AwsChunkedCrc32cStream.encodedLength(n), "n=" + n);
            byte[] expected = read(sdk.payload().orElseThrow());
            assertEquals(Long.parseLong(length), expected.length, "n=" + n);
            assertArrayEquals(expected, read(ours.payload().orElseThrow()), "n=" + n);
            assertEquals(sdk.request().firstMatchingHeader("Authorization").orElseThrow(),
                    ours.request().firstMatchingHeader("Authorization").orElseThrow(), "n=" + n);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\r') {
            assertTrue(c >= 0, "unterminated line");
            b.write(c);
        }
        assertEquals('\n', in.read());
        return b.toString(StandardCharsets.US_ASCII);
    }
}
