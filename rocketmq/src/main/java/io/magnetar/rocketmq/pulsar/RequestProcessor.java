package io.magnetar.rocketmq.pulsar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.magnetar.metrics.MagnetarMetrics;
import io.magnetar.rocketmq.message.InvalidMessageException;
import io.magnetar.rocketmq.message.SendRequest;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.magnetar.rocketmq.remoting.RequestCode;
import io.magnetar.rocketmq.remoting.ResponseCode;
import io.magnetar.rocketmq.route.TopicRoute;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pulsar.broker.service.BrokerServiceException;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request: dispatch by request code to the name-server role ({@link Routes}), the producer path
 * ({@link MessagePublisher}) or the client bookkeeping; every code not implemented gets REQUEST_CODE_NOT_SUPPORTED
 * (logged once per code). Counts each request by code and outcome.
 */
final class RequestProcessor {
    private static final Logger log = LoggerFactory.getLogger(RequestProcessor.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Routes routes;
    private final MessagePublisher publisher;
    private final ConsumeRequests consume;
    private final ConsumerGroups groups;
    private final MagnetarMetrics metrics;
    private final String cluster;
    private final int maxMessageBytes;
    private final Set<Integer> unsupportedLogged = ConcurrentHashMap.newKeySet();

    RequestProcessor(Routes routes, MessagePublisher publisher, ConsumeRequests consume, ConsumerGroups groups,
            MagnetarMetrics metrics, String cluster, int maxMessageBytes) {
        this.routes = routes;
        this.publisher = publisher;
        this.consume = consume;
        this.groups = groups;
        this.metrics = metrics;
        this.cluster = cluster;
        this.maxMessageBytes = maxMessageBytes;
    }

    CompletableFuture<RemotingCommand> process(RemotingCommand request, ClientConnection client) {
        CompletableFuture<RemotingCommand> response;
        try {
            response = switch (request.code()) {
                case RequestCode.GET_ROUTEINFO_BY_TOPIC -> route(request, client);
                case RequestCode.GET_BROKER_CLUSTER_INFO -> CompletableFuture.completedFuture(
                        RemotingCommand.response(request, ResponseCode.SUCCESS, null, null,
                                TopicRoute.clusterInfo(cluster, List.of(routes.ownAddress()))));
                case RequestCode.HEART_BEAT -> heartbeat(request, client);
                case RequestCode.UNREGISTER_CLIENT -> unregister(request);
                case RequestCode.PULL_MESSAGE -> consume.pull(request, client);
                case RequestCode.QUERY_CONSUMER_OFFSET -> consume.queryConsumerOffset(request, client);
                case RequestCode.UPDATE_CONSUMER_OFFSET -> consume.updateConsumerOffset(request, client);
                case RequestCode.GET_MAX_OFFSET -> consume.maxOffset(request, client);
                case RequestCode.GET_MIN_OFFSET -> consume.minOffset(request, client);
                case RequestCode.SEARCH_OFFSET_BY_TIMESTAMP -> consume.searchByTime(request, client);
                case RequestCode.GET_CONSUMER_LIST_BY_GROUP -> consume.consumerList(request);
                case RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE ->
                        send(request, client);
                default -> unsupported(request, client);
            };
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return response.exceptionally(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            log.warn("[{}] {} failed: {}", client, RequestCode.name(request.code()), cause.toString());
            return RemotingCommand.response(request, ResponseCode.SYSTEM_ERROR, cause.getMessage());
        }).thenApply(r -> {
            metrics.counter("requests", "RocketMQ requests answered, by request code and outcome",
                    "code", RequestCode.name(request.code()), "outcome", outcome(r.code())).increment();
            return r;
        });
    }

    private static String outcome(int responseCode) {
        return switch (responseCode) {
            case ResponseCode.SUCCESS -> "success";
            case ResponseCode.REQUEST_CODE_NOT_SUPPORTED -> "unsupported";
            case ResponseCode.TOPIC_NOT_EXIST -> "topic_not_exist";
            case ResponseCode.MESSAGE_ILLEGAL -> "message_illegal";
            case ResponseCode.SERVICE_NOT_AVAILABLE -> "service_not_available";
            case ResponseCode.PULL_NOT_FOUND -> "pull_not_found";
            case ResponseCode.QUERY_NOT_FOUND -> "query_not_found";
            default -> "error";
        };
    }

    private static CompletableFuture<RemotingCommand> ok(RemotingCommand request) {
        return CompletableFuture.completedFuture(RemotingCommand.response(request, ResponseCode.SUCCESS, null));
    }

    /** The connection closed: its clients leave their groups. */
    void disconnected(ClientConnection client) {
        groups.disconnected(client);
    }

    private CompletableFuture<RemotingCommand> unregister(RemotingCommand request) {
        String clientId = request.ext("clientID");
        String group = request.ext("consumerGroup");
        if (clientId != null && group != null) {
            groups.unregister(group, clientId);
        }
        return ok(request);
    }

    private CompletableFuture<RemotingCommand> unsupported(RemotingCommand request, ClientConnection client) {
        if (unsupportedLogged.add(request.code())) {
            log.warn("[{}] request code {} is not supported (logged once per code)", client,
                    RequestCode.name(request.code()));
        }
        return CompletableFuture.completedFuture(RemotingCommand.response(request,
                ResponseCode.REQUEST_CODE_NOT_SUPPORTED, "request code " + request.code() + " not supported"));
    }

    private CompletableFuture<RemotingCommand> route(RemotingCommand request, ClientConnection client) {
        String topic = request.ext("topic");
        if (topic == null || topic.isEmpty()) {
            return CompletableFuture.completedFuture(
                    RemotingCommand.response(request, ResponseCode.SYSTEM_ERROR, "topic is missing"));
        }
        return routes.queues(topic).thenCompose(queues -> {
            if (queues.isEmpty()) {
                log.debug("[{}] route of topic {}: does not exist", client, topic);
                return CompletableFuture.completedFuture(RemotingCommand.response(request,
                        ResponseCode.TOPIC_NOT_EXIST, "No topic route info in name server for the topic: " + topic));
            }
            return routes.owners(queues.get()).thenApply(owners -> {
                log.debug("[{}] route of topic {}: {} owners {}", client, topic, queues.get().topic(), owners);
                return RemotingCommand.response(request, ResponseCode.SUCCESS, null, null,
                        TopicRoute.body(cluster, queues.get().count(), owners));
            });
        });
    }

    private CompletableFuture<RemotingCommand> heartbeat(RemotingCommand request, ClientConnection client) {
        if (request.body() != null) {
            try {
                JsonNode heartbeat = JSON.readTree(request.body());
                String id = heartbeat.path("clientID").asText(null);
                if (id != null) {
                    for (JsonNode consumer : heartbeat.path("consumerDataSet")) {
                        String group = consumer.path("groupName").asText(null);
                        if (group != null) {
                            groups.heartbeat(group, id, client);
                        }
                    }
                }
                if (id != null && !id.equals(client.clientId())) {
                    client.clientId(id);
                    log.info("[{}] RocketMQ client connected: producer groups {}, consumer groups {}", client,
                            groups(heartbeat.path("producerDataSet")), groups(heartbeat.path("consumerDataSet")));
                }
            } catch (IOException e) {
                return CompletableFuture.completedFuture(RemotingCommand.response(request, ResponseCode.SYSTEM_ERROR,
                        "heartbeat body does not parse: " + e.getMessage()));
            }
        }
        return ok(request);
    }

    private static List<String> groups(JsonNode set) {
        return set.findValuesAsText("groupName");
    }

    private CompletableFuture<RemotingCommand> send(RemotingCommand request, ClientConnection client) {
        SendRequest send;
        try {
            send = SendRequest.parse(request, maxMessageBytes);
        } catch (InvalidMessageException e) {
            log.warn("[{}] {} refused: {}", client, RequestCode.name(request.code()), e.getMessage());
            return CompletableFuture.completedFuture(
                    RemotingCommand.response(request, ResponseCode.MESSAGE_ILLEGAL, e.getMessage()));
        }
        return routes.queues(send.topic()).thenCompose(queues -> {
            if (queues.isEmpty()) {
                return CompletableFuture.completedFuture(RemotingCommand.response(request,
                        ResponseCode.TOPIC_NOT_EXIST, "topic " + send.topic() + " does not exist"));
            }
            if (send.queueId() >= queues.get().count()) {
                return CompletableFuture.completedFuture(RemotingCommand.response(request,
                        ResponseCode.MESSAGE_ILLEGAL, "queue " + send.queueId() + " of topic " + send.topic()
                                + " does not exist (" + queues.get().count() + " queues)"));
            }
            TopicName queueTopic = queues.get().queue(send.queueId());
            return publisher.publish(queueTopic, send, client.remoteHostPort()).handle((published, e) -> {
                if (e != null) {
                    return sendFailure(request, client, send, queueTopic, e);
                }
                Map<String, String> header = new LinkedHashMap<>();
                header.put("msgId", published.messageId(queueTopic.getPartitionIndex()));
                header.put("queueId", Integer.toString(send.queueId()));
                header.put("queueOffset", Long.toString(published.firstOffset()));
                log.debug("[{}] group {} sent {} message(s) to {} at {}:{} offset {}", client, send.producerGroup(),
                        send.messages().size(), queueTopic, published.ledgerId(), published.entryId(),
                        published.firstOffset());
                return RemotingCommand.response(request, ResponseCode.SUCCESS, null, header, null);
            });
        });
    }

    private static RemotingCommand sendFailure(RemotingCommand request, ClientConnection client, SendRequest send,
            TopicName queueTopic, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof MessagePublisher.TopicNotFoundException) {
            return RemotingCommand.response(request, ResponseCode.TOPIC_NOT_EXIST, cause.getMessage());
        }
        // Not owned here (ownership moved, or another broker's partition): the client retries another queue.
        if (cause instanceof BrokerServiceException.ServiceUnitNotReadyException
                || cause instanceof BrokerServiceException.TopicFencedException) {
            log.info("[{}] group {}: {} not available here: {}", client, send.producerGroup(), queueTopic,
                    cause.getMessage());
            return RemotingCommand.response(request, ResponseCode.SERVICE_NOT_AVAILABLE, cause.getMessage());
        }
        if (cause instanceof BrokerServiceException.NotAllowedException) {
            return RemotingCommand.response(request, ResponseCode.MESSAGE_ILLEGAL, cause.getMessage());
        }
        log.warn("[{}] group {}: publish to {} failed: {}", client, send.producerGroup(), queueTopic,
                cause.toString());
        return RemotingCommand.response(request, ResponseCode.SYSTEM_ERROR, cause.getMessage());
    }
}
