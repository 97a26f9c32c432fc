package io.magnetar.it;

/** What an IT class opens once for all its scenarios (cluster, client, admin), closed in its @AfterAll. */
final class ClassResources {
    private ClassResources() {
    }

    /**
     * Closes each resource in the order given, as a try-with-resources would in reverse: skips the nulls of a
     * start that failed half-way, closes the rest when one fails, and throws the first failure.
     */
    static void closeInOrder(AutoCloseable... resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception | AssertionError e) {
                Exception failure = e instanceof Exception ex ? ex : new Exception(e);
                if (first == null) {
                    first = failure;
                } else {
                    first.addSuppressed(failure);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
