package io.magnetar.rocketmq.route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.TreeSet;

/**
 * The body of a GET_ROUTEINFO_BY_TOPIC response (RocketMQ's {@code TopicRouteData} as JSON) for a topic of
 * {@code queues} queues whose partitions are owned by the brokers at {@code ownerAddresses} (RocketMQ addresses,
 * {@code host:port}, one per queue, in queue order).
 *
 * <p>RocketMQ clients number the queues of each broker named in a route from 0, so every owning broker is listed
 * with all {@code queues} queues: queue {@code q} on any broker is partition {@code q}. A broker answers for the
 * partitions it owns and refuses a send to another one with SERVICE_NOT_AVAILABLE (the client retries on another
 * queue); while one broker owns every partition, as in a standalone cluster, the route is exact. Each broker's
 * RocketMQ name is its RocketMQ address.
 */
public final class TopicRoute {
    /** {@code PermName.PERM_READ | PermName.PERM_WRITE}. */
    static final int PERM_READ_WRITE = 4 | 2;
    /** {@code MixAll.MASTER_ID}. */
    static final String MASTER_ID = "0";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TopicRoute() {
    }

    public static byte[] body(String cluster, int queues, List<String> ownerAddresses) {
        if (queues < 1 || ownerAddresses.size() != queues) {
            throw new IllegalArgumentException(queues + " queues but " + ownerAddresses.size() + " owners");
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode queueDatas = root.putArray("queueDatas");
        ArrayNode brokerDatas = root.putArray("brokerDatas");
        for (String address : new TreeSet<>(ownerAddresses)) {
            ObjectNode queueData = queueDatas.addObject();
            queueData.put("brokerName", address);
            queueData.put("perm", PERM_READ_WRITE);
            queueData.put("readQueueNums", queues);
            queueData.put("topicSysFlag", 0);
            queueData.put("writeQueueNums", queues);
            brokerDatas.add(brokerData(cluster, address));
        }
        root.putObject("filterServerTable");
        return write(root);
    }

    /**
     * The body of a GET_BROKER_CLUSTER_INFO response ({@code ClusterInfo}) listing the brokers at
     * {@code addresses} in {@code cluster}.
     */
    public static byte[] clusterInfo(String cluster, List<String> addresses) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode brokers = root.putObject("brokerAddrTable");
        ArrayNode names = root.putObject("clusterAddrTable").putArray(cluster);
        for (String address : new TreeSet<>(addresses)) {
            brokers.set(address, brokerData(cluster, address));
            names.add(address);
        }
        return write(root);
    }

    private static ObjectNode brokerData(String cluster, String address) {
        ObjectNode brokerData = JSON.createObjectNode();
        brokerData.putObject("brokerAddrs").put(MASTER_ID, address);
        brokerData.put("brokerName", address);
        brokerData.put("cluster", cluster);
        return brokerData;
    }

    private static byte[] write(ObjectNode root) {
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree of strings and numbers always serializes", e);
        }
    }
}
