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
        Throwable first = null;
        for (AutoCloseable resource : resources) {
            if (resource == null) {
                continue;
            }
            try {
                resource.close();
            } catch (Exception | Error e) { // an Error too: a cluster's close fails on a leak report
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof Error error) {
            throw error;
        }
        if (first != null) {
            throw (Exception) first;
        }
    }
}
