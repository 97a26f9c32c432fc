package io.magnetar.flags;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An immutable set of enabled features, one bit per feature so a hot-path check is a mask test. */
public final class FeatureSet {
    public static final FeatureSet NONE = new FeatureSet(0);
    public static final FeatureSet ALL = new FeatureSet((1 << Feature.all().length) - 1);

    private final int bits;

    private FeatureSet(int bits) {
        this.bits = bits;
    }

    public static FeatureSet of(Feature... features) {
        int bits = 0;
        for (Feature f : features) {
            bits |= f.mask();
        }
        return new FeatureSet(bits);
    }

    public boolean contains(Feature feature) {
        return (bits & feature.mask()) != 0;
    }

    public FeatureSet with(Feature feature, boolean enabled) {
        return new FeatureSet(enabled ? bits | feature.mask() : bits & ~feature.mask());
    }

    /** This set with the explicit overrides applied on top. */
    public FeatureSet withOverrides(Map<Feature, Boolean> overrides) {
        FeatureSet result = this;
        for (Map.Entry<Feature, Boolean> e : overrides.entrySet()) {
            result = result.with(e.getKey(), e.getValue());
        }
        return result;
    }

    /**
     * Parses a cluster default such as {@code delay,retry}, {@code all} or {@code none} (or blank).
     *
     * @param key the configuration key, named in the error
     * @throws IllegalArgumentException naming the key and the bad value
     */
    public static FeatureSet parse(String key, String value) {
        String trimmed = value == null ? "" : value.trim();
        if (trimmed.isEmpty() || trimmed.equals("none")) {
            return NONE;
        }
        if (trimmed.equals("all")) {
            return ALL;
        }
        FeatureSet result = NONE;
        for (String part : trimmed.split(",")) {
            String name = part.trim();
            if (name.isEmpty()) {
                continue;
            }
            Feature feature = Feature.fromWireName(name).orElseThrow(() -> new IllegalArgumentException(
                    key + ": unknown feature '" + name + "' in '" + value + "' (known: " + Feature.knownNames()
                            + ", or 'all' / 'none')"));
            result = result.with(feature, true);
        }
        return result;
    }

    /** Every feature with its state, in declaration order. */
    public Map<String, Boolean> toWireMap() {
        Map<String, Boolean> map = new LinkedHashMap<>();
        for (Feature f : Feature.all()) {
            map.put(f.wireName(), contains(f));
        }
        return map;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureSet other && other.bits == bits;
    }

    @Override
    public int hashCode() {
        return bits;
    }

    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        for (Feature f : Feature.all()) {
            if (contains(f)) {
                names.add(f.wireName());
            }
        }
        return "[" + String.join(",", names) + "]";
    }
}
