package io.magnetar.retry.admin;

import io.magnetar.admin.AdminResponses;
import java.util.HashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.pulsar.broker.PulsarServerException;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.admin.PulsarAdminException;
import org.apache.pulsar.common.naming.NamespaceName;
import org.apache.pulsar.metadata.api.MetadataStoreException;

/**
 * Namespace properties straight in the configuration store (one versioned update, as {@code namespaces
 * set-properties} does); subscription properties through the broker's admin client, which reaches the topic's owner
 * and every partition.
 */
public final class BrokerPolicyStore implements RetryPoliciesResource.PolicyStore {
    private final PulsarService pulsar;

    public BrokerPolicyStore(PulsarService pulsar) {
        this.pulsar = pulsar;
    }

    @Override
    public CompletableFuture<Map<String, String>> namespace(String namespace) {
        return pulsar.getPulsarResources().getNamespaceResources().getPoliciesAsync(NamespaceName.get(namespace))
                .thenApply(policies -> {
                    var found = policies.orElseThrow(() -> noNamespace(namespace));
                    return found.properties == null ? Map.of() : Map.copyOf(found.properties);
                });
    }

    @Override
    public CompletableFuture<Void> updateNamespace(String namespace, UnaryOperator<Map<String, String>> change) {
        NamespaceName name = NamespaceName.get(namespace);
        // a missing namespace fails the versioned update itself with NotFoundException
        return pulsar.getPulsarResources().getNamespaceResources().setPoliciesAsync(name, policies -> {
            policies.properties = new HashMap<>(change.apply(policies.properties));
            return policies;
        }).exceptionally(ex -> {
            Throwable cause = AdminResponses.unwrap(ex);
            if (cause instanceof MetadataStoreException.NotFoundException) {
                throw noNamespace(namespace);
            }
            throw ex instanceof CompletionException c ? c : new CompletionException(cause);
        });
    }

    @Override
    public CompletableFuture<Map<String, String>> subscription(String topic, String subscription) {
        return admin(admin -> admin.topics().getSubscriptionPropertiesAsync(topic, subscription), topic, subscription);
    }

    @Override
    public CompletableFuture<Void> setSubscription(String topic, String subscription, Map<String, String> properties) {
        return admin(admin -> admin.topics().updateSubscriptionPropertiesAsync(topic, subscription, properties),
                topic, subscription);
    }

    private <T> CompletableFuture<T> admin(Function<PulsarAdmin, CompletableFuture<T>> call, String topic,
                                           String subscription) {
        PulsarAdmin admin;
        try {
            admin = pulsar.getAdminClient();
        } catch (PulsarServerException e) {
            return CompletableFuture.failedFuture(e);
        }
        return call.apply(admin).exceptionally(ex -> {
            if (AdminResponses.unwrap(ex) instanceof PulsarAdminException.NotFoundException) {
                throw new NoSuchElementException("subscription '" + subscription + "' of " + topic
                        + " does not exist");
            }
            throw ex instanceof CompletionException c ? c : new CompletionException(ex);
        });
    }

    private static NoSuchElementException noNamespace(String namespace) {
        return new NoSuchElementException("namespace '" + namespace + "' does not exist");
    }
}
