package io.magnetar.api;

/**
 * The admin REST API's paths. The servlet is mounted at {@link #ROOT} on the broker's web service; the resources
 * see the path below it, starting with {@link #V1}.
 */
public final class AdminPaths {
    public static final String ROOT = "/magnetar";
    public static final String V1 = "/v1";
    /** {@code /v1/tenants/{tenant}/features} */
    public static final String TENANTS = V1 + "/tenants/";
    public static final String FEATURES = "/features";
    /** {@code /v1/retry/{tenant}/{namespace}[/{topic}/{subscription}]} */
    public static final String RETRY = V1 + "/retry/";
    /** {@code /v1/deadletters/{tenant}/{namespace}/{topic}/{subscription}/redrive} */
    public static final String DEAD_LETTERS = V1 + "/deadletters/";
    public static final String REDRIVE = "/redrive";

    private AdminPaths() {
    }
}
