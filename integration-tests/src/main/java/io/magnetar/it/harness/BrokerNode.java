package io.magnetar.it.harness;

import java.time.Duration;

/** One broker (or standalone) process and where it listens. */
public final class BrokerNode {
    private final PulsarProcess process;
    private final int brokerPort;
    private final int webPort;

    private final String adminToken;

    BrokerNode(PulsarProcess process, int brokerPort, int webPort, String adminToken) {
        this.process = process;
        this.brokerPort = brokerPort;
        this.webPort = webPort;
        this.adminToken = adminToken;
    }

    public PulsarProcess process() {
        return process;
    }

    public String serviceUrl() {
        return "pulsar://127.0.0.1:" + brokerPort;
    }

    public String webUrl() {
        return "http://127.0.0.1:" + webPort;
    }

    /** The broker id Pulsar uses in lookups and ownership, {@code host:webPort}. */
    public String brokerId() {
        return "127.0.0.1:" + webPort;
    }

    public boolean healthy() {
        Http.Response r = Http.get(webUrl() + "/admin/v2/brokers/health", adminToken);
        return r.status() == 200 && r.body().contains("ok");
    }

    /** Whether {@code public/default} exists yet (a standalone creates it after it starts serving). */
    public boolean hasPublicDefault() {
        return Http.get(webUrl() + "/admin/v2/namespaces/public", adminToken).body().contains("public/default");
    }

    void awaitHealthy(Duration timeout) {
        process.awaitReady("healthy", timeout, this::healthy);
    }

    /** kill -9, then start again with the same configuration and ports, and wait until healthy. */
    public void killAndRestart(Duration timeout) {
        process.kill9();
        process.start();
        awaitHealthy(timeout);
    }

    public void kill9() {
        process.kill9();
    }

    public void restart(Duration timeout) {
        process.start();
        awaitHealthy(timeout);
    }
}
