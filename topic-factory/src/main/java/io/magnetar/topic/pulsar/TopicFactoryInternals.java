package io.magnetar.topic.pulsar;

import io.magnetar.plugin.PulsarInternals;
import io.magnetar.retry.pulsar.RetryingSubscription;
import io.netty.buffer.ByteBuf;
import java.util.Map;
import org.apache.bookkeeper.mledger.ManagedCursor;
import org.apache.bookkeeper.mledger.ManagedLedger;
import org.apache.bookkeeper.mledger.impl.EntryImpl;
import org.apache.pulsar.broker.service.BrokerService;
import org.apache.pulsar.broker.service.MagnetarProducerAccess;
import org.apache.pulsar.broker.service.Producer;
import org.apache.pulsar.broker.service.persistent.PersistentSubscription;
import org.apache.pulsar.broker.service.persistent.PersistentTopic;

/**
 * The Pulsar members the topic factory's classes rely on (docs/architecture.md), checked when Pulsar builds the
 * factory, during the broker service's construction: a missing one fails the broker start with its name instead
 * of failing, or silently doing nothing, on the publish path.
 */
final class TopicFactoryInternals {

    private TopicFactoryInternals() {
    }

    static void check() {
        PulsarInternals.requireConstructor(PersistentTopic.class, String.class, ManagedLedger.class,
                BrokerService.class);
        PulsarInternals.requireOverrides(MagnetarTopic.class, "initialize", "onPoliciesUpdate", "publishMessage",
                "createPersistentSubscription", "removeProducer", "delete", "deleteForcefully", "isActive",
                "deleteTopicPolicies", "close");
        PulsarInternals.requireConstructor(PersistentSubscription.class, PersistentTopic.class, String.class,
                ManagedCursor.class, Boolean.class, Map.class);
        PulsarInternals.requireOverrides(RetryingSubscription.class, "redeliverUnacknowledgedMessages");
        PulsarInternals.requireMethod(EntryImpl.class, "create", long.class, long.class, ByteBuf.class);
        // package-private and @VisibleForTesting in Pulsar: only the JVM's linkage says whether the lib jar's
        // class in Pulsar's package can still reach it
        PulsarInternals.requireLinkable("Producer.getPendingPublishAcks()",
                () -> MagnetarProducerAccess.pendingPublishes((Producer) null));
    }
}
