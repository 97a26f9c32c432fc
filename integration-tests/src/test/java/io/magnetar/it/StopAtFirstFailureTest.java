package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

class StopAtFirstFailureTest {

    /** A story of four scenarios whose second fails; run by the test below, not by surefire ($ classes). */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    @ExtendWith(StopAtFirstFailure.class)
    static class Story {
        @Test
        @Order(1)
        void first() {
        }

        @Test
        @Order(2)
        void second() {
            fail("the second scenario's own failure");
        }

        @Test
        @Order(3)
        void third() {
            fail("must not run after the second failed");
        }

        @Test
        @Order(4)
        void fourth() {
            fail("must not run after the second failed");
        }
    }

    @Test
    void skipsEveryScenarioAfterTheFirstFailureNamingIt() {
        Map<String, String> outcomes = new LinkedHashMap<>();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(Story.class)).build(), new TestExecutionListener() {
                    @Override
                    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                        if (test.isTest()) {
                            outcomes.put(test.getDisplayName(), result.getStatus() + result.getThrowable()
                                    .map(t -> ": " + t.getMessage()).orElse(""));
                        }
                    }
                });
        assertEquals(Map.of(
                "first()", "SUCCESSFUL",
                "second()", "FAILED: the second scenario's own failure",
                "third()", "ABORTED: Assumption failed: it continues from second(), which failed",
                "fourth()", "ABORTED: Assumption failed: it continues from second(), which failed"), outcomes);
    }
}
