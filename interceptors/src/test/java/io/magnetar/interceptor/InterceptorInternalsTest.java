package io.magnetar.interceptor;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

class InterceptorInternalsTest {

    /** Against the Pulsar this module is compiled with, every member the interceptor NAR relies on is there. */
    @Test
    void thePulsarOfTheBuildHasEveryMemberTheInterceptorReliesOn() {
        assertDoesNotThrow(InterceptorInternals::check);
    }
}
