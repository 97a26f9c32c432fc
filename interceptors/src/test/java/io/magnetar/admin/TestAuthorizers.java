package io.magnetar.admin;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.BooleanSupplier;
import org.apache.pulsar.common.policies.data.TenantInfo;

/** Authorizers for the admin resources' tests: switched on by {@code enabled}, allowing what {@code allowed} says. */
public final class TestAuthorizers {
    private TestAuthorizers() {
    }

    static FeaturesResource.Authorizer of(BooleanSupplier enabled,
                                          BiPredicate<TenantInfo, FeaturesResource.Caller> allowed) {
        return new FeaturesResource.Authorizer() {
            @Override
            public boolean enabled() {
                return enabled.getAsBoolean();
            }

            @Override
            public CompletableFuture<Boolean> mayAdminister(String tenant, TenantInfo info,
                                                            FeaturesResource.Caller caller) {
                return CompletableFuture.completedFuture(allowed.test(info, caller));
            }
        };
    }

    /** Switched on by {@code enabled}; allows the role {@code admin} only. */
    public static FeaturesResource.Authorizer adminRole(BooleanSupplier enabled) {
        return of(enabled, (info, caller) -> "admin".equals(caller.role()));
    }
}
