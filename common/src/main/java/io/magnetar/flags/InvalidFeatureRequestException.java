package io.magnetar.flags;

/** A feature-flag request that cannot be applied; the message names the problem for the caller. */
public class InvalidFeatureRequestException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidFeatureRequestException(String message) {
        super(message);
    }
}
