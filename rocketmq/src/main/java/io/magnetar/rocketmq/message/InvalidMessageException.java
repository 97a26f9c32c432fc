package io.magnetar.rocketmq.message;

/** A send request whose header or body breaks the protocol: answered with MESSAGE_ILLEGAL, the connection stays. */
public final class InvalidMessageException extends Exception {
    public InvalidMessageException(String message) {
        super(message);
    }
}
