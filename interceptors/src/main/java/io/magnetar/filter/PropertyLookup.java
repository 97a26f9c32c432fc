package io.magnetar.filter;

import java.util.Map;
import java.util.Objects;

/**
 * Read access to a message's properties by name; {@code null} means the property is absent. Lets the broker
 * read properties straight from the message metadata without building a map per message.
 */
@FunctionalInterface
public interface PropertyLookup {
    String get(String name);

    static PropertyLookup of(Map<String, String> properties) {
        Objects.requireNonNull(properties, "properties");
        return properties::get;
    }
}
