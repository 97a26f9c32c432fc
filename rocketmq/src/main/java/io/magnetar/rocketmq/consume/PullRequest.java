package io.magnetar.rocketmq.consume;

import io.magnetar.rocketmq.remoting.HeaderFields;
import io.magnetar.rocketmq.remoting.RemotingCommand;

/**
 * A PULL_MESSAGE request ({@code PullMessageRequestHeader}).
 *
 * @param commitOffset the consumer's progress to store first, or -1 when the commit flag is off
 * @param suspendMillis how long to hold the request when nothing is there, 0 when the suspend flag is off
 */
public record PullRequest(String group, String topic, int queueId, long queueOffset, int maxMessages,
        long commitOffset, long suspendMillis, String subscription, String expressionType) {
    /** {@code PullSysFlag} bits. */
    static final int FLAG_COMMIT_OFFSET = 0x1;
    static final int FLAG_SUSPEND = 0x1 << 1;
    /** The most messages one pull returns, whatever the client asks (RocketMQ's own default ceiling). */
    public static final int MAX_MESSAGES = 32;

    public static PullRequest parse(RemotingCommand request) throws HeaderFields.InvalidHeaderException {
        HeaderFields h = new HeaderFields(request);
        int sysFlag = h.integer("sysFlag");
        int queueId = h.integer("queueId");
        long offset = h.longValue("queueOffset");
        if (queueId < 0 || offset < 0) {
            throw new HeaderFields.InvalidHeaderException("queueId and queueOffset must be >= 0");
        }
        int max = Math.max(1, Math.min(MAX_MESSAGES, h.integer("maxMsgNums")));
        long commit = (sysFlag & FLAG_COMMIT_OFFSET) != 0 ? h.optionalLong("commitOffset", -1) : -1;
        long suspend = (sysFlag & FLAG_SUSPEND) != 0 ? Math.max(0, h.optionalLong("suspendTimeoutMillis", 0)) : 0;
        return new PullRequest(h.string("consumerGroup"), h.string("topic"), queueId, offset, max,
                commit, suspend, h.optionalString("subscription"), h.optionalString("expressionType"));
    }
}
