package io.magnetar.rocketmq.consume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.magnetar.rocketmq.remoting.HeaderFields;
import io.magnetar.rocketmq.remoting.RemotingCodec;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.apache.rocketmq.common.protocol.header.PullMessageRequestHeader;
import org.apache.rocketmq.common.sysflag.PullSysFlag;
import org.junit.jupiter.api.Test;

/** Pull requests as the official 4.9.8 client builds them. */
class PullRequestTest {
    private static RemotingCommand wire(int sysFlag, int max) throws Exception {
        PullMessageRequestHeader h = new PullMessageRequestHeader();
        h.setConsumerGroup("g1");
        h.setTopic("orders");
        h.setQueueId(2);
        h.setQueueOffset(17L);
        h.setMaxMsgNums(max);
        h.setSysFlag(sysFlag);
        h.setCommitOffset(12L);
        h.setSuspendTimeoutMillis(15000L);
        h.setSubscription("TagA || TagB");
        h.setSubVersion(1L);
        h.setExpressionType("TAG");
        org.apache.rocketmq.remoting.protocol.RemotingCommand request =
                org.apache.rocketmq.remoting.protocol.RemotingCommand.createRequestCommand(11, h);
        ByteBuf frame = Unpooled.wrappedBuffer(request.encode());
        frame.skipBytes(4);
        return new RemotingCodec(1 << 20, 1 << 16).decode(frame);
    }

    @Test
    void readsWhatThePushConsumerSends() throws Exception {
        PullRequest p = PullRequest.parse(wire(PullSysFlag.buildSysFlag(true, true, true, false), 32));
        assertEquals("g1", p.group());
        assertEquals("orders", p.topic());
        assertEquals(2, p.queueId());
        assertEquals(17, p.queueOffset());
        assertEquals(32, p.maxMessages());
        assertEquals(12, p.commitOffset());
        assertEquals(15000, p.suspendMillis());
        assertEquals("TagA || TagB", p.subscription());
        assertEquals("TAG", p.expressionType());
    }

    @Test
    void withoutTheFlagsNothingIsCommittedOrHeldAndTheBatchIsCapped() throws Exception {
        PullRequest p = PullRequest.parse(wire(PullSysFlag.buildSysFlag(false, false, true, false), 1000));
        assertEquals(-1, p.commitOffset());
        assertEquals(0, p.suspendMillis());
        assertEquals(PullRequest.MAX_MESSAGES, p.maxMessages());
    }

    @Test
    void aMissingFieldIsRefused() {
        RemotingCommand bare = new RemotingCommand(11, "JAVA", 0, 1, 0, null,
                java.util.Map.of("consumerGroup", "g", "topic", "t", "queueId", "0", "sysFlag", "0"), null,
                io.magnetar.rocketmq.remoting.HeaderSerialization.JSON);
        HeaderFields.InvalidHeaderException e = assertThrows(HeaderFields.InvalidHeaderException.class,
                () -> PullRequest.parse(bare));
        assertEquals("header field queueOffset is missing", e.getMessage());
    }
}
