package io.magnetar.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeakReportsTest {
    /** A broker log with a report as Netty's ResourceLeakDetector writes it through Pulsar's log4j2 pattern. */
    private static final List<String> BROKER_LOG = List.of(
            "2026-12-07T23:01:02,345+0000 [pulsar-io-3-1] INFO  org.apache.pulsar.broker.service.ServerCnx - New"
                    + " connection from /127.0.0.1:50412",
            "2026-12-07T23:01:09,871+0000 [pulsar-io-3-2] ERROR io.netty.util.ResourceLeakDetector - LEAK:"
                    + " ByteBuf.release() was not called before it's garbage-collected. See"
                    + " https://netty.io/wiki/reference-counted-objects.html for more information.",
            "Recent access records: ",
            "#1:",
            "\tio.netty.buffer.AdvancedLeakAwareByteBuf.readBytes(AdvancedLeakAwareByteBuf.java:502)",
            "\torg.apache.pulsar.common.protocol.Commands.parseMessageMetadata(Commands.java:456)",
            "Created at:",
            "\tio.netty.buffer.PooledByteBufAllocator.newDirectBuffer(PooledByteBufAllocator.java:410)",
            "\tio.netty.buffer.AbstractByteBufAllocator.directBuffer(AbstractByteBufAllocator.java:188)",
            "2026-12-07T23:01:10,002+0000 [pulsar-io-3-2] ERROR io.netty.util.ResourceLeakDetector - LEAK:"
                    + " ByteBuf.release() was not called before it's garbage-collected.");

    @Test
    void findsNettysReportWithTheLinesAfterIt() {
        LeakReports.Found found = LeakReports.scan(Path.of("broker-0/pulsar-broker.log"), BROKER_LOG);
        assertEquals(2, found.reports());
        assertEquals(BROKER_LOG.subList(1, BROKER_LOG.size()), found.firstLines(), "from the first report on");
        assertTrue(found.toString().startsWith("broker-0/pulsar-broker.log: 2 leak report(s), the first:\n"),
                found.toString());
    }

    @Test
    void aCleanLogHasNoReport() {
        assertEquals(null, LeakReports.scan(Path.of("clean.log"), List.of(BROKER_LOG.get(0),
                "2026-12-07T23:01:03,000+0000 [main] INFO  org.apache.pulsar.PulsarBrokerStarter - leakDetection"
                        + " level paranoid")));
    }

    @Test
    void failsNamingTheLogFileAndItsFirstReport(@TempDir Path tmp) throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("logs/broker-1"));
        Files.write(logs.resolve("broker-1.out"), List.of("started"));
        Path log = Files.write(logs.resolve("pulsar-broker-127.0.0.1.log"), BROKER_LOG);
        Files.write(tmp.resolve("logs/broker-1/pulsar_gc_1234.log"), List.of("[0.010s][info][gc] Using G1"));

        AssertionError failure = assertThrows(AssertionError.class,
                () -> LeakReports.assertNone("cluster it", List.of(tmp.resolve("logs"))));
        assertTrue(failure.getMessage().startsWith("Netty reported leaked buffers in cluster it:\n" + log
                + ": 2 leak report(s), the first:\n" + BROKER_LOG.get(1)), failure.getMessage());
        assertTrue(failure.getMessage().contains("Commands.parseMessageMetadata"), failure.getMessage());
    }

    @Test
    void readsRolledCompressedLogsAndPassesWithoutReports(@TempDir Path tmp) throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        Files.write(logs.resolve("standalone.out"), List.of(BROKER_LOG.get(0)));
        LeakReports.assertNone("clean", List.of(logs, tmp.resolve("not-there")));

        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(logs.resolve("pulsar-1.log.gz")))) {
            out.write(String.join("\n", BROKER_LOG).getBytes(StandardCharsets.ISO_8859_1));
        }
        List<LeakReports.Found> found = LeakReports.scan(List.of(logs));
        assertEquals(1, found.size(), found.toString());
        assertEquals(logs.resolve("pulsar-1.log.gz"), found.get(0).file());
    }

    @Test
    void everyProcessGetsTheDetectorAtTheLevelTheBuildAsks() {
        String level = " -Dio.netty.leakDetection.level=paranoid";
        assertTrue(LeakReports.pulsarExtraOpts("paranoid").endsWith(level), LeakReports.pulsarExtraOpts("paranoid"));
        assertTrue(LeakReports.pulsarExtraOpts("paranoid").contains("-Dpulsar.allocator.exit_on_oom=true"),
                "the distribution's defaults kept");
        assertTrue(LeakReports.bookieExtraOpts("paranoid").endsWith(level), "not bkenv.sh's 'disabled': "
                + LeakReports.bookieExtraOpts("paranoid"));
    }
}
