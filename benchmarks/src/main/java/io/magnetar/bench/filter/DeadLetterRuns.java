package io.magnetar.bench.filter;

import io.magnetar.it.harness.StandaloneCluster;
import java.io.PrintStream;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;

/**
 * The dead-letter phase of {@link FilterBenchmark}: a consumer without a dead-letter policy of its own nacks every
 * message (broker policy {@code magnetar.retry.backoff=1s}, {@code magnetar.retry.maxReconsumeTimes=2}) while a
 * producer publishes at a fixed rate and the broker is killed with -9 and restarted several times. Every message
 * the producer saw acknowledged must reach {@code <topic>-<sub>-DLQ} once.
 *
 * <p>Counting: a dead letter is identified by its own message id (a redelivery of the same DLQ entry to the
 * inspecting consumer is not a duplicate) and belongs to the original message named by {@code ORIGIN_MESSAGE_ID};
 * a duplicate is a second dead letter for the same original. An audit subscription on the topic tells producer
 * resends (the same value stored twice, which Pulsar allows without deduplication) apart from DLQ duplicates.
 */
final class DeadLetterRuns {
    private static final String TOPIC = "persistent://" + FilterBenchmark.NAMESPACE + "/orders";
    private static final String SUBSCRIPTION = "worker";
    private static final String DLQ = TOPIC + "-" + SUBSCRIPTION + "-DLQ";

    record Result(long lost, long duplicates) { }

    private DeadLetterRuns() {
    }

    static Result run(StandaloneCluster cluster, boolean quick, PrintStream out) throws Exception {
        int messages = quick ? 600 : 3_000;
        int rate = quick ? 60 : 100;
        int kills = quick ? 2 : 5;
        long killEveryMs = quick ? 4_000 : 6_000;
        long settleMs = quick ? 60_000 : 180_000;
        out.printf("dead letters: %d messages at %d msg/s (batches of up to 10), Shared consumer nacking all, no"
                + " client DLQ, magnetar.retry.backoff=1s maxReconsumeTimes=2; %d x (%d s, kill -9, restart)%n",
                messages, rate, kills, killEveryMs / 1000);

        Map<String, Boolean> acked = new ConcurrentHashMap<>();
        AtomicLong sendFailures = new AtomicLong();
        Map<String, Set<MessageId>> deadByOrigin = new ConcurrentHashMap<>();
        Map<String, Set<String>> deadValuesByOrigin = new ConcurrentHashMap<>();
        Map<String, Set<MessageId>> storedByValue = new ConcurrentHashMap<>();
        AtomicLong nacks = new AtomicLong();
        AtomicInteger highestReconsume = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();

        try (PulsarClient client = PulsarClient.builder().serviceUrl(cluster.serviceUrl())
                .operationTimeout(60, TimeUnit.SECONDS).startingBackoffInterval(100, TimeUnit.MILLISECONDS)
                .maxBackoffInterval(2, TimeUnit.SECONDS).build();
             Consumer<String> worker = client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName(SUBSCRIPTION)
                     .subscriptionType(SubscriptionType.Shared)
                     .subscriptionProperties(Map.of("magnetar.retry.backoff", "1s",
                             "magnetar.retry.maxReconsumeTimes", "2"))
                     .negativeAckRedeliveryDelay(100, TimeUnit.MILLISECONDS).subscribe();
             Consumer<String> audit = client.newConsumer(Schema.STRING).topic(TOPIC).subscriptionName("audit")
                     .subscriptionType(SubscriptionType.Shared).subscribe();
             Consumer<String> dead = client.newConsumer(Schema.STRING).topic(DLQ).subscriptionName("inspect")
                     .subscriptionType(SubscriptionType.Shared)
                     .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe();
             Producer<String> producer = client.newProducer(Schema.STRING).topic(TOPIC).enableBatching(true)
                     .batchingMaxMessages(10).batchingMaxPublishDelay(20, TimeUnit.MILLISECONDS)
                     .sendTimeout(0, TimeUnit.SECONDS).maxPendingMessages(messages).create()) {
            Thread failing = loop("nack-all", stop, worker, m -> {
                highestReconsume.accumulateAndGet(reconsumes(m), Math::max);
                nacks.incrementAndGet();
                worker.negativeAcknowledge(m);
            });
            Thread auditing = loop("audit", stop, audit, m -> {
                storedByValue.computeIfAbsent(m.getValue(), k -> ConcurrentHashMap.newKeySet()).add(m.getMessageId());
                audit.acknowledgeAsync(m);
            });
            Thread inspecting = loop("dlq", stop, dead, m -> {
                String origin = String.valueOf(m.getProperty("ORIGIN_MESSAGE_ID"));
                deadByOrigin.computeIfAbsent(origin, k -> ConcurrentHashMap.newKeySet()).add(m.getMessageId());
                deadValuesByOrigin.computeIfAbsent(origin, k -> ConcurrentHashMap.newKeySet()).add(m.getValue());
                dead.acknowledgeAsync(m);
            });
            Thread publisher = new Thread(() -> {
                long interval = TimeUnit.SECONDS.toNanos(1) / rate;
                long start = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    long wait;
                    while ((wait = start + i * interval - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    String value = "order-" + i;
                    producer.sendAsync(value).whenComplete((id, e) -> {
                        if (e == null) {
                            acked.put(value, Boolean.TRUE);
                        } else {
                            sendFailures.incrementAndGet();
                        }
                    });
                }
            }, "dlq-publisher");
            publisher.start();

            long begin = System.nanoTime();
            for (int k = 1; k <= kills; k++) {
                Thread.sleep(killEveryMs);
                FilterBenchmark.progress("dead letters: kill -9 #" + k + " (" + acked.size() + " sent, "
                        + deadByOrigin.size() + " dead-lettered)");
                long killed = System.nanoTime();
                cluster.broker(0).killAndRestart(StandaloneCluster.START_TIMEOUT);
                out.printf("  kill -9 #%d at %.1f s: %d acknowledged sends, %d dead letters so far; healthy again"
                        + " after %.1f s%n", k, (killed - begin) / 1e9, acked.size(), deadByOrigin.size(),
                        (System.nanoTime() - killed) / 1e9);
            }
            publisher.join();
            producer.flush();
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settleMs);
            while (System.nanoTime() < deadline && !allDead(acked.keySet(), deadValuesByOrigin)) {
                Thread.sleep(200);
            }
            double settled = (System.nanoTime() - begin) / 1e9;
            Thread.sleep(8_000); // a late second dead letter would show here
            stop.set(true);
            failing.join();
            auditing.join();
            inspecting.join();

            Set<String> deadValues = ConcurrentHashMap.newKeySet();
            deadValuesByOrigin.values().forEach(deadValues::addAll);
            long lost = acked.keySet().stream().filter(v -> !deadValues.contains(v)).count();
            long duplicates = deadByOrigin.values().stream().mapToLong(ids -> ids.size() - 1).sum();
            long resent = storedByValue.values().stream().filter(ids -> ids.size() > 1).count();
            long deadLetters = deadByOrigin.values().stream().mapToLong(Set::size).sum();
            out.printf("  acknowledged sends %d (failed %d); stored in the topic %d values (%d stored twice by"
                    + " producer resends); nacks %d, highest RECONSUMETIMES seen %d%n", acked.size(),
                    sendFailures.get(), storedByValue.size(), resent, nacks.get(), highestReconsume.get());
            out.printf("  dead letters %d for %d originals (every acknowledged send in the DLQ after %.1f s: %s);"
                    + " lost %d; duplicates %d%n", deadLetters, deadByOrigin.size(), settled,
                    lost == 0 ? "yes" : "NO", lost, duplicates);
            // which broker lifetime wrote each dead letter: every restart starts a new ledger of the DLQ topic
            Map<Long, Long> perLedger = new java.util.TreeMap<>();
            deadByOrigin.values().forEach(ids -> ids.forEach(id -> perLedger.merge(
                    ((org.apache.pulsar.client.api.MessageIdAdv) id).getLedgerId(), 1L, Long::sum)));
            long duplicatedOriginals = deadByOrigin.values().stream().filter(ids -> ids.size() > 1).count();
            out.printf("  dead letters per DLQ ledger (a restart opens a new ledger): %s; originals dead-lettered"
                    + " more than once: %d%n", perLedger, duplicatedOriginals);
            if (lost > 0) {
                out.printf("  lost (first 20): %s%n", acked.keySet().stream().filter(v -> !deadValues.contains(v))
                        .sorted().limit(20).toList());
            }
            if (duplicates > 0) {
                out.printf("  duplicated originals (first 20): %s%n", deadByOrigin.entrySet().stream()
                        .filter(e -> e.getValue().size() > 1).limit(20)
                        .map(e -> e.getKey() + "=" + deadValuesByOrigin.get(e.getKey()) + " " + e.getValue())
                        .toList());
            }
            return new Result(lost, duplicates);
        }
    }

    private static boolean allDead(Set<String> acked, Map<String, Set<String>> deadValuesByOrigin) {
        Set<String> deadValues = ConcurrentHashMap.newKeySet();
        deadValuesByOrigin.values().forEach(deadValues::addAll);
        return deadValues.containsAll(acked);
    }

    private static int reconsumes(Message<String> m) {
        String value = m.getProperty("RECONSUMETIMES");
        return value == null ? 0 : Integer.parseInt(value);
    }

    private interface Handler {
        void accept(Message<String> message) throws Exception;
    }

    /** A receive loop on its own thread until {@code stop}; errors while the broker is down are retried. */
    private static Thread loop(String name, AtomicBoolean stop, Consumer<String> consumer, Handler handler) {
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    Message<String> m = consumer.receive(200, TimeUnit.MILLISECONDS);
                    if (m != null) {
                        handler.accept(m);
                    }
                } catch (Exception e) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
