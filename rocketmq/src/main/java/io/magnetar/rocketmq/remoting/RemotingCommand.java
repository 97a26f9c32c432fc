package io.magnetar.rocketmq.remoting;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One RocketMQ remoting command, request or response, as the frame carries it: a header (code, language, version,
 * opaque, flag, remark, extension fields) and an optional body. The serialization the header came in is kept so that
 * the response goes back in the same one.
 */
public final class RemotingCommand {
    /** Flag bit 0: set on responses. */
    public static final int FLAG_RESPONSE = 1;
    /** Flag bit 1: the request expects no response. */
    public static final int FLAG_ONEWAY = 1 << 1;

    private final int code;
    private final String language;
    private final int version;
    private final int opaque;
    private final int flag;
    private final String remark;
    private final Map<String, String> extFields;
    private final byte[] body;
    private final HeaderSerialization serialization;

    public RemotingCommand(int code, String language, int version, int opaque, int flag, String remark,
            Map<String, String> extFields, byte[] body, HeaderSerialization serialization) {
        this.code = code;
        this.language = language == null ? "JAVA" : language;
        this.version = version;
        this.opaque = opaque;
        this.flag = flag;
        this.remark = remark;
        this.extFields = extFields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extFields));
        this.body = body;
        this.serialization = serialization;
    }

    /** A response to {@code request}: same opaque, same serialization, the response flag set. */
    public static RemotingCommand response(RemotingCommand request, int code, String remark,
            Map<String, String> extFields, byte[] body) {
        return new RemotingCommand(code, "JAVA", request.version, request.opaque, FLAG_RESPONSE, remark, extFields,
                body, request.serialization);
    }

    public static RemotingCommand response(RemotingCommand request, int code, String remark) {
        return response(request, code, remark, null, null);
    }

    public int code() {
        return code;
    }

    public String language() {
        return language;
    }

    public int version() {
        return version;
    }

    public int opaque() {
        return opaque;
    }

    public int flag() {
        return flag;
    }

    public String remark() {
        return remark;
    }

    public Map<String, String> extFields() {
        return extFields;
    }

    /** An extension field, or null. */
    public String ext(String name) {
        return extFields.get(name);
    }

    /** The body, or null when the frame had none. */
    public byte[] body() {
        return body;
    }

    public HeaderSerialization serialization() {
        return serialization;
    }

    public boolean isResponse() {
        return (flag & FLAG_RESPONSE) != 0;
    }

    public boolean isOneway() {
        return (flag & FLAG_ONEWAY) != 0;
    }

    @Override
    public String toString() {
        return "RemotingCommand{code=" + code + ", opaque=" + opaque + ", flag=" + flag + ", language=" + language
                + ", version=" + version + ", remark=" + remark + ", ext=" + extFields + ", body="
                + (body == null ? 0 : body.length) + "B, " + serialization + "}";
    }
}
