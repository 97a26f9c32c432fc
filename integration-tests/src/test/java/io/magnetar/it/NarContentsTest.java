package io.magnetar.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.magnetar.it.harness.PulsarRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** A NAR must bundle only what the broker lacks: a second copy of a broker library is a class-loading hazard. */
class NarContentsTest {

    @Test
    void narsBundleNoLibraryTheBrokerAlreadyHas() throws IOException {
        List<String> runtimeLib;
        try (var files = Files.list(PulsarRuntime.distribution().resolve("lib"))) {
            runtimeLib = files.map(p -> p.getFileName().toString()).toList();
        }
        List<Path> nars;
        try (var files = Files.list(PulsarRuntime.magnetarPackage().resolve("plugins"))) {
            nars = files.filter(p -> p.toString().endsWith(".nar")).sorted().toList();
        }
        assertFalse(nars.isEmpty(), "the package has NARs");

        List<String> clashes = new ArrayList<>();
        for (Path nar : nars) {
            try (ZipFile zip = new ZipFile(nar.toFile())) {
                for (ZipEntry e : zip.stream().toList()) {
                    String name = e.getName();
                    if (!name.startsWith("META-INF/bundled-dependencies/") || !name.endsWith(".jar")) {
                        continue;
                    }
                    String jar = name.substring(name.lastIndexOf('/') + 1);
                    String artifactId = jar.replaceFirst("-\\d[^-]*(-[A-Za-z0-9.]+)*\\.jar$", "");
                    // runtime jars are named groupId-artifactId-version.jar
                    Pattern inRuntime = Pattern.compile(".*[.-]" + Pattern.quote(artifactId) + "-\\d.*\\.jar");
                    runtimeLib.stream().filter(l -> inRuntime.matcher(l).matches())
                            .forEach(l -> clashes.add(nar.getFileName() + " bundles " + jar + ", broker has lib/" + l));
                }
            }
        }
        assertEquals(List.of(), clashes);
    }

    @Test
    void interceptorNarCarriesItsThreeDescriptors() throws IOException {
        Path nar = PulsarRuntime.magnetarPackage().resolve("plugins").resolve(
                Files.list(PulsarRuntime.magnetarPackage().resolve("plugins"))
                        .map(p -> p.getFileName().toString()).filter(n -> n.startsWith("magnetar-interceptors-"))
                        .findFirst().orElseThrow());
        try (ZipFile zip = new ZipFile(nar.toFile())) {
            String interceptor = new String(zip.getInputStream(
                    zip.getEntry("META-INF/services/broker_interceptor.yml")).readAllBytes());
            String servlet = new String(zip.getInputStream(
                    zip.getEntry("META-INF/services/additional_servlet.yml")).readAllBytes());
            String filter = new String(zip.getInputStream(
                    zip.getEntry("META-INF/services/entry_filter.yaml")).readAllBytes());
            assertTrue(interceptor.contains("interceptorClass: io.magnetar.interceptor.MagnetarBrokerInterceptor"));
            assertTrue(filter.contains("name: magnetar-filter"), filter);
            assertTrue(filter.contains("entryFilterClass: io.magnetar.filter.pulsar.MagnetarEntryFilter"), filter);
            assertTrue(servlet.contains("additionalServletClass: io.magnetar.admin.MagnetarAdminServlet"));
            assertTrue(zip.getEntry("io/magnetar/interceptor/MagnetarBrokerInterceptor.class") != null);
            assertTrue(zip.getEntry("io/magnetar/filter/pulsar/MagnetarEntryFilter.class") != null);
        }
    }
}
