package io.magnetar.delayed.pulsar;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

class TrackerInternalsTest {

    /** Against the Pulsar this module is compiled with, every member the tracker relies on is there. */
    @Test
    void thePulsarOfTheBuildHasEveryMemberTheTrackerReliesOn() {
        assertDoesNotThrow(TrackerInternals::check);
    }
}
