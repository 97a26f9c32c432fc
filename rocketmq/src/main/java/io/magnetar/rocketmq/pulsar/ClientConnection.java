package io.magnetar.rocketmq.pulsar;

import java.net.SocketAddress;

/** What one connection has told about itself: its address, and its client id once a heartbeat named it. */
final class ClientConnection {
    private final SocketAddress remote;
    private volatile String clientId;

    ClientConnection(SocketAddress remote) {
        this.remote = remote;
    }

    SocketAddress remote() {
        return remote;
    }

    /** {@code host:port} of the client, as RocketMQ records a message's born host. */
    String remoteHostPort() {
        String s = String.valueOf(remote);
        return s.startsWith("/") ? s.substring(1) : s;
    }

    String clientId() {
        return clientId;
    }

    void clientId(String id) {
        this.clientId = id;
    }

    /** For logs: the client id when known, and the address. */
    @Override
    public String toString() {
        return (clientId == null ? "client" : clientId) + "@" + remoteHostPort();
    }
}
