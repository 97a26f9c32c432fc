package io.magnetar.rocketmq.remoting;

/**
 * The two header serializations RocketMQ's clients send, chosen by the high byte of the frame's header-length word:
 * 0 = JSON (the clients' default), 1 = RocketMQ's compact binary form ({@code -Drocketmq.serialize.type=ROCKETMQ}).
 */
public enum HeaderSerialization {
    JSON((byte) 0),
    ROCKETMQ((byte) 1);

    private final byte code;

    HeaderSerialization(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    /** @throws MalformedFrameException for any other code */
    public static HeaderSerialization of(int code) throws MalformedFrameException {
        for (HeaderSerialization s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new MalformedFrameException("unknown header serialization " + code);
    }
}
