package io.magnetar.shedding;

/**
 * A bundle too hot for any broker: even alone on the broker that could hold it best, it would stay above the cluster
 * level by more than the trigger band, so no move can balance it; only splitting it can.
 *
 * @param bundle bundle name
 * @param broker its owner
 * @param load predicted load (0..1+) of its owner with this bundle alone on it
 * @param level the load every broker would have if the cluster were balanced
 */
public record Split(String bundle, String broker, double load, double level) {
}
