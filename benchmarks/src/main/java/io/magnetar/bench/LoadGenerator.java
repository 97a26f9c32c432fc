package io.magnetar.bench;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;

/** Produce and consume loads on the standard Pulsar client, timed with HdrHistogram. */
final class LoadGenerator {
    private LoadGenerator() {
    }

    /** Sends as fast as the broker acknowledges, with a bounded number in flight; returns acked msg/s. */
    static double saturate(PulsarClient client, String topic, byte[] payload, int inFlight, long warmupMs,
                           long measureMs) throws Exception {
        try (Producer<byte[]> producer = client.newProducer().topic(topic).maxPendingMessages(inFlight)
                .blockIfQueueFull(true).create()) {
            Semaphore permits = new Semaphore(inFlight);
            AtomicLong acked = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            long start = System.nanoTime();
            long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
            long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMs);
            long ackedAtMeasureStart = -1;
            while (true) {
                long now = System.nanoTime();
                if (ackedAtMeasureStart < 0 && now >= measureFrom) {
                    ackedAtMeasureStart = acked.get();
                }
                if (now >= end) {
                    break;
                }
                permits.acquire();
                producer.sendAsync(payload).whenComplete((id, ex) -> {
                    if (ex == null) {
                        acked.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    permits.release();
                });
            }
            long ackedInWindow = acked.get() - ackedAtMeasureStart;
            producer.flush();
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " sends failed on " + topic);
            }
            return ackedInWindow * 1000.0 / measureMs;
        }
    }

    /** Sends at a fixed rate; latency counts from each message's scheduled time, so stalls are not hidden. */
    static Histogram fixedRate(PulsarClient client, String topic, byte[] payload, int ratePerSecond, long warmupMs,
                               long measureMs) throws Exception {
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        try (Producer<byte[]> producer = client.newProducer().topic(topic).maxPendingMessages(0)
                .blockIfQueueFull(true).create()) {
            long interval = TimeUnit.SECONDS.toNanos(1) / ratePerSecond;
            long start = System.nanoTime();
            long measureFrom = start + TimeUnit.MILLISECONDS.toNanos(warmupMs);
            long end = measureFrom + TimeUnit.MILLISECONDS.toNanos(measureMs);
            AtomicLong failed = new AtomicLong();
            for (long i = 0; ; i++) {
                long scheduled = start + i * interval;
                if (scheduled >= end) {
                    break;
                }
                long wait;
                while ((wait = scheduled - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 200_000));
                }
                boolean measured = scheduled >= measureFrom;
                producer.sendAsync(payload).whenComplete((id, ex) -> {
                    if (ex != null) {
                        failed.incrementAndGet();
                    } else if (measured) {
                        recorder.recordValue(Math.max(1, (System.nanoTime() - scheduled) / 1000));
                    }
                });
            }
            producer.flush();
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " sends failed on " + topic);
            }
        }
        return recorder.getIntervalHistogram();
    }

    /**
     * Fills a topic with {@code count} messages behind an existing subscription, then times one consumer reading
     * and acknowledging them all from the backlog.
     */
    static double drain(PulsarClient client, String topic, byte[] payload, int count) throws Exception {
        client.newConsumer().topic(topic).subscriptionName("drain")
                .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe().close();
        try (Producer<byte[]> producer = client.newProducer().topic(topic).maxPendingMessages(1000)
                .blockIfQueueFull(true).create()) {
            for (int i = 0; i < count; i++) {
                producer.sendAsync(payload);
            }
            producer.flush();
        }
        long start = System.nanoTime();
        try (Consumer<byte[]> consumer = client.newConsumer().topic(topic).subscriptionName("drain")
                .receiverQueueSize(1000).subscribe()) {
            for (int i = 0; i < count; i++) {
                Message<byte[]> m = consumer.receive(30, TimeUnit.SECONDS);
                if (m == null) {
                    throw new IllegalStateException("received " + i + " of " + count + " on " + topic);
                }
                if ((i + 1) % 500 == 0 || i == count - 1) {
                    consumer.acknowledgeCumulativeAsync(m);
                }
            }
            return count * 1e9 / (System.nanoTime() - start);
        }
    }
}
