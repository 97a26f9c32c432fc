package io.magnetar.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OrderedCompletionsTest {
    @Test
    void resultsReachTheSinkInArrivalOrderWhateverOrderTheyFinishIn() {
        List<String> delivered = new ArrayList<>();
        OrderedCompletions<String> line = new OrderedCompletions<>(
                (name, error, ledger, entry) -> delivered.add(name + (error == null ? "@" + ledger + ":" + entry
                        : "!" + error.getMessage())));
        assertFalse(line.active());
        OrderedCompletions<String>.Slot scheduled = line.enqueue("scheduled");
        OrderedCompletions<String>.Slot plain = line.enqueue("plain");
        OrderedCompletions<String>.Slot refused = line.enqueue("refused");
        assertTrue(line.active());
        plain.finish(null, 7, 1);
        refused.finish(new IllegalStateException("DELAY=0"), -1, -1);
        assertEquals(List.of(), delivered, "nothing before the first send is answered");
        scheduled.finish(null, 9, 4);
        assertEquals(List.of("scheduled@9:4", "plain@7:1", "refused!DELAY=0"), delivered);
        assertFalse(line.active(), "back to Pulsar's own path once the line is empty");
    }

    @Test
    void concurrentFinishersNeverReorderTheSink() throws Exception {
        List<Integer> delivered = Collections.synchronizedList(new ArrayList<>());
        OrderedCompletions<Integer> line = new OrderedCompletions<>((n, e, l, en) -> delivered.add(n));
        int sends = 10_000;
        List<OrderedCompletions<Integer>.Slot> slots = new ArrayList<>();
        for (int i = 0; i < sends; i++) {
            slots.add(line.enqueue(i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < 4; t++) {
            int offset = t;
            pool.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (int i = sends - 1 - offset; i >= 0; i -= 4) {
                    slots.get(i).finish(null, i, 0);
                }
            });
        }
        go.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(sends, delivered.size());
        for (int i = 0; i < sends; i++) {
            assertEquals(i, delivered.get(i), "position " + i);
        }
    }
}
