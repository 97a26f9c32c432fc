package io.magnetar.it;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * For an IT class whose ordered scenarios continue one story (each reads on from what the one before left on the
 * shared cluster): once a scenario fails, each later one is skipped by an assumption naming it, instead of failing
 * for the earlier one's reason.
 */
final class StopAtFirstFailure implements TestWatcher, BeforeEachCallback {
    private static final ExtensionContext.Namespace FAILED = ExtensionContext.Namespace.create(StopAtFirstFailure.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        String failed = classStore(context).get("failed", String.class);
        assumeTrue(failed == null, () -> "it continues from " + failed + ", which failed");
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        classStore(context).getOrComputeIfAbsent("failed", k -> context.getDisplayName(), String.class);
    }

    private static ExtensionContext.Store classStore(ExtensionContext context) {
        return context.getParent().orElseThrow().getStore(FAILED);
    }
}
