package io.magnetar.offload.pulsar;

import io.magnetar.offload.OffloadConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;

/**
 * Where an offloaded ledger lives: the bucket, endpoint and region recorded in its driver metadata when it was
 * offloaded, so reads and deletes still find it after the namespace's configuration moved on (another endpoint,
 * region or bucket). What the metadata does not record is taken from the current configuration.
 */
record StoreLocation(String bucket, Optional<URI> endpoint, String region) {
    /** Magnetar's keys, and the endpoint key of Pulsar's jcloud offloader. */
    static final String BUCKET = "bucket";
    static final String REGION = "region";
    static final String ENDPOINT = "endpoint";
    static final String JCLOUD_ENDPOINT = "serviceEndpoint";

    static StoreLocation of(OffloadConfig config) {
        return new StoreLocation(config.bucket(), config.endpoint(), config.region());
    }

    /**
     * @throws IllegalArgumentException when the recorded endpoint is not a URL
     */
    static StoreLocation recorded(Map<String, String> meta, OffloadConfig config) {
        if (meta == null) {
            return of(config);
        }
        String bucket = blankToNull(meta.get(BUCKET));
        String region = blankToNull(meta.get(REGION));
        Optional<URI> endpoint = config.endpoint();
        String key = meta.containsKey(ENDPOINT) ? ENDPOINT : meta.containsKey(JCLOUD_ENDPOINT) ? JCLOUD_ENDPOINT : null;
        if (key != null) {
            // recorded empty: written to AWS itself, without an endpoint override
            String text = blankToNull(meta.get(key));
            try {
                endpoint = text == null ? Optional.empty() : Optional.of(new URI(text));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("recorded offload endpoint '" + text + "' is not a URL");
            }
        }
        if (endpoint.isEmpty() && region == null) {
            region = config.region();
        }
        return new StoreLocation(bucket == null ? config.bucket() : bucket, endpoint,
                region == null ? config.region() : region);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
