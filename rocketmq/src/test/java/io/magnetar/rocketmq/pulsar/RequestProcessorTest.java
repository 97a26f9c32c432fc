package io.magnetar.rocketmq.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.magnetar.metrics.MagnetarMetrics;
import io.magnetar.rocketmq.message.SendRequest;
import io.magnetar.rocketmq.remoting.HeaderSerialization;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.magnetar.rocketmq.remoting.RequestCode;
import io.magnetar.rocketmq.remoting.ResponseCode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.broker.service.BrokerServiceException;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.rocketmq.common.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

/** Dispatch and answers of every implemented request code, with the broker side stubbed. */
class RequestProcessorTest {
    private final Routes routes = mock(Routes.class);
    private final MessagePublisher publisher = mock(MessagePublisher.class);
    private final MagnetarMetrics metrics = new MagnetarMetrics("rocketmq", "c1");
    private final ConsumeRequests consume = mock(ConsumeRequests.class);
    private final ConsumerGroups groups = new ConsumerGroups(() -> 1000);
    private final RequestProcessor processor = new RequestProcessor(routes, publisher, consume, groups, metrics, "c1",
            1024);
    private final ClientConnection client = new ClientConnection(new InetSocketAddress("127.0.0.1", 5555));
    private final TopicName topic = TopicName.get("persistent://public/default/orders");

    private static RemotingCommand request(int code, Map<String, String> ext, byte[] body) {
        return new RemotingCommand(code, "JAVA", 395, 7, 0, null, ext, body, HeaderSerialization.JSON);
    }

    private RemotingCommand answer(RemotingCommand request) {
        RemotingCommand r = processor.process(request, client).join();
        assertEquals(request.opaque(), r.opaque());
        assertTrue(r.isResponse());
        return r;
    }

    private static Map<String, String> send(String queueId) {
        return Map.of("a", "pg", "b", "orders", "c", "TBW102", "d", "4", "e", queueId, "f", "0", "g", "1700",
                "h", "0", "i", "TAGS\u0001TagA\u0002");
    }

    @Test
    void routeInfoListsTheQueuesAndOwners() {
        Routes.Queues queues = new Routes.Queues(topic, 2);
        when(routes.queues("orders")).thenReturn(CompletableFuture.completedFuture(Optional.of(queues)));
        when(routes.owners(queues)).thenReturn(CompletableFuture.completedFuture(List.of("h:1", "h:1")));
        RemotingCommand r = answer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, Map.of("topic", "orders"), null));
        assertEquals(ResponseCode.SUCCESS, r.code());
        TopicRouteData route = TopicRouteData.decode(r.body(), TopicRouteData.class);
        assertEquals(2, route.getQueueDatas().get(0).getWriteQueueNums());
    }

    @Test
    void routeInfoOfATopicThatMayNotBeCreatedIsTopicNotExist() {
        when(routes.queues("nope")).thenReturn(CompletableFuture.completedFuture(Optional.empty()));
        RemotingCommand r = answer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, Map.of("topic", "nope"), null));
        assertEquals(ResponseCode.TOPIC_NOT_EXIST, r.code());
        assertNull(r.body());
    }

    @Test
    void routeInfoWithoutATopicIsAnError() {
        assertEquals(ResponseCode.SYSTEM_ERROR,
                answer(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, Map.of(), null)).code());
    }

    @Test
    void clusterInfoNamesThisBroker() {
        when(routes.ownAddress()).thenReturn("h:1");
        RemotingCommand r = answer(request(RequestCode.GET_BROKER_CLUSTER_INFO, Map.of(), null));
        assertEquals(ResponseCode.SUCCESS, r.code());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("\"c1\":[\"h:1\"]"));
    }

    @Test
    void aHeartbeatNamesTheClient() {
        byte[] body = ("{\"clientID\":\"10.0.0.1@4242\",\"producerDataSet\":[{\"groupName\":\"pg\"}],"
                + "\"consumerDataSet\":[]}").getBytes(StandardCharsets.UTF_8);
        assertEquals(ResponseCode.SUCCESS, answer(request(RequestCode.HEART_BEAT, Map.of(), body)).code());
        assertEquals("10.0.0.1@4242", client.clientId());
        assertEquals(ResponseCode.SYSTEM_ERROR,
                answer(request(RequestCode.HEART_BEAT, Map.of(), "{".getBytes(StandardCharsets.UTF_8))).code());
    }

    @Test
    void aConsumersHeartbeatJoinsItsGroupsAndUnregisterOrCloseLeaves() {
        byte[] body = ("{\"clientID\":\"c@1\",\"producerDataSet\":[],\"consumerDataSet\":[{\"groupName\":\"g1\","
                + "\"consumeType\":\"CONSUME_PASSIVELY\",\"subscriptionDataSet\":[]},{\"groupName\":\"g2\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(ResponseCode.SUCCESS, answer(request(RequestCode.HEART_BEAT, Map.of(), body)).code());
        assertEquals(List.of("c@1"), groups.clients("g1"));
        assertEquals(List.of("c@1"), groups.clients("g2"));
        answer(request(RequestCode.UNREGISTER_CLIENT, Map.of("clientID", "c@1", "consumerGroup", "g1"), null));
        assertEquals(List.of(), groups.clients("g1"));
        processor.disconnected(client);
        assertEquals(List.of(), groups.clients("g2"));
    }

    @Test
    void consumerRequestsGoToTheConsumerSide() {
        RemotingCommand ok = RemotingCommand.response(request(0, Map.of(), null), ResponseCode.SUCCESS, null);
        CompletableFuture<RemotingCommand> done = CompletableFuture.completedFuture(ok);
        when(consume.pull(any(), any())).thenReturn(done);
        when(consume.queryConsumerOffset(any(), any())).thenReturn(done);
        when(consume.updateConsumerOffset(any(), any())).thenReturn(done);
        when(consume.maxOffset(any(), any())).thenReturn(done);
        when(consume.minOffset(any(), any())).thenReturn(done);
        when(consume.searchByTime(any(), any())).thenReturn(done);
        when(consume.consumerList(any())).thenReturn(done);
        for (int code : new int[] {RequestCode.PULL_MESSAGE, RequestCode.QUERY_CONSUMER_OFFSET,
                RequestCode.UPDATE_CONSUMER_OFFSET, RequestCode.GET_MAX_OFFSET, RequestCode.GET_MIN_OFFSET,
                RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, RequestCode.GET_CONSUMER_LIST_BY_GROUP}) {
            processor.process(request(code, Map.of(), null), client).join();
        }
        verify(consume).pull(any(), eq(client));
        verify(consume).queryConsumerOffset(any(), eq(client));
        verify(consume).updateConsumerOffset(any(), eq(client));
        verify(consume).maxOffset(any(), eq(client));
        verify(consume).minOffset(any(), eq(client));
        verify(consume).searchByTime(any(), eq(client));
        verify(consume).consumerList(any());
    }

    @Test
    void unregisterIsAcknowledged() {
        assertEquals(ResponseCode.SUCCESS, answer(request(RequestCode.UNREGISTER_CLIENT,
                Map.of("clientID", "x", "producerGroup", "pg"), null)).code());
    }

    @Test
    void aSendAnswersWithTheMessageIdAndTheQueueOffset() {
        Routes.Queues queues = new Routes.Queues(topic, 4);
        when(routes.queues("orders")).thenReturn(CompletableFuture.completedFuture(Optional.of(queues)));
        when(publisher.publish(eq(topic.getPartition(2)), any(SendRequest.class), eq("127.0.0.1:5555")))
                .thenReturn(CompletableFuture.completedFuture(
                        new MessagePublisher.Published(topic.getPartition(2), 11, 12, 40)));
        for (int code : new int[] {RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE}) {
            byte[] body = code == RequestCode.SEND_BATCH_MESSAGE
                    ? org.apache.rocketmq.common.message.MessageDecoder.encodeMessage(
                            new org.apache.rocketmq.common.message.Message("orders", "x".getBytes()))
                    : "x".getBytes();
            RemotingCommand r = answer(request(code, send("2"), body));
            assertEquals(ResponseCode.SUCCESS, r.code());
            assertEquals("11:12:2", r.ext("msgId"));
            assertEquals("2", r.ext("queueId"));
            assertEquals("40", r.ext("queueOffset"));
        }
        assertTrue(metrics.toPrometheusText().contains(
                "magnetar_rocketmq_requests_total{cluster=\"c1\",code=\"SEND_MESSAGE_V2\",outcome=\"success\"} 1"),
                metrics.toPrometheusText());
    }

    @Test
    void aSendToAQueueBeyondThePartitionsIsIllegal() {
        when(routes.queues("orders")).thenReturn(
                CompletableFuture.completedFuture(Optional.of(new Routes.Queues(topic, 0))));
        assertEquals(ResponseCode.MESSAGE_ILLEGAL,
                answer(request(RequestCode.SEND_MESSAGE_V2, send("1"), "x".getBytes())).code());
        verify(publisher, never()).publish(any(), any(), anyString());
    }

    @Test
    void aMalformedSendIsIllegalAndAnOversizedOneToo() {
        assertEquals(ResponseCode.MESSAGE_ILLEGAL,
                answer(request(RequestCode.SEND_MESSAGE_V2, Map.of("a", "pg"), "x".getBytes())).code());
        assertEquals(ResponseCode.MESSAGE_ILLEGAL,
                answer(request(RequestCode.SEND_MESSAGE_V2, send("0"), new byte[1025])).code());
    }

    @Test
    void aSendToAPartitionOwnedElsewhereAsksTheClientToRetry() {
        when(routes.queues("orders")).thenReturn(
                CompletableFuture.completedFuture(Optional.of(new Routes.Queues(topic, 0))));
        when(publisher.publish(eq(topic), any(), anyString())).thenReturn(CompletableFuture.failedFuture(
                new BrokerServiceException.ServiceUnitNotReadyException("not served here")));
        assertEquals(ResponseCode.SERVICE_NOT_AVAILABLE,
                answer(request(RequestCode.SEND_MESSAGE, Map.of("producerGroup", "pg", "topic", "orders",
                        "queueId", "0", "sysFlag", "0", "bornTimestamp", "1", "flag", "0"), "x".getBytes())).code());
    }

    @Test
    void aSendToATopicThatMayNotBeCreatedIsTopicNotExist() {
        when(routes.queues("orders")).thenReturn(CompletableFuture.completedFuture(Optional.empty()));
        assertEquals(ResponseCode.TOPIC_NOT_EXIST,
                answer(request(RequestCode.SEND_MESSAGE_V2, send("0"), "x".getBytes())).code());
        when(routes.queues("orders")).thenReturn(
                CompletableFuture.completedFuture(Optional.of(new Routes.Queues(topic, 0))));
        when(publisher.publish(eq(topic), any(), anyString())).thenReturn(CompletableFuture.failedFuture(
                new MessagePublisher.TopicNotFoundException(topic.toString())));
        assertEquals(ResponseCode.TOPIC_NOT_EXIST,
                answer(request(RequestCode.SEND_MESSAGE_V2, send("0"), "x".getBytes())).code());
    }

    @Test
    void unimplementedCodesAreNotSupported() {
        RemotingCommand r = answer(request(RequestCode.END_TRANSACTION, Map.of(), null));
        assertEquals(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, r.code());
        assertEquals(ResponseCode.REQUEST_CODE_NOT_SUPPORTED, answer(request(9999, Map.of(), null)).code());
        assertTrue(metrics.toPrometheusText().contains("code=\"END_TRANSACTION\",outcome=\"unsupported\"} 1"));
    }
}
