package io.magnetar.flags;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A tenant's explicit feature settings: features absent from the map follow the cluster default.
 * Stored in the configuration metadata store as a JSON object of booleans, e.g. {@code {"delay":true}}.
 */
public final class FeatureOverrides {
    public static final FeatureOverrides EMPTY = new FeatureOverrides(new EnumMap<>(Feature.class));
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Map<Feature, Boolean> values;

    private FeatureOverrides(EnumMap<Feature, Boolean> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public Map<Feature, Boolean> values() {
        return values;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** Applies a patch: a {@code true}/{@code false} value sets the override, {@code null} removes it. */
    public FeatureOverrides apply(Map<Feature, Boolean> patch) {
        EnumMap<Feature, Boolean> next = values.isEmpty() ? new EnumMap<>(Feature.class) : new EnumMap<>(values);
        patch.forEach((feature, value) -> {
            if (value == null) {
                next.remove(feature);
            } else {
                next.put(feature, value);
            }
        });
        return new FeatureOverrides(next);
    }

    public byte[] toJsonBytes() {
        ObjectNode node = MAPPER.createObjectNode();
        values.forEach((feature, value) -> node.put(feature.wireName(), value));
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a stored value. Keys this version does not know (written by a newer Magnetar) are skipped so an
     * older broker keeps working during a rolling upgrade.
     */
    public static FeatureOverrides fromStoredJson(byte[] json) throws JsonProcessingException {
        JsonNode root = MAPPER.readTree(new String(json, StandardCharsets.UTF_8));
        EnumMap<Feature, Boolean> values = new EnumMap<>(Feature.class);
        if (root != null && root.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getValue().isBoolean()) {
                    Feature.fromWireName(e.getKey()).ifPresent(f -> values.put(f, e.getValue().booleanValue()));
                }
            }
        }
        return new FeatureOverrides(values);
    }

    /**
     * Parses a request body: a JSON object whose keys are feature names and whose values are booleans, or
     * {@code null} to return that feature to the cluster default.
     *
     * @throws InvalidFeatureRequestException naming the problem; nothing is applied
     */
    public static Map<Feature, Boolean> parsePatch(String body) {
        if (body == null || body.isBlank()) {
            throw new InvalidFeatureRequestException("request body is empty; expected a JSON object such as "
                    + "{\"delay\": true}");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidFeatureRequestException("malformed JSON body: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidFeatureRequestException("request body must be a JSON object of feature names to "
                    + "booleans, got " + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        if (root.isEmpty()) {
            throw new InvalidFeatureRequestException("request body names no feature (known: "
                    + Feature.knownNames() + ")");
        }
        EnumMap<Feature, Boolean> patch = new EnumMap<>(Feature.class);
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Feature feature = Feature.fromWireName(e.getKey()).orElseThrow(() -> new InvalidFeatureRequestException(
                    "unknown feature '" + e.getKey() + "' (known: " + Feature.knownNames() + ")"));
            JsonNode value = e.getValue();
            if (value.isNull()) {
                patch.put(feature, null);
            } else if (value.isBoolean()) {
                patch.put(feature, value.booleanValue());
            } else {
                throw new InvalidFeatureRequestException("feature '" + e.getKey() + "' must be true, false or null, "
                        + "got " + value);
            }
        }
        return patch;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureOverrides other && other.values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return values.toString();
    }
}
