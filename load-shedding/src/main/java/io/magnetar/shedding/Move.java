package io.magnetar.shedding;

/** Unload {@code bundle} from {@code from} and assign it to {@code to}. */
public record Move(String bundle, String from, String to, double throughput) {
}
