package io.magnetar.offload.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BytePipeTest {

    @Test
    void everyByteArrivesInOrderWhileTheProducerIsBoundedByTheCapacity() throws Exception {
        byte[] data = new byte[1_000_003];
        new Random(1).nextBytes(data);
        BytePipe pipe = new BytePipe(4096, 3 * 4096);
        AtomicLong maxAhead = new AtomicLong();
        CompletableFuture<byte[]> consumer = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = pipe.stream()) {
                byte[] out = new byte[data.length];
                int n = 0;
                int r;
                while ((r = in.read(out, n, Math.min(777, out.length - n))) > 0) {
                    n += r;
                    maxAhead.accumulateAndGet(pipe.written() - n, Math::max);
                }
                assertEquals(-1, in.read(), "end of stream after the last byte");
                return out;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        for (int off = 0; off < data.length; ) {
            int n = Math.min(5000, data.length - off);
            pipe.write(data, off, n);
            off += n;
        }
        pipe.close();
        assertArrayEquals(data, consumer.get(30, TimeUnit.SECONDS));
        assertTrue(maxAhead.get() <= 3 * 4096 + 4096, "producer stayed within the capacity: " + maxAhead.get());
    }

    @Test
    void inPlaceCopiesThroughBlockAndAdvance() throws Exception {
        BytePipe pipe = new BytePipe(8, 16);
        byte[] src = "0123456789abcdefghij".getBytes();
        int off = 0;
        while (off < src.length) {
            byte[] block = pipe.block();
            int n = Math.min(pipe.room(), src.length - off);
            System.arraycopy(src, off, block, pipe.position(), n);
            pipe.advance(n);
            off += n;
            if (pipe.written() == 16) {
                break; // full: read before writing more
            }
        }
        InputStream in = pipe.stream();
        byte[] first = in.readNBytes(16);
        assertArrayEquals("0123456789abcdef".getBytes(), first);
        pipe.write(src, 16, 4);
        pipe.close();
        assertArrayEquals("ghij".getBytes(), in.readAllBytes());
    }

    @Test
    void aFailedConsumerUnblocksTheProducerWithAnError() throws Exception {
        BytePipe pipe = new BytePipe(10, 10);
        pipe.write(new byte[10], 0, 10); // full
        CountDownLatch blocked = new CountDownLatch(1);
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            blocked.countDown();
            try {
                pipe.write(new byte[10], 0, 10);
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
        blocked.await();
        Thread.sleep(50);
        pipe.fail(new IOException("connection reset"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> producer.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("connection reset"), e.getCause().getMessage());
    }

    @Test
    void aFailedProducerFailsTheConsumersRead() throws Exception {
        BytePipe pipe = new BytePipe(10, 20);
        InputStream in = pipe.stream();
        pipe.write(new byte[5], 0, 5);
        pipe.fail(new IOException("bookie gone"));
        IOException e = assertThrows(IOException.class, () -> in.readAllBytes());
        assertTrue(e.getMessage().contains("bookie gone"), e.getMessage());
    }

    @Test
    void aStreamNobodyReadFromMayBeReopenedButOnceReadTheBodyCannotBeResent() throws Exception {
        BytePipe pipe = new BytePipe(4, 20);
        InputStream stale = pipe.stream(); // a request on a dead pooled connection: failed before reading
        InputStream retry = pipe.stream();
        pipe.write("abcdef".getBytes(), 0, 6);
        pipe.close();
        assertThrows(IOException.class, stale::read, "the replaced stream may not steal the retry's bytes");
        assertArrayEquals("abcdef".getBytes(), retry.readAllBytes());
        assertThrows(IllegalStateException.class, pipe::stream);
    }

    @Test
    void aRecycledPipesBlocksCarryTheNextPipesBytesAndThePoolStaysBounded() throws Exception {
        BlockPool pool = new BlockPool(1024, 3);
        byte[] first = new byte[10_000];
        new Random(2).nextBytes(first);
        BytePipe a = new BytePipe(4 * 1024, pool);
        CompletableFuture<byte[]> readA = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = a.stream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        a.write(first, 0, first.length);
        a.close();
        assertArrayEquals(first, readA.get(10, TimeUnit.SECONDS));
        a.recycle();
        assertEquals(3, pool.idleBlocks(), "at most the pool's bound kept (the pipe used up to 5 blocks)");
        assertThrows(IOException.class, () -> a.write(first, 0, 1), "a recycled pipe takes no more bytes");

        // the next pipe starts on the recycled blocks, which still hold the first pipe's bytes: none may leak
        byte[] second = new byte[2_500];
        new Random(3).nextBytes(second);
        BytePipe b = new BytePipe(4 * 1024, pool);
        b.write(second, 0, second.length);
        b.close();
        assertEquals(0, pool.idleBlocks(), "three blocks taken from the pool");
        try (InputStream in = b.stream()) {
            assertArrayEquals(second, in.readAllBytes());
        }
        pool.give(new byte[512]);
        assertEquals(0, pool.idleBlocks(), "a block of another size is not kept");
    }
}
