package io.magnetar.flags;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** A Magnetar feature that can be switched on or off per tenant. The wire name is what operators type. */
public enum Feature {
    DELAY("delay"),
    TRANSACTION("transaction"),
    RETRY("retry"),
    DEAD_LETTER("deadLetter"),
    TAG_FILTER("tagFilter");

    private static final Feature[] VALUES = values();
    private static final String KNOWN = Arrays.stream(VALUES).map(Feature::wireName).collect(Collectors.joining(", "));

    private final String wireName;

    Feature(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    int mask() {
        return 1 << ordinal();
    }

    /** Exact, case-sensitive match on the wire name. */
    public static Optional<Feature> fromWireName(String name) {
        for (Feature f : VALUES) {
            if (f.wireName.equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The wire names, comma separated, for error messages. */
    public static String knownNames() {
        return KNOWN;
    }

    static Feature[] all() {
        return VALUES;
    }
}
