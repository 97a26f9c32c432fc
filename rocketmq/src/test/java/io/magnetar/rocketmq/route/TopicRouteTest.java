package io.magnetar.rocketmq.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.impl.producer.TopicPublishInfo;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.common.protocol.body.ClusterInfo;
import org.apache.rocketmq.common.protocol.route.TopicRouteData;
import org.junit.jupiter.api.Test;

/** Route bodies as the official client's name-server code reads them. */
class TopicRouteTest {
    @Test
    void oneOwnerGivesExactlyThePartitionsAsQueues() {
        byte[] body = TopicRoute.body("c1", 4, List.of("10.0.0.1:9876", "10.0.0.1:9876", "10.0.0.1:9876",
                "10.0.0.1:9876"));
        TopicRouteData route = TopicRouteData.decode(body, TopicRouteData.class);
        assertEquals(1, route.getBrokerDatas().size());
        assertEquals("10.0.0.1:9876", route.getBrokerDatas().get(0).getBrokerAddrs().get(0L));
        assertEquals("c1", route.getBrokerDatas().get(0).getCluster());

        TopicPublishInfo publish = MQClientInstance.topicRouteData2TopicPublishInfo("t", route);
        assertEquals(List.of(0, 1, 2, 3), publish.getMessageQueueList().stream().map(MessageQueue::getQueueId).toList());
        Set<MessageQueue> subscribe = MQClientInstance.topicRouteData2TopicSubscribeInfo("t", route);
        assertEquals(4, subscribe.size());
        assertTrue(subscribe.stream().allMatch(q -> q.getBrokerName().equals("10.0.0.1:9876")));
    }

    @Test
    void aNonPartitionedTopicIsOneQueue() {
        TopicRouteData route = TopicRouteData.decode(TopicRoute.body("c1", 1, List.of("h:1")), TopicRouteData.class);
        assertEquals(1, MQClientInstance.topicRouteData2TopicPublishInfo("t", route).getMessageQueueList().size());
    }

    @Test
    void everyOwnerIsListedWithEveryQueue() {
        TopicRouteData route = TopicRouteData.decode(TopicRoute.body("c1", 3, List.of("b:2", "a:1", "b:2")),
                TopicRouteData.class);
        assertEquals(Set.of("a:1", "b:2"), route.getBrokerDatas().stream()
                .map(b -> b.getBrokerAddrs().get(0L)).collect(Collectors.toSet()));
        assertEquals(6, MQClientInstance.topicRouteData2TopicPublishInfo("t", route).getMessageQueueList().size());
    }

    @Test
    void ownersMustMatchTheQueues() {
        assertThrows(IllegalArgumentException.class, () -> TopicRoute.body("c", 2, List.of("a:1")));
        assertThrows(IllegalArgumentException.class, () -> TopicRoute.body("c", 0, List.of()));
    }

    @Test
    void clusterInfoNamesTheBrokers() {
        ClusterInfo info = ClusterInfo.decode(TopicRoute.clusterInfo("c1", List.of("h:1")), ClusterInfo.class);
        assertEquals(Set.of("h:1"), info.getClusterAddrTable().get("c1"));
        assertEquals("h:1", info.getBrokerAddrTable().get("h:1").getBrokerAddrs().get(0L));
    }
}
