package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.PulsarRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's install path: the package's bin/install.sh into a copy of the official distribution. */
class InstallScriptIT {

    @Test
    void secondRunLeavesTheInstallationAsTheFirstDid(@TempDir Path tmp) throws Exception {
        Path home = PulsarRuntime.copyDistribution(tmp.resolve("pulsar"));
        Map<String, String> pristine = snapshot(home);

        PulsarRuntime.InstallResult first = PulsarRuntime.runInstall(home);
        assertEquals(0, first.exitCode(), first.output());
        Map<String, String> afterFirst = snapshot(home);
        assertNotEquals(pristine, afterFirst);

        PulsarRuntime.InstallResult second = PulsarRuntime.runInstall(home);
        assertEquals(0, second.exitCode(), second.output());
        assertEquals(afterFirst, snapshot(home), "a second install.sh run changed the installation");

        assertTrue(afterFirst.keySet().stream().anyMatch(p -> p.matches("plugins/magnetar-interceptors-.*\\.nar")));
        assertTrue(afterFirst.keySet().stream().anyMatch(p -> p.matches("lib/magnetar-broker-lib-.*\\.jar")));
        for (String conf : List.of("conf/broker.conf", "conf/standalone.conf")) {
            String text = Files.readString(home.resolve(conf));
            assertEquals(1, count(text, "(?m)^# BEGIN magnetar$"), conf);
            assertEquals(1, count(text, "(?m)^brokerInterceptors=magnetar$"), conf);
            assertTrue(text.endsWith("# END magnetar\n"), conf + " ends with the Magnetar block");
        }
    }

    @Test
    void replacesAnOlderMagnetarVersion(@TempDir Path tmp) throws Exception {
        Path home = PulsarRuntime.copyDistribution(tmp.resolve("pulsar"));
        Files.createDirectories(home.resolve("plugins"));
        Files.writeString(home.resolve("plugins/magnetar-interceptors-0.0.1.nar"), "old");
        Files.writeString(home.resolve("lib/magnetar-broker-lib-0.0.1.jar"), "old");
        Files.writeString(home.resolve("conf/broker.conf"), Files.readString(home.resolve("conf/broker.conf"))
                + "# BEGIN magnetar\nbrokerInterceptors=old\n# END magnetar\n");
        PulsarRuntime.InstallResult r = PulsarRuntime.runInstall(home);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(Files.notExists(home.resolve("plugins/magnetar-interceptors-0.0.1.nar")));
        assertTrue(Files.notExists(home.resolve("lib/magnetar-broker-lib-0.0.1.jar")));
        String conf = Files.readString(home.resolve("conf/broker.conf"));
        assertEquals(1, count(conf, "(?m)^# BEGIN magnetar$"));
        assertEquals(0, count(conf, "(?m)^brokerInterceptors=old$"));
    }

    @Test
    void registersThePulsarAdminExtensionBesideTheOperatorsOwn(@TempDir Path tmp) throws Exception {
        Path home = PulsarRuntime.copyDistribution(tmp.resolve("pulsar"));
        Path clientConf = home.resolve("conf/client.conf");
        Files.writeString(clientConf, Files.readString(clientConf)
                + "customCommandFactories=acme-tools\ncliExtensionsDirectory=tools/ext\n");
        for (int run = 1; run <= 2; run++) {
            PulsarRuntime.InstallResult r = PulsarRuntime.runInstall(home);
            assertEquals(0, r.exitCode(), r.output());
            String conf = Files.readString(clientConf);
            assertEquals(1, count(conf, "(?m)^# BEGIN magnetar$"), "run " + run + ": " + conf);
            assertTrue(conf.endsWith("customCommandFactories=acme-tools,magnetar\ncliExtensionsDirectory=tools/ext\n"
                    + "# END magnetar\n"), "run " + run + ": the operator's factory and directory kept: " + conf);
            try (var nars = Files.list(home.resolve("tools/ext"))) {
                assertEquals(1, nars.filter(p -> p.getFileName().toString()
                        .matches("magnetar-pulsar-admin-extension-.*\\.nar")).count(), "run " + run);
            }
        }
        assertTrue(Files.notExists(home.resolve("cliextensions")), "installed where client.conf says");
    }

    @Test
    void refusesADirectoryThatIsNotAPulsarInstallation(@TempDir Path tmp) throws Exception {
        Path notPulsar = Files.createDirectories(tmp.resolve("not-pulsar"));
        Files.createDirectories(notPulsar.resolve("conf"));
        Files.writeString(notPulsar.resolve("conf/broker.conf"), "clusterName=x\n");
        PulsarRuntime.InstallResult r = PulsarRuntime.runInstall(notPulsar);
        assertNotEquals(0, r.exitCode());
        assertTrue(r.output().contains("is not a Pulsar installation"), r.output());
        assertTrue(r.output().contains("bin/pulsar"), "names what is missing: " + r.output());
        assertEquals("clusterName=x\n", Files.readString(notPulsar.resolve("conf/broker.conf")), "nothing changed");
        assertTrue(Files.notExists(notPulsar.resolve("plugins")), "nothing created");

        PulsarRuntime.InstallResult missing = PulsarRuntime.runInstall(tmp.resolve("does-not-exist"));
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.output().contains("is not a directory"), missing.output());
    }

    /** Relative path → content hash and permissions of every file. */
    private static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (var paths = Files.walk(root)) {
            for (Path p : paths.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), sha256(p) + " "
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            }
        }
        return files;
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

}
