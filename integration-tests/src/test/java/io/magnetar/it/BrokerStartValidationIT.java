package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.StandaloneCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A bad Magnetar key in broker.conf stops the broker at start, with a message naming the key and the value. */
class BrokerStartValidationIT {

    @Test
    void unknownDefaultFeatureFailsBrokerStart() {
        try (StandaloneCluster pulsar = StandaloneCluster.builder("bad-conf")
                .conf("magnetarDefaultFeatures", "delay,teleport").build().startNoWait()) {
            int exit = pulsar.broker(0).process().awaitExit(Duration.ofSeconds(180));
            assertNotEquals(0, exit, "the broker must not run with an invalid magnetarDefaultFeatures");
            assertTrue(pulsar.broker(0).process().logContains("magnetarDefaultFeatures: unknown feature 'teleport'"),
                    pulsar.broker(0).process().logTail(80));
        }
    }
}
