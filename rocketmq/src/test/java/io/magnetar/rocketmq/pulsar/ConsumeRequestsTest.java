package io.magnetar.rocketmq.pulsar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.magnetar.rocketmq.consume.StoredMessage;
import io.magnetar.rocketmq.naming.NameMapping;
import io.magnetar.rocketmq.remoting.HeaderSerialization;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.magnetar.rocketmq.remoting.RequestCode;
import io.magnetar.rocketmq.remoting.ResponseCode;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.broker.service.persistent.PersistentTopic;
import org.apache.pulsar.common.naming.TopicName;
import org.apache.rocketmq.common.message.MessageDecoder;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The consumer-side answers, with the queue store stubbed. */
class ConsumeRequestsTest {
    private final Routes routes = mock(Routes.class);
    private final QueueStore store = mock(QueueStore.class);
    private final ConsumerGroups groups = new ConsumerGroups(() -> 1);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final LongAdder suspended = new LongAdder();
    private final ConsumeRequests consume = new ConsumeRequests(routes, store, groups, new NameMapping("public",
            "default"), scheduler, new InetSocketAddress("127.0.0.1", 9876), suspended);
    private final ClientConnection client = new ClientConnection(new InetSocketAddress("127.0.0.1", 5));
    private final TopicName topic = TopicName.get("persistent://public/default/orders");
    private final PersistentTopic partition = mock(PersistentTopic.class);

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private void queueExists() {
        when(routes.queues("orders")).thenReturn(
                CompletableFuture.completedFuture(Optional.of(new Routes.Queues(topic, 2))));
        when(store.topic(topic.getPartition(1))).thenReturn(CompletableFuture.completedFuture(Optional.of(partition)));
    }

    private static RemotingCommand pull(long offset, int sysFlag, long suspend) {
        return new RemotingCommand(RequestCode.PULL_MESSAGE, "JAVA", 0, 3, 0, null, Map.of("consumerGroup", "g1",
                "topic", "orders", "queueId", "1", "queueOffset", Long.toString(offset), "maxMsgNums", "32",
                "sysFlag", Integer.toString(sysFlag), "commitOffset", "5", "suspendTimeoutMillis",
                Long.toString(suspend)), null, HeaderSerialization.JSON);
    }

    @Test
    void aPullReturnsTheMessagesTheClientDecodesAndTheNextOffset() {
        queueExists();
        when(store.read(partition, 7, 32)).thenReturn(CompletableFuture.completedFuture(new QueueStore.Read(
                List.of(new StoredMessage(7, 10, 9, null, "x".getBytes(StandardCharsets.UTF_8), Map.of("TAGS", "A")),
                        new StoredMessage(8, 10, 9, null, "y".getBytes(StandardCharsets.UTF_8), Map.of())),
                9, 0, 9)));
        when(store.commit(partition, "g1", 5)).thenReturn(CompletableFuture.completedFuture(null));
        RemotingCommand r = consume.pull(pull(7, 0x1, 0), client).join();
        assertEquals(ResponseCode.SUCCESS, r.code());
        assertEquals("9", r.ext("nextBeginOffset"));
        assertEquals("0", r.ext("minOffset"));
        assertEquals("9", r.ext("maxOffset"));
        assertEquals("0", r.ext("suggestWhichBrokerId"));
        List<MessageExt> messages = MessageDecoder.decodes(ByteBuffer.wrap(r.body()));
        assertEquals(List.of(7L, 8L), messages.stream().map(MessageExt::getQueueOffset).toList());
        assertEquals("orders", messages.get(0).getTopic());
        verify(store).commit(partition, "g1", 5);
    }

    @Test
    void anEmptyQueueHoldsThePullUntilMessagesCome() {
        queueExists();
        QueueStore.Read nothing = new QueueStore.Read(List.of(), 9, 0, 9);
        QueueStore.Read some = new QueueStore.Read(List.of(new StoredMessage(9, 1, 1, null, new byte[1], Map.of())),
                10, 0, 10);
        when(store.read(partition, 9, 32)).thenReturn(CompletableFuture.completedFuture(nothing),
                CompletableFuture.completedFuture(nothing), CompletableFuture.completedFuture(some));
        RemotingCommand r = consume.pull(pull(9, 0x2, 10_000), client).join();
        assertEquals(ResponseCode.SUCCESS, r.code());
        assertEquals("10", r.ext("nextBeginOffset"));
        assertEquals(1, suspended.sum(), "one suspension, however many re-checks");
        verify(store, times(3)).read(partition, 9, 32);
    }

    @Test
    void aHeldPullAnswersNotFoundWhenItsTimeRunsOut() {
        queueExists();
        when(store.read(partition, 9, 32)).thenReturn(
                CompletableFuture.completedFuture(new QueueStore.Read(List.of(), 9, 0, 9)));
        long start = System.nanoTime();
        RemotingCommand r = consume.pull(pull(9, 0x2, 300), client).join();
        assertTrue(System.nanoTime() - start >= 250_000_000L, "held about the suspend time");
        assertEquals(ResponseCode.PULL_NOT_FOUND, r.code());
        assertEquals("9", r.ext("nextBeginOffset"));
    }

    @Test
    void aPullPastTheEndRestartsFromTheEnd() {
        queueExists();
        when(store.read(partition, 50, 32)).thenReturn(
                CompletableFuture.completedFuture(new QueueStore.Read(List.of(), 50, 0, 9)));
        RemotingCommand r = consume.pull(pull(50, 0, 0), client).join();
        assertEquals(ResponseCode.PULL_NOT_FOUND, r.code());
        assertEquals("9", r.ext("nextBeginOffset"));
    }

    @Test
    void aQueueThatIsNotHereIsEmpty() {
        when(routes.queues("orders")).thenReturn(CompletableFuture.completedFuture(Optional.empty()));
        assertEquals(ResponseCode.PULL_NOT_FOUND, consume.pull(pull(0, 0, 0), client).join().code());
    }

    @Test
    void offsetsAreAnsweredFromTheStore() {
        queueExists();
        when(store.minOffset(partition)).thenReturn(CompletableFuture.completedFuture(3L));
        when(store.searchByTime(partition, 1234)).thenReturn(CompletableFuture.completedFuture(5L));
        when(store.committed(partition, "g1")).thenReturn(CompletableFuture.completedFuture(Optional.of(6L)),
                CompletableFuture.completedFuture(Optional.empty()));
        when(store.commit(partition, "g1", 8)).thenReturn(CompletableFuture.completedFuture(null));
        Map<String, String> queue = Map.of("topic", "orders", "queueId", "1");
        assertEquals("3", consume.minOffset(request(RequestCode.GET_MIN_OFFSET, queue), client).join().ext("offset"));
        assertEquals("5", consume.searchByTime(request(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP,
                Map.of("topic", "orders", "queueId", "1", "timestamp", "1234")), client).join().ext("offset"));
        Map<String, String> group = Map.of("topic", "orders", "queueId", "1", "consumerGroup", "g1");
        assertEquals("6", consume.queryConsumerOffset(request(RequestCode.QUERY_CONSUMER_OFFSET, group), client)
                .join().ext("offset"));
        assertEquals(ResponseCode.QUERY_NOT_FOUND,
                consume.queryConsumerOffset(request(RequestCode.QUERY_CONSUMER_OFFSET, group), client).join().code());
        assertEquals(ResponseCode.SUCCESS, consume.updateConsumerOffset(request(RequestCode.UPDATE_CONSUMER_OFFSET,
                Map.of("topic", "orders", "queueId", "1", "consumerGroup", "g1", "commitOffset", "8")), client)
                .join().code());
        verify(store).commit(eq(partition), eq("g1"), anyLong());
        assertEquals(ResponseCode.SYSTEM_ERROR,
                consume.maxOffset(request(RequestCode.GET_MAX_OFFSET, Map.of("topic", "orders")), client).join().code());
    }

    @Test
    void theConsumerListIsTheGroupsLiveClients() {
        groups.heartbeat("g1", "b@2", client);
        groups.heartbeat("g1", "a@1", client);
        RemotingCommand r = consume.consumerList(request(RequestCode.GET_CONSUMER_LIST_BY_GROUP,
                Map.of("consumerGroup", "g1"))).join();
        assertEquals(ResponseCode.SUCCESS, r.code());
        assertEquals("{\"consumerIdList\":[\"a@1\",\"b@2\"]}", new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(ResponseCode.SYSTEM_ERROR, consume.consumerList(request(RequestCode.GET_CONSUMER_LIST_BY_GROUP,
                Map.of("consumerGroup", "nobody"))).join().code());
    }

    private static RemotingCommand request(int code, Map<String, String> ext) {
        return new RemotingCommand(code, "JAVA", 0, 1, 0, null, ext, null, HeaderSerialization.JSON);
    }
}
