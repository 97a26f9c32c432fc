package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassResourcesTest {

    @Test
    void closesEveryResourceInOrderSkippingNullsAndThrowsTheFirstFailure() {
        List<String> closed = new ArrayList<>();
        IOException adminFailed = new IOException("admin");
        IllegalStateException clientFailed = new IllegalStateException("client");
        IOException thrown = assertThrows(IOException.class, () -> ClassResources.closeInOrder(
                () -> {
                    closed.add("admin");
                    throw adminFailed;
                },
                null,
                () -> {
                    closed.add("client");
                    throw clientFailed;
                },
                () -> closed.add("cluster")));
        assertEquals(List.of("admin", "client", "cluster"), closed, "the cluster closed although two failed");
        assertSame(adminFailed, thrown);
        assertEquals(List.of(clientFailed), List.of(thrown.getSuppressed()));
    }

    @Test
    void aClustersLeakReportStaysAnAssertionError() {
        AssertionError leak = new AssertionError("Netty reported leaked buffers in cluster it");
        assertSame(leak, assertThrows(AssertionError.class, () -> ClassResources.closeInOrder(() -> {
            throw leak;
        })));
    }
}
