package io.magnetar.topic.pulsar;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

class TopicFactoryInternalsTest {

    /** Against the Pulsar this module is compiled with, every member the topic factory relies on is there. */
    @Test
    void thePulsarOfTheBuildHasEveryMemberTheTopicFactoryReliesOn() {
        assertDoesNotThrow(TopicFactoryInternals::check);
    }
}
