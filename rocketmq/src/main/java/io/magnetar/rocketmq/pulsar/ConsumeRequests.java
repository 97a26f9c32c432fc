package io.magnetar.rocketmq.pulsar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.magnetar.rocketmq.consume.PullRequest;
import io.magnetar.rocketmq.consume.PulledMessage;
import io.magnetar.rocketmq.consume.PulledMessages;
import io.magnetar.rocketmq.naming.NameMapping;
import io.magnetar.rocketmq.remoting.HeaderFields;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.magnetar.rocketmq.remoting.ResponseCode;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.broker.service.persistent.PersistentTopic;
import org.apache.pulsar.common.naming.TopicName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer side: PULL_MESSAGE (held up to the client's suspend time while the queue has nothing new, re-checked
 * every {@link #POLL_INTERVAL_MILLIS}), the offsets (query, update, min, max, search by time, all on the group's
 * Pulsar subscription, see {@link QueueStore}) and the group's client list.
 */
final class ConsumeRequests {
    private static final Logger log = LoggerFactory.getLogger(ConsumeRequests.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final long POLL_INTERVAL_MILLIS = 100;

    private final Routes routes;
    private final QueueStore store;
    private final ConsumerGroups groups;
    private final NameMapping names;
    private final ScheduledExecutorService scheduler;
    private final InetSocketAddress storeHost;
    private final LongAdder suspended;

    ConsumeRequests(Routes routes, QueueStore store, ConsumerGroups groups, NameMapping names,
            ScheduledExecutorService scheduler, InetSocketAddress storeHost, LongAdder suspended) {
        this.routes = routes;
        this.store = store;
        this.groups = groups;
        this.names = names;
        this.scheduler = scheduler;
        this.storeHost = storeHost;
        this.suspended = suspended;
    }

    private static RemotingCommand error(RemotingCommand request, int code, String remark) {
        return RemotingCommand.response(request, code, remark);
    }

    /** The queue's topic, or empty when the topic or the queue does not exist or is not served here. */
    private CompletableFuture<Optional<PersistentTopic>> queue(String topic, int queueId) {
        return routes.queues(topic).thenCompose(queues -> {
            if (queues.isEmpty() || queueId >= queues.get().count()) {
                return CompletableFuture.completedFuture(Optional.<PersistentTopic>empty());
            }
            TopicName queueTopic = queues.get().queue(queueId);
            return store.topic(queueTopic).exceptionally(e -> {
                log.debug("queue {} of {} not served here: {}", queueId, topic, e.toString());
                return Optional.empty();
            });
        });
    }

    private CompletableFuture<RemotingCommand> withQueue(RemotingCommand request, QueueHandler handler) {
        HeaderFields h = new HeaderFields(request);
        String topic;
        int queueId;
        try {
            topic = h.string("topic");
            queueId = h.integer("queueId");
        } catch (HeaderFields.InvalidHeaderException e) {
            return CompletableFuture.completedFuture(error(request, ResponseCode.SYSTEM_ERROR, e.getMessage()));
        }
        return queue(topic, queueId).thenCompose(t -> {
            try {
                return handler.handle(h, t);
            } catch (HeaderFields.InvalidHeaderException e) {
                return CompletableFuture.completedFuture(error(request, ResponseCode.SYSTEM_ERROR, e.getMessage()));
            }
        });
    }

    private interface QueueHandler {
        CompletableFuture<RemotingCommand> handle(HeaderFields h, Optional<PersistentTopic> topic)
                throws HeaderFields.InvalidHeaderException;
    }

    CompletableFuture<RemotingCommand> maxOffset(RemotingCommand request, ClientConnection client) {
        return withQueue(request, (h, t) -> CompletableFuture.completedFuture(
                offsetResponse(request, t.map(QueueStore::maxOffset).orElse(0L))));
    }

    CompletableFuture<RemotingCommand> minOffset(RemotingCommand request, ClientConnection client) {
        return withQueue(request, (h, t) -> t.isEmpty()
                ? CompletableFuture.completedFuture(offsetResponse(request, 0))
                : store.minOffset(t.get()).thenApply(o -> offsetResponse(request, o)));
    }

    CompletableFuture<RemotingCommand> searchByTime(RemotingCommand request, ClientConnection client) {
        return withQueue(request, (h, t) -> {
            long timestamp = h.longValue("timestamp");
            return t.isEmpty() ? CompletableFuture.completedFuture(offsetResponse(request, 0))
                    : store.searchByTime(t.get(), timestamp).thenApply(o -> offsetResponse(request, o));
        });
    }

    CompletableFuture<RemotingCommand> queryConsumerOffset(RemotingCommand request, ClientConnection client) {
        return withQueue(request, (h, t) -> {
            String subscription = names.subscription(h.string("consumerGroup"));
            if (t.isEmpty()) {
                return CompletableFuture.completedFuture(
                        error(request, ResponseCode.QUERY_NOT_FOUND, "no such queue here"));
            }
            return store.committed(t.get(), subscription).thenApply(o -> o
                    .map(offset -> offsetResponse(request, offset))
                    .orElseGet(() -> error(request, ResponseCode.QUERY_NOT_FOUND,
                            "group " + subscription + " has no offset on " + t.get().getName())));
        });
    }

    CompletableFuture<RemotingCommand> updateConsumerOffset(RemotingCommand request, ClientConnection client) {
        return withQueue(request, (h, t) -> {
            String subscription = names.subscription(h.string("consumerGroup"));
            long offset = h.longValue("commitOffset");
            if (t.isEmpty()) {
                return CompletableFuture.completedFuture(
                        error(request, ResponseCode.SYSTEM_ERROR, "queue not served here"));
            }
            return store.commit(t.get(), subscription, offset).thenApply(__ -> {
                log.debug("[{}] group {} committed offset {} on {}", client, subscription, offset, t.get().getName());
                return RemotingCommand.response(request, ResponseCode.SUCCESS, null);
            });
        });
    }

    CompletableFuture<RemotingCommand> consumerList(RemotingCommand request) {
        String group = request.ext("consumerGroup");
        if (group == null) {
            return CompletableFuture.completedFuture(error(request, ResponseCode.SYSTEM_ERROR, "consumerGroup missing"));
        }
        List<String> clients = groups.clients(group);
        if (clients.isEmpty()) {
            return CompletableFuture.completedFuture(error(request, ResponseCode.SYSTEM_ERROR,
                    "no consumer of group " + group + " is online"));
        }
        ObjectNode body = JSON.createObjectNode();
        clients.forEach(body.putArray("consumerIdList")::add);
        try {
            return CompletableFuture.completedFuture(RemotingCommand.response(request, ResponseCode.SUCCESS, null,
                    null, JSON.writeValueAsBytes(body)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    CompletableFuture<RemotingCommand> pull(RemotingCommand request, ClientConnection client) {
        PullRequest pull;
        try {
            pull = PullRequest.parse(request);
        } catch (HeaderFields.InvalidHeaderException e) {
            return CompletableFuture.completedFuture(error(request, ResponseCode.SYSTEM_ERROR, e.getMessage()));
        }
        return queue(pull.topic(), pull.queueId()).thenCompose(t -> {
            CompletableFuture<Void> committed = t.isPresent() && pull.commitOffset() >= 0
                    ? store.commit(t.get(), names.subscription(pull.group()), pull.commitOffset())
                    : CompletableFuture.completedFuture(null);
            long deadline = System.currentTimeMillis() + pull.suspendMillis();
            return committed.thenCompose(__ -> poll(request, client, pull, t, deadline, false));
        });
    }

    private CompletableFuture<RemotingCommand> poll(RemotingCommand request, ClientConnection client,
            PullRequest pull, Optional<PersistentTopic> topic, long deadline, boolean counted) {
        if (topic.isEmpty()) {
            return suspendOrAnswer(request, client, pull, topic, deadline, counted,
                    pullResponse(request, ResponseCode.PULL_NOT_FOUND, pull.queueOffset(), 0, 0, null));
        }
        return store.read(topic.get(), pull.queueOffset(), pull.maxMessages()).thenCompose(read -> {
            if (!read.messages().isEmpty()) {
                List<PulledMessage> messages = new ArrayList<>(read.messages().size());
                read.messages().forEach(m -> messages.add(PulledMessages.of(m, pull.topic(), pull.queueId(), storeHost)));
                log.debug("[{}] group {} pulled {} message(s) from {} queue {} at {}", client, pull.group(),
                        messages.size(), pull.topic(), pull.queueId(), pull.queueOffset());
                return CompletableFuture.completedFuture(pullResponse(request, ResponseCode.SUCCESS,
                        read.nextOffset(), read.minOffset(), read.maxOffset(), PulledMessages.encode(messages)));
            }
            long next = Math.min(read.nextOffset(), read.maxOffset());
            return suspendOrAnswer(request, client, pull, topic, deadline, counted,
                    pullResponse(request, ResponseCode.PULL_NOT_FOUND, next, read.minOffset(), read.maxOffset(), null));
        });
    }

    private CompletableFuture<RemotingCommand> suspendOrAnswer(RemotingCommand request, ClientConnection client,
            PullRequest pull, Optional<PersistentTopic> topic, long deadline, boolean counted,
            RemotingCommand nothing) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
            return CompletableFuture.completedFuture(nothing);
        }
        if (!counted) {
            suspended.increment();
        }
        CompletableFuture<RemotingCommand> later = new CompletableFuture<>();
        scheduler.schedule(() -> poll(request, client, pull, topic, deadline, true).whenComplete((r, e) -> {
            if (e != null) {
                later.completeExceptionally(e);
            } else {
                later.complete(r);
            }
        }), Math.min(left, POLL_INTERVAL_MILLIS), TimeUnit.MILLISECONDS);
        return later;
    }

    private static RemotingCommand pullResponse(RemotingCommand request, int code, long next, long min, long max,
            byte[] body) {
        Map<String, String> header = new LinkedHashMap<>();
        header.put("suggestWhichBrokerId", "0");
        header.put("nextBeginOffset", Long.toString(next));
        header.put("minOffset", Long.toString(min));
        header.put("maxOffset", Long.toString(max));
        return RemotingCommand.response(request, code, null, header, body);
    }

    private static RemotingCommand offsetResponse(RemotingCommand request, long offset) {
        return RemotingCommand.response(request, ResponseCode.SUCCESS, null, Map.of("offset", Long.toString(offset)),
                null);
    }
}
