package io.magnetar.rocketmq.pulsar;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Which clients are in which consumer group, from their heartbeats, as a RocketMQ broker keeps it: the clients
 * rebalance queues among the ids GET_CONSUMER_LIST_BY_GROUP returns. An entry goes when its client unregisters,
 * its connection closes, or it has sent no heartbeat for {@link #EXPIRY_MILLIS}.
 */
final class ConsumerGroups {
    static final long EXPIRY_MILLIS = 120_000;

    private record Member(ClientConnection connection, long lastHeartbeat) { }

    private final Map<String, Map<String, Member>> groups = new ConcurrentHashMap<>();
    private final LongSupplier clock;

    ConsumerGroups(LongSupplier clock) {
        this.clock = clock;
    }

    void heartbeat(String group, String clientId, ClientConnection connection) {
        groups.computeIfAbsent(group, g -> new ConcurrentHashMap<>())
                .put(clientId, new Member(connection, clock.getAsLong()));
    }

    void unregister(String group, String clientId) {
        groups.computeIfPresent(group, (g, members) -> {
            members.remove(clientId);
            return members.isEmpty() ? null : members;
        });
    }

    void disconnected(ClientConnection connection) {
        for (String group : groups.keySet()) {
            groups.computeIfPresent(group, (g, members) -> {
                members.values().removeIf(m -> m.connection == connection);
                return members.isEmpty() ? null : members;
            });
        }
    }

    /** The group's live client ids, sorted (every client computes the same allocation from them). */
    List<String> clients(String group) {
        long now = clock.getAsLong();
        Map<String, Member> members = groups.get(group);
        if (members == null) {
            return List.of();
        }
        members.values().removeIf(m -> now - m.lastHeartbeat > EXPIRY_MILLIS);
        return members.keySet().stream().sorted().toList();
    }

    int groupCount() {
        return groups.size();
    }
}
