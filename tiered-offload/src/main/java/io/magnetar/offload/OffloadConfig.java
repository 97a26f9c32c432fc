package io.magnetar.offload;

import io.magnetar.offload.format.EntryCodec;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.pulsar.common.policies.data.OffloadPoliciesImpl;

/**
 * The offloader's settings, read once from the offload policies Pulsar hands the factory (broker.conf or
 * namespace/topic policies) and validated: a bad value fails with a message naming the broker.conf key.
 *
 * <p>Standard keys: {@code managedLedgerOffloadBucket}, {@code managedLedgerOffloadRegion},
 * {@code managedLedgerOffloadServiceEndpoint} (or their {@code s3ManagedLedgerOffload*} forms) and
 * {@code s3ManagedLedgerOffloadCredentialId/Secret}. Magnetar's own keys arrive through Pulsar's
 * {@code managedLedgerOffloadExtraConfig<Name>} mechanism, see {@link #EXTRA}.
 */
public final class OffloadConfig {
    public static final String DRIVER_NAME = "magnetar-s3";
    public static final String EXTRA = OffloadPoliciesImpl.EXTRA_CONFIG_PREFIX;

    public static final String PATH_STYLE = "PathStyleAccess";
    public static final String ACCESS_KEY_ID = "AccessKeyId";
    public static final String SECRET_ACCESS_KEY = "SecretAccessKey";
    public static final String PREFIX = "Prefix";
    public static final String PART_SIZE = "PartSizeBytes";
    public static final String UPLOAD_CONCURRENCY = "UploadConcurrency";
    public static final String UPLOAD_MEMORY = "UploadMemoryBytes";
    public static final String READ_CHUNK = "ReadChunkBytes";
    public static final String IO_THREADS = "IoThreads";
    public static final String SINGLE_PUT_MAX = "SinglePutMaxBytes";
    public static final String READ_AHEAD = "ReadAheadBytes";
    public static final String READ_CACHE = "ReadCacheBytes";
    public static final String ORPHAN_AGE = "OrphanUploadAgeSeconds";
    public static final String COMPRESSION = "Compression";
    public static final String UPLOAD_INTEGRITY = "UploadIntegrity";

    private static final long MIB = 1024 * 1024;
    // S3 bucket naming rules: 3-63 characters, lower-case letters, digits, dots and hyphens, alphanumeric at both ends.
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{2,32}");

    /** Where the credentials come from; the secret itself is never part of {@link #toString()}. */
    public enum CredentialSource { CONFIG, ENVIRONMENT, SDK_DEFAULT_CHAIN }

    /**
     * How the store can tell an uploaded body arrived intact. {@code CRC32C}: the body is not signed (SigV4 still
     * signs the request and its headers), a CRC32C of it goes along ({@code x-amz-checksum-crc32c}, as a header for
     * buffered bodies, as an aws-chunked trailer for streamed ones) and the store refuses a body that does not match;
     * cheap (hardware CRC32C). {@code SIGNED}: the SDK's own behaviour, which over plain HTTP signs the body chunk by
     * chunk (SHA-256 of every byte, so a party on the network path cannot alter it undetected; over HTTPS the body
     * is unsigned and TLS protects it), for stores that refuse aws-chunked trailers or checksum headers.
     */
    public enum UploadIntegrity { CRC32C, SIGNED }

    private final String bucket;
    private final String region;
    private final Optional<URI> endpoint;
    private final boolean pathStyle;
    private final CredentialSource credentialSource;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final String prefix;
    private final long partSizeBytes;
    private final int uploadConcurrency;
    private final long uploadMemoryBytes;
    private final long readChunkBytes;
    private final int ioThreads;
    private final long singlePutMaxBytes;
    private final long readAheadBytes;
    private final long readCacheBytes;
    private final long orphanUploadAgeSeconds;
    private final EntryCodec.Kind compression;
    private final UploadIntegrity uploadIntegrity;

    private OffloadConfig(String bucket, String region, Optional<URI> endpoint, boolean pathStyle,
                          CredentialSource credentialSource, String accessKeyId, String secretAccessKey,
                          String prefix, long partSizeBytes, int uploadConcurrency, long uploadMemoryBytes,
                          long readChunkBytes, int ioThreads, long singlePutMaxBytes, long readAheadBytes,
                          long readCacheBytes, long orphanUploadAgeSeconds, EntryCodec.Kind compression,
                          UploadIntegrity uploadIntegrity) {
        this.bucket = bucket;
        this.region = region;
        this.endpoint = endpoint;
        this.pathStyle = pathStyle;
        this.credentialSource = credentialSource;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.prefix = prefix;
        this.partSizeBytes = partSizeBytes;
        this.uploadConcurrency = uploadConcurrency;
        this.uploadMemoryBytes = uploadMemoryBytes;
        this.readChunkBytes = readChunkBytes;
        this.ioThreads = ioThreads;
        this.singlePutMaxBytes = singlePutMaxBytes;
        this.readAheadBytes = readAheadBytes;
        this.readCacheBytes = readCacheBytes;
        this.orphanUploadAgeSeconds = orphanUploadAgeSeconds;
        this.compression = compression;
        this.uploadIntegrity = uploadIntegrity;
    }

    /** From the policies and the process environment. */
    public static OffloadConfig from(OffloadPoliciesImpl policies) {
        return from(policies, System::getenv);
    }

    /**
     * @param env the environment ({@code ACCESS_KEY_ID}/{@code ACCESS_KEY_SECRET}, as Pulsar's jcloud S3 driver
     *            reads them); the SDK's default chain ({@code AWS_ACCESS_KEY_ID}, profiles, instance roles) is
     *            used when neither the configuration nor these name credentials
     * @throws IllegalArgumentException naming the key of the first invalid value
     */
    public static OffloadConfig from(OffloadPoliciesImpl policies, Function<String, String> env) {
        return from(policies, Map.of(), env);
    }

    /**
     * @param brokerExtra the broker default's extra configuration, under the policies' own: Pulsar 4.0's
     *                    {@code OffloadPoliciesImpl.mergeConfiguration} never carries broker.conf's
     *                    {@code managedLedgerOffloadExtraConfig*} keys into a namespace's merged policies
     */
    public static OffloadConfig from(OffloadPoliciesImpl policies, Map<String, String> brokerExtra,
                                     Function<String, String> env) {
        Map<String, String> own = policies.getManagedLedgerExtraConfigurations();
        Function<String, String> x = name -> {
            String v = blankToNull(own == null ? null : own.get(name));
            return v != null ? v : blankToNull(brokerExtra.get(name));
        };

        String bucket = first(policies.getManagedLedgerOffloadBucket(), policies.getS3ManagedLedgerOffloadBucket());
        if (bucket == null) {
            throw new IllegalArgumentException("managedLedgerOffloadBucket is required for offload driver "
                    + DRIVER_NAME);
        }
        if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
            throw new IllegalArgumentException("managedLedgerOffloadBucket: '" + bucket + "' is not a valid S3 bucket"
                    + " name (3-63 characters: lower-case letters, digits, '.', '-'; alphanumeric at both ends)");
        }

        String endpointText = first(policies.getManagedLedgerOffloadServiceEndpoint(),
                policies.getS3ManagedLedgerOffloadServiceEndpoint());
        Optional<URI> endpoint = Optional.empty();
        if (endpointText != null) {
            endpoint = Optional.of(parseEndpoint(endpointText));
        }

        String region = first(policies.getManagedLedgerOffloadRegion(), policies.getS3ManagedLedgerOffloadRegion());
        if (region == null) {
            if (endpoint.isEmpty()) {
                throw new IllegalArgumentException("managedLedgerOffloadRegion is required for offload driver "
                        + DRIVER_NAME + " when managedLedgerOffloadServiceEndpoint is not set");
            }
            region = "us-east-1"; // S3-compatible stores accept any region in the signature
        }
        if (!REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("managedLedgerOffloadRegion: '" + region
                    + "' is not an AWS region name (e.g. eu-west-1)");
        }

        boolean pathStyle = parseBoolean(EXTRA + PATH_STYLE, x.apply(PATH_STYLE), endpoint.isPresent());

        String id = x.apply(ACCESS_KEY_ID);
        String secret = x.apply(SECRET_ACCESS_KEY);
        String idKey = EXTRA + ACCESS_KEY_ID;
        String secretKey = EXTRA + SECRET_ACCESS_KEY;
        if (id == null && secret == null) {
            id = blankToNull(policies.getS3ManagedLedgerOffloadCredentialId());
            secret = blankToNull(policies.getS3ManagedLedgerOffloadCredentialSecret());
            idKey = "s3ManagedLedgerOffloadCredentialId";
            secretKey = "s3ManagedLedgerOffloadCredentialSecret";
        }
        CredentialSource source = CredentialSource.CONFIG;
        if (id == null && secret == null) {
            id = blankToNull(env.apply("ACCESS_KEY_ID"));
            secret = blankToNull(env.apply("ACCESS_KEY_SECRET"));
            idKey = "environment variable ACCESS_KEY_ID";
            secretKey = "environment variable ACCESS_KEY_SECRET";
            source = CredentialSource.ENVIRONMENT;
        }
        if (id == null && secret == null) {
            source = CredentialSource.SDK_DEFAULT_CHAIN;
        } else if (id == null || secret == null) {
            throw new IllegalArgumentException((id == null ? idKey : secretKey) + " is missing: it must be set"
                    + " together with " + (id == null ? secretKey : idKey));
        }

        String prefix = x.apply(PREFIX);
        if (prefix != null && (prefix.length() > 512 || prefix.contains("\\") || prefix.contains(".."))) {
            throw new IllegalArgumentException(EXTRA + PREFIX + ": '" + prefix
                    + "' must be at most 512 characters without '\\' or '..'");
        }
        long partSize = parseLong(EXTRA + PART_SIZE, x.apply(PART_SIZE), 16 * MIB, 5 * MIB, 1024 * MIB);
        int concurrency = (int) parseLong(EXTRA + UPLOAD_CONCURRENCY, x.apply(UPLOAD_CONCURRENCY), 4, 1, 64);
        long memory = parseLong(EXTRA + UPLOAD_MEMORY, x.apply(UPLOAD_MEMORY), 128 * MIB, 5 * MIB, 64L * 1024 * MIB);
        if (memory < partSize) {
            throw new IllegalArgumentException(EXTRA + UPLOAD_MEMORY + " (" + memory + ") must be at least "
                    + EXTRA + PART_SIZE + " (" + partSize + ")");
        }
        long readChunk = parseLong(EXTRA + READ_CHUNK, x.apply(READ_CHUNK), 4 * MIB, 64 * 1024, 256 * MIB);
        int ioThreads = (int) parseLong(EXTRA + IO_THREADS, x.apply(IO_THREADS), 16, 1, 256);
        long singlePut = parseLong(EXTRA + SINGLE_PUT_MAX, x.apply(SINGLE_PUT_MAX), 32 * MIB, 0, 5L * 1024 * MIB);
        long readAhead = parseLong(EXTRA + READ_AHEAD, x.apply(READ_AHEAD), 16 * MIB, 0, 1024 * MIB);
        long readCache = parseLong(EXTRA + READ_CACHE, x.apply(READ_CACHE), 128 * MIB, 0, 64L * 1024 * MIB);
        if (readCache > 0 && readCache < readAhead + readChunk) {
            throw new IllegalArgumentException(EXTRA + READ_CACHE + " (" + readCache + ") must be 0 (no cache) or at"
                    + " least " + EXTRA + READ_AHEAD + " + " + EXTRA + READ_CHUNK + " (" + (readAhead + readChunk) + ")");
        }
        long orphanAge = parseLong(EXTRA + ORPHAN_AGE, x.apply(ORPHAN_AGE), 24 * 3600, 60, 365L * 24 * 3600);
        return new OffloadConfig(bucket, region, endpoint, pathStyle, source, id, secret,
                prefix == null ? "" : prefix, partSize, concurrency, memory, readChunk, ioThreads, singlePut,
                readAhead, readCache, orphanAge, EntryCodec.parse(EXTRA + COMPRESSION, x.apply(COMPRESSION)),
                parseIntegrity(EXTRA + UPLOAD_INTEGRITY, x.apply(UPLOAD_INTEGRITY)));
    }

    static UploadIntegrity parseIntegrity(String key, String value) {
        if (value == null) {
            return UploadIntegrity.CRC32C;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "crc32c" -> UploadIntegrity.CRC32C;
            case "signed" -> UploadIntegrity.SIGNED;
            default -> throw new IllegalArgumentException(key + ": '" + value + "' must be crc32c or signed");
        };
    }

    private static URI parseEndpoint(String text) {
        String key = "managedLedgerOffloadServiceEndpoint";
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(key + ": '" + text + "' is not a URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException(key + ": '" + text + "' must be an http:// or https:// URL with a host");
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException(key + ": credentials do not belong in the endpoint URL");
        }
        return uri;
    }

    private static boolean parseBoolean(String key, String value, boolean dflt) {
        if (value == null) {
            return dflt;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + ": '" + value + "' must be true or false");
        };
    }

    private static long parseLong(String key, String value, long dflt, long min, long max) {
        if (value == null) {
            return dflt;
        }
        long v;
        try {
            v = Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not a whole number");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + ": " + v + " is outside " + min + ".." + max);
        }
        return v;
    }

    private static String first(String a, String b) {
        String v = blankToNull(a);
        return v != null ? v : blankToNull(b);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    public String bucket() {
        return bucket;
    }

    public String region() {
        return region;
    }

    public Optional<URI> endpoint() {
        return endpoint;
    }

    public boolean pathStyle() {
        return pathStyle;
    }

    public CredentialSource credentialSource() {
        return credentialSource;
    }

    /** Null unless {@link #credentialSource()} is CONFIG or ENVIRONMENT. */
    public String accessKeyId() {
        return accessKeyId;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    public String prefix() {
        return prefix;
    }

    public long partSizeBytes() {
        return partSizeBytes;
    }

    public int uploadConcurrency() {
        return uploadConcurrency;
    }

    public long uploadMemoryBytes() {
        return uploadMemoryBytes;
    }

    public long readChunkBytes() {
        return readChunkBytes;
    }

    public int ioThreads() {
        return ioThreads;
    }

    /**
     * These settings pointed at another endpoint and region (where a ledger was written before the configuration
     * changed): same credentials, addressing and tuning.
     */
    public OffloadConfig at(Optional<URI> otherEndpoint, String otherRegion) {
        if (otherEndpoint.equals(endpoint) && otherRegion.equals(region)) {
            return this;
        }
        return new OffloadConfig(bucket, otherRegion, otherEndpoint, pathStyle, credentialSource, accessKeyId,
                secretAccessKey, prefix, partSizeBytes, uploadConcurrency, uploadMemoryBytes, readChunkBytes, ioThreads,
                singlePutMaxBytes, readAheadBytes, readCacheBytes, orphanUploadAgeSeconds, compression,
                uploadIntegrity);
    }

    /** What identifies the S3 client to use: same store, same credentials. */
    public String clientKey() {
        return region + '|' + endpoint.map(URI::toString).orElse("") + '|' + pathStyle + '|' + credentialSource
                + '|' + (accessKeyId == null ? "" : accessKeyId) + '|'
                + (secretAccessKey == null ? 0 : secretAccessKey.hashCode()) + '|' + uploadIntegrity;
    }

    @Override
    public String toString() {
        return "bucket=" + bucket + ", region=" + region + ", endpoint=" + endpoint.map(URI::toString).orElse("(AWS)")
                + ", pathStyle=" + pathStyle + ", credentials=" + credentialSource
                + (accessKeyId == null ? "" : " (key id " + mask(accessKeyId) + ")")
                + ", prefix='" + prefix + "', partSize=" + partSizeBytes + ", uploadConcurrency=" + uploadConcurrency
                + ", uploadMemory=" + uploadMemoryBytes + ", singlePutMax=" + singlePutMaxBytes + ", readChunk="
                + readChunkBytes + ", readAhead=" + readAheadBytes + ", readCache=" + readCacheBytes
                + ", orphanUploadAge=" + orphanUploadAgeSeconds + "s, compression="
                + compression.name().toLowerCase(Locale.ROOT) + ", uploadIntegrity="
                + uploadIntegrity.name().toLowerCase(Locale.ROOT) + ", ioThreads=" + ioThreads;
    }

    /** Ledgers up to this size are one streamed PUT, larger ones a multipart upload. */
    public long singlePutMaxBytes() {
        return singlePutMaxBytes;
    }

    /** How far past a read the read path fetches ahead, in bytes of the data object. */
    public long readAheadBytes() {
        return readAheadBytes;
    }

    /** Broker-wide bytes of cached read blocks, over all open ledgers (0: no cache, no read-ahead). */
    public long readCacheBytes() {
        return readCacheBytes;
    }

    /** Multipart uploads under our prefix older than this are orphans (an attempt that died) and get aborted. */
    public long orphanUploadAgeSeconds() {
        return orphanUploadAgeSeconds;
    }

    /** How entries are stored: as they are, or zstd-compressed where that makes them smaller. */
    public EntryCodec.Kind compression() {
        return compression;
    }

    /** What guards uploaded bodies: a CRC32C the store checks (unsigned body), or the SDK's payload signing. */
    public UploadIntegrity uploadIntegrity() {
        return uploadIntegrity;
    }

    private static String mask(String id) {
        return id.length() <= 4 ? "****" : id.substring(0, 4) + "****";
    }
}
