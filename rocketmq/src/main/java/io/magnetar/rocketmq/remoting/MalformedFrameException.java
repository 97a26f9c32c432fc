package io.magnetar.rocketmq.remoting;

/** A frame that breaks the remoting protocol or the configured limits: the connection is closed. */
public final class MalformedFrameException extends Exception {
    public MalformedFrameException(String message) {
        super(message);
    }

    public MalformedFrameException(String message, Throwable cause) {
        super(message, cause);
    }
}
