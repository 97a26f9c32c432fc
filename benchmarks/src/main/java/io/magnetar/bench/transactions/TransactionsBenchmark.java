package io.magnetar.bench.transactions;

import static io.magnetar.bench.report.Report.median;

import io.magnetar.bench.Host;
import io.magnetar.bench.report.Report;
import io.magnetar.bench.report.Table;
import io.magnetar.client.TransactionalProducer;
import io.magnetar.it.harness.Http;
import io.magnetar.it.harness.StandaloneCluster;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.api.transaction.Transaction;

/**
 * {@code bin/magnetar bench transactions [--quick]}: on one real standalone broker with Magnetar installed,
 * {@code transaction} on for {@code public} and Pulsar's transaction coordinator on, the same 1 KiB messages sent
 * by the same number of threads, one message per transaction: plain sends, Magnetar's RocketMQ-style transactions
 * ({@link TransactionalProducer}: half message, local transaction, COMMIT), and Pulsar's native transactions (open,
 * send, commit). Throughput in alternating rounds, and commit-to-visible latency (the local transaction's COMMIT, or
 * Pulsar's commit call, until an Exclusive consumer receives the message).
 */
public final class TransactionsBenchmark {
    private static final String NS = "public/txn-bench";
    private static final int THREADS = 16;

    private TransactionsBenchmark() {
    }

    private interface Sender {
        void send(int thread, long n) throws Exception;
    }

    public static void run(boolean quick, PrintStream out) throws Exception {
        int rounds = quick ? 2 : 4;
        long warmupMs = quick ? 1_000 : 2_000;
        long measureMs = quick ? 4_000 : 8_000;
        int latencyMessages = quick ? 300 : 2_000;
        byte[] payload = new byte[1024];
        Arrays.fill(payload, (byte) 't');
        out.printf("transactions benchmark (%s): one Pulsar 4.0.8 standalone with Magnetar, transaction on for tenant"
                + " public, transactionCoordinatorEnabled=true; load average at start %s%n", quick ? "quick" : "full",
                Host.loadAverage());
        out.printf("  publish: 1 KiB, batching off, %d threads each sending one message per transaction and waiting"
                + " for it; one discarded warm-up round (r0) then %d rounds of %d s (after %d s warm-up), order rotated"
                + ", medians%n", THREADS, rounds, measureMs / 1000, warmupMs / 1000);
        out.printf("  commit-to-visible: %d messages each, one at a time, Exclusive consumer; from the local"
                + " transaction's COMMIT (Magnetar) or txn.commit() (native) to receive%n%n", latencyMessages);

        StandaloneCluster cluster = StandaloneCluster.builder("bench-transactions")
                .memory("-Xms1g -Xmx1g -XX:MaxDirectMemorySize=1g")
                .conf("transactionCoordinatorEnabled", "true")
                .conf("systemTopicEnabled", "true")
                .start();
        try {
            Http.Response on = Http.put(cluster.webUrl() + "/magnetar/v1/tenants/public/features",
                    "{\"transaction\":true}");
            if (on.status() != 200) {
                throw new IllegalStateException("could not switch transaction on: " + on.status() + " " + on.body());
            }
            try (PulsarClient client = PulsarClient.builder().serviceUrl(cluster.serviceUrl())
                    .enableTransaction(true).operationTimeout(60, TimeUnit.SECONDS).build();
                 PulsarAdmin admin = cluster.newAdmin(0)) {
                admin.namespaces().createNamespace(NS);
                String plainTopic = "persistent://" + NS + "/plain";
                String magnetarTopic = "persistent://" + NS + "/magnetar";
                String nativeTopic = "persistent://" + NS + "/native";
                Producer<byte[]> plain = client.newProducer().topic(plainTopic).enableBatching(false).create();
                Producer<byte[]> nativeProducer = client.newProducer().topic(nativeTopic).enableBatching(false)
                        .sendTimeout(0, TimeUnit.SECONDS).create();
                Map<String, Long> committedAt = new ConcurrentHashMap<>();
                TransactionalProducer.TransactionListener<byte[]> listener = new TransactionalProducer
                        .TransactionListener<>() {
                    @Override
                    public TransactionalProducer.LocalTransactionState executeLocalTransaction(
                            TransactionalProducer.HalfMessage<byte[]> message, Object arg) {
                        committedAt.put(message.transactionId(), System.nanoTime());
                        return TransactionalProducer.LocalTransactionState.COMMIT_MESSAGE;
                    }

                    @Override
                    public TransactionalProducer.LocalTransactionState checkLocalTransaction(
                            TransactionalProducer.HalfMessage<byte[]> message) {
                        return TransactionalProducer.LocalTransactionState.COMMIT_MESSAGE;
                    }
                };
                List<TransactionalProducer<byte[]>> magnetar = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    magnetar.add(TransactionalProducer.create(client, Schema.BYTES, magnetarTopic, "bench", listener));
                }
                TransactionalProducer.Half<byte[]> half = new TransactionalProducer.Half<>(null, payload, Map.of());
                Map<String, Sender> senders = new java.util.LinkedHashMap<>();
                senders.put("plain", (thread, n) -> plain.send(payload));
                senders.put("magnetar-txn", (thread, n) -> magnetar.get(thread).send(half, null));
                senders.put("native-txn", (thread, n) -> {
                    Transaction txn = client.newTransaction().withTransactionTimeout(1, TimeUnit.MINUTES).build()
                            .get();
                    nativeProducer.newMessage(txn).value(payload).send();
                    txn.commit().get();
                });

                Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
                senders.keySet().forEach(k -> rates.put(k, new ArrayList<>()));
                Table table = new Table(out, "%-6d", "%-14s", "%14.0f").header("round", "kind", "msg/s");
                List<String> order = new ArrayList<>(senders.keySet());
                for (int round = 0; round <= rounds; round++) {
                    for (String kind : order) {
                        progress("round " + round + " " + kind);
                        double rate = measure(senders.get(kind), warmupMs, measureMs);
                        table.row(round, kind, rate);
                        if (round > 0) {
                            rates.get(kind).add(rate);
                        }
                    }
                    Collections.rotate(order, 1);
                }

                progress("commit-to-visible");
                Histogram magnetarLatency = new Histogram(60_000_000L, 3);
                try (Consumer<byte[]> consumer = client.newConsumer().topic(magnetarTopic).subscriptionName("latency")
                        .subscriptionType(SubscriptionType.Exclusive).subscribe()) {
                    for (int i = 0; i < latencyMessages; i++) {
                        String id = magnetar.get(0).send(half, null).transactionId();
                        Message<byte[]> m = receive(consumer, id, "ORIGIN_MESSAGE_ID");
                        magnetarLatency.recordValue((System.nanoTime() - committedAt.remove(id)) / 1_000);
                        consumer.acknowledge(m);
                    }
                }
                Histogram nativeLatency = new Histogram(60_000_000L, 3);
                try (Consumer<byte[]> consumer = client.newConsumer().topic(nativeTopic).subscriptionName("latency")
                        .subscriptionType(SubscriptionType.Exclusive).subscribe()) {
                    for (int i = 0; i < latencyMessages; i++) {
                        Transaction txn = client.newTransaction().withTransactionTimeout(1, TimeUnit.MINUTES).build()
                                .get();
                        String marker = Integer.toString(i);
                        nativeProducer.newMessage(txn).value(payload).property("n", marker).send();
                        long start = System.nanoTime();
                        txn.commit().get();
                        Message<byte[]> m = receive(consumer, marker, "n");
                        nativeLatency.recordValue((System.nanoTime() - start) / 1_000);
                        consumer.acknowledge(m);
                    }
                }
                for (TransactionalProducer<byte[]> p : magnetar) {
                    p.close();
                }
                plain.close();
                nativeProducer.close();

                double plainRate = median(rates.get("plain"));
                double magnetarRate = median(rates.get("magnetar-txn"));
                double nativeRate = median(rates.get("native-txn"));
                out.printf("%nmetric                                                   value%n");
                out.printf("%-56s %.0f%n", "publish plain, median msg/s", plainRate);
                out.printf("%-56s %.0f%n", "publish Magnetar transactional, median msg/s", magnetarRate);
                out.printf("%-56s %.0f%n", "publish Pulsar native transactions, median msg/s", nativeRate);
                out.printf("%-56s %.3f%n", "Magnetar / plain (target >= 0.5)", magnetarRate / plainRate);
                out.printf("%-56s %.3f%n", "Magnetar / native", magnetarRate / nativeRate);
                out.printf("%-56s %s%n", "commit-to-visible Magnetar p50 / p99 / max ms", millis(magnetarLatency));
                out.printf("%-56s %s%n", "commit-to-visible native p50 / p99 / max ms", millis(nativeLatency));
                out.println();
                Report.result(out, "publish_ratio_vs_plain=%.3f commit_visible_p99_ms=%.1f publish_ratio_vs_native_txn"
                        + "=%.3f", magnetarRate / plainRate, magnetarLatency.getValueAtPercentile(99) / 1000.0,
                        magnetarRate / nativeRate);
            }
        } finally {
            cluster.close();
        }
    }

    /** Messages per second over {@code measureMs}, after {@code warmupMs}, with {@link #THREADS} senders. */
    private static double measure(Sender sender, long warmupMs, long measureMs) throws Exception {
        AtomicLong counted = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
        long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMs);
        CountDownLatch done = new CountDownLatch(THREADS);
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Thread worker = new Thread(() -> {
                try {
                    long n = 0;
                    while (System.nanoTime() < end) {
                        sender.send(thread, n++);
                        if (System.nanoTime() >= measureFrom) {
                            counted.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            }, "bench-sender-" + t);
            worker.start();
        }
        done.await();
        if (!errors.isEmpty()) {
            throw new IllegalStateException("a sender failed", errors.get(0));
        }
        return counted.get() * 1000.0 / measureMs;
    }

    private static Message<byte[]> receive(Consumer<byte[]> consumer, String value, String property)
            throws Exception {
        while (true) {
            Message<byte[]> m = consumer.receive(30, TimeUnit.SECONDS);
            if (m == null) {
                throw new IllegalStateException("message " + value + " not received within 30 s");
            }
            if (value.equals(m.getProperty(property))) {
                return m;
            }
            consumer.acknowledge(m); // a message of an earlier phase
        }
    }

    private static String millis(Histogram h) {
        return String.format("%.1f / %.1f / %.1f", h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
    }

    private static void progress(String phase) {
        Report.progress("transactions", phase);
    }
}
