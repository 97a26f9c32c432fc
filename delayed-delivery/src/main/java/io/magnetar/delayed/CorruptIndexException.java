package io.magnetar.delayed;

/** A persisted chunk or summary that does not decode: wrong magic, failed checksum or truncated. */
public final class CorruptIndexException extends Exception {
    public CorruptIndexException(String message) {
        super(message);
    }
}
