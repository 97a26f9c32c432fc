package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.MultiBrokerCluster;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ZooKeeper + bookie + 2 brokers: a flag set through one broker is in force on the other within 2 s. */
class ClusterFeatureFlagsIT {
    private static MultiBrokerCluster cluster;

    @BeforeAll
    static void start() {
        cluster = MultiBrokerCluster.builder("flags-cluster").brokers(2).start();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String features(int broker, String tenant) {
        return cluster.broker(broker).webUrl() + "/magnetar/v1/tenants/" + tenant + "/features";
    }

    private static double interceptorOverrides(int broker) {
        return Metrics.value(Metrics.scrape(cluster.broker(broker).webUrl() + "/metrics/"),
                "magnetar_interceptor_flag_tenants_overridden").orElse(-1);
    }

    @Test
    void flagSetOnOneBrokerIsSeenByTheOtherWithinTwoSeconds() {
        assertEquals(0, interceptorOverrides(1));
        Http.Response put = Http.put(features(0, "public"), "{\"delay\":true,\"deadLetter\":true}");
        assertEquals(200, put.status(), put.body());

        Await.until("broker 1's admin API shows the change", Duration.ofSeconds(2),
                () -> Http.get(features(1, "public")).body(),
                () -> Http.get(features(1, "public")).body().contains("\"overrides\":{\"delay\":true,\"deadLetter\":true}"));
        Await.until("broker 1's interceptor sees the change", Duration.ofSeconds(2),
                () -> interceptorOverrides(1) == 1);

        assertEquals(200, Http.delete(features(1, "public")).status());
        Await.until("broker 0 sees the reset made on broker 1", Duration.ofSeconds(2),
                () -> Http.get(features(0, "public")).body(),
                () -> Http.get(features(0, "public")).body().contains("\"overrides\":{}"));
        Await.until("broker 0's interceptor sees the reset", Duration.ofSeconds(2), () -> interceptorOverrides(0) == 0);
    }
}
