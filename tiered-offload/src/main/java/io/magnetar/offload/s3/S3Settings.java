package io.magnetar.offload.s3;

import java.net.URI;
import java.util.Optional;

/**
 * What {@link AwsObjectStore}'s clients need to reach a store: where, how to address buckets, whose credentials, and
 * how uploads prove their bodies intact.
 *
 * @param endpoint an S3-compatible store's endpoint; empty: AWS's own for the region
 * @param pathStyle bucket in the path rather than in the host name
 * @param keys static credentials; empty: the SDK's default credential chain
 * @param crc32cUploads upload bodies go unsigned with a CRC32C the store verifies; false: the SDK signs them as it
 *     does by default (for stores that refuse aws-chunked trailers or checksum headers)
 */
public record S3Settings(String region, Optional<URI> endpoint, boolean pathStyle, Optional<Keys> keys,
                         boolean crc32cUploads) {

    /** An access key pair; its {@code toString} names neither part. */
    public record Keys(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "Keys[hidden]";
        }
    }
}
