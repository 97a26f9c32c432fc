package io.magnetar.rocketmq.pulsar;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.namespace.LookupOptions;
import org.apache.pulsar.broker.service.BrokerServiceException;
import org.apache.pulsar.common.naming.TopicName;

/**
 * RocketMQ clients send and pull on routes they cached, without the lookup a Pulsar client makes first: after a
 * restart or unload nobody may own the topic's bundle yet. A topic operation refused as "not served here" is retried
 * once after a lookup, which lets this broker take an unowned bundle as Pulsar's own lookup would.
 */
final class Ownership {
    private Ownership() {
    }

    static <T> CompletableFuture<T> afterLookupIfNotServed(PulsarService pulsar, TopicName topic,
            Supplier<CompletableFuture<T>> operation) {
        return operation.get().exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof BrokerServiceException.ServiceUnitNotReadyException)) {
                return CompletableFuture.failedFuture(cause);
            }
            LookupOptions options = LookupOptions.builder().authoritative(false).loadTopicsInBundle(false).build();
            return pulsar.getNamespaceService().getBrokerServiceUrlAsync(topic, options)
                    .thenCompose(__ -> operation.get());
        });
    }
}
