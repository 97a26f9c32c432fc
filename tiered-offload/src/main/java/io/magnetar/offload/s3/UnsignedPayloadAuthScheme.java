package io.magnetar.offload.s3;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * SigV4 ({@code aws.auth#sigv4}) with an unsigned payload on plain HTTP too. The SDK's signer signs every request
 * body sent over {@code http://} (SHA-256 of every byte, chunk by chunk: most of the broker's CPU per offloaded byte
 * once the rest of the path is lean) whatever the payload-signing setting says; over {@code https://} it sends
 * {@code UNSIGNED-PAYLOAD}. This scheme hands the SDK's own signer the request as if it went over HTTPS (a
 * SigV4 signature covers method, path, query, headers and the payload hash, not the scheme; the {@code Host}
 * header is fixed first from the real scheme and port), then sends the signed headers over the request's real
 * scheme. Headers, credentials and request signature stay SigV4; only the body is no longer signed, so its
 * integrity rests on the checksum the caller asks the SDK for ({@code x-amz-checksum-crc32c} as a header or as an
 * aws-chunked trailer, verified by the store).
 */
final class UnsignedPayloadAuthScheme implements AuthScheme<AwsCredentialsIdentity> {
    private final AwsV4AuthScheme sigv4 = AwsV4AuthScheme.create();
    private final Signer signer = new Signer(AwsV4HttpSigner.create());

    @Override
    public String schemeId() {
        return AwsV4AuthScheme.SCHEME_ID;
    }

    @Override
    public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
        return sigv4.identityProvider(providers);
    }

    @Override
    public HttpSigner<AwsCredentialsIdentity> signer() {
        return signer;
    }

    /** The {@code Host} header value a client sends for this request: the port only when not the scheme's own. */
    static String hostHeader(SdkHttpRequest request) {
        return SdkHttpUtils.isUsingStandardPort(request.protocol(), request.port()) ? request.host()
                : request.host() + ":" + request.port();
    }

    /** Delegates to the SDK's SigV4 signer with the request presented as HTTPS and payload signing off. */
    static final class Signer implements HttpSigner<AwsCredentialsIdentity> {
        private final HttpSigner<AwsCredentialsIdentity> delegate;

        Signer(HttpSigner<AwsCredentialsIdentity> delegate) {
            this.delegate = delegate;
        }

        @Override
        public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
            SdkHttpRequest original = request.request();
            if ("https".equals(original.protocol())) {
                return delegate.sign(unsignedPayload(request.toBuilder()).build());
            }
            SignRequest<? extends AwsCredentialsIdentity> asHttps = unsignedPayload(request.toBuilder())
                    .request(presentedAsHttps(original)).build();
            SignedRequest signed = delegate.sign(asHttps);
            SignedRequest.Builder result = signed.toBuilder().request(overRealScheme(original, signed.request()));
            ownChunkEncoding(request, signed).ifPresent(result::payload);
            return result.build();
        }

        /**
         * For an unsigned aws-chunked body with a CRC32C trailer, {@link AwsChunkedCrc32cStream} over the original
         * body in place of the SDK's encoder (same bytes, checked against the signed Content-Length).
         */
        static Optional<ContentStreamProvider> ownChunkEncoding(
                SignRequest<? extends AwsCredentialsIdentity> request, SignedRequest signed) {
            SdkHttpRequest r = signed.request();
            Optional<ContentStreamProvider> body = request.payload();
            if (body.isEmpty()
                    || !"STREAMING-UNSIGNED-PAYLOAD-TRAILER".equals(r.firstMatchingHeader("x-amz-content-sha256")
                            .orElse(null))
                    || !AwsChunkedCrc32cStream.TRAILER.equals(r.firstMatchingHeader("x-amz-trailer").orElse(null))) {
                return Optional.empty();
            }
            Optional<Long> decoded = r.firstMatchingHeader("x-amz-decoded-content-length").map(Long::parseLong);
            Optional<Long> encoded = r.firstMatchingHeader("Content-Length").map(Long::parseLong);
            if (decoded.isEmpty() || encoded.isEmpty()
                    || AwsChunkedCrc32cStream.encodedLength(decoded.get()) != encoded.get()) {
                return Optional.empty(); // not the framing we know: the SDK's encoder stays
            }
            ContentStreamProvider original = body.get();
            long length = decoded.get();
            return Optional.of(() -> new AwsChunkedCrc32cStream(original.newStream(), length));
        }

        @Override
        public CompletableFuture<AsyncSignedRequest> signAsync(
                AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
            // the async signer already sends plain-HTTP bodies unsigned when they are chunk-encoded
            return delegate.signAsync(request);
        }

        private static <B extends SignRequest.Builder<? extends AwsCredentialsIdentity>> B unsignedPayload(B b) {
            b.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false);
            return b;
        }

        /** The same request with its real {@code Host} header, as HTTPS. */
        static SdkHttpRequest presentedAsHttps(SdkHttpRequest original) {
            SdkHttpRequest.Builder b = original.toBuilder();
            if (original.firstMatchingHeader("Host").isEmpty()) {
                b.putHeader("Host", hostHeader(original));
            }
            return b.protocol("https").port(original.port()).build();
        }

        /** The original request (scheme, host, port, path, query) with the signed request's headers. */
        static SdkHttpRequest overRealScheme(SdkHttpRequest original, SdkHttpRequest signed) {
            return original.toBuilder().headers(signed.headers()).build();
        }
    }
}
