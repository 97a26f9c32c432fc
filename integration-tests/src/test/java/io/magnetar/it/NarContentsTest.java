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
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
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
                    // runtime jars are named groupId-artifactId-version.jar; with the bundled jar's own Maven
                    // coordinates the match is exact (the AWS SDK's "utils" or "annotations" are not the broker's)
                    String groupId = mavenGroupId(zip, e, artifactId);
                    Pattern inRuntime = groupId != null
                            ? Pattern.compile(Pattern.quote(groupId + "-" + artifactId) + "-\\d.*\\.jar")
                            : Pattern.compile(".*[.-]" + Pattern.quote(artifactId) + "-\\d.*\\.jar");
                    runtimeLib.stream().filter(l -> inRuntime.matcher(l).matches())
                            .forEach(l -> clashes.add(nar.getFileName() + " bundles " + jar + ", broker has lib/" + l));
                }
            }
        }
        assertEquals(List.of(), clashes);
    }

    /** The groupId in a bundled jar's {@code META-INF/maven/<g>/<artifactId>/pom.properties}, or null. */
    private static String mavenGroupId(ZipFile nar, ZipEntry jar, String artifactId) throws IOException {
        try (ZipInputStream in = new ZipInputStream(nar.getInputStream(jar))) {
            for (ZipEntry inner; (inner = in.getNextEntry()) != null; ) {
                String n = inner.getName();
                if (n.startsWith("META-INF/maven/") && n.endsWith("/" + artifactId + "/pom.properties")) {
                    Properties props = new Properties();
                    props.load(in);
                    return props.getProperty("groupId");
                }
            }
        }
        return null;
    }

    @Test
    void offloaderNarCarriesItsDescriptorAndNoNetty() throws IOException {
        Path plugins = PulsarRuntime.magnetarPackage().resolve("plugins");
        Path nar;
        try (var files = Files.list(plugins)) {
            nar = files.filter(p -> p.getFileName().toString().startsWith("magnetar-tiered-offload-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no tiered-offload NAR in " + plugins));
        }
        try (ZipFile zip = new ZipFile(nar.toFile())) {
            String descriptor = new String(zip.getInputStream(
                    zip.getEntry("META-INF/services/pulsar-offloader.yaml")).readAllBytes());
            assertTrue(descriptor.contains("name: magnetar-s3"), descriptor);
            assertTrue(descriptor.contains("offloaderFactoryClass: io.magnetar.offload.pulsar.MagnetarOffloaderFactory"));
            assertTrue(zip.getEntry("io/magnetar/offload/pulsar/MagnetarOffloaderFactory.class") != null);
            List<String> bundled = zip.stream().map(ZipEntry::getName)
                    .filter(n -> n.startsWith("META-INF/bundled-dependencies/")).toList();
            assertTrue(bundled.stream().anyMatch(n -> n.contains("/s3-2.")), "bundles the AWS SDK's s3: " + bundled);
            assertTrue(bundled.stream().anyMatch(n -> n.contains("/url-connection-client-")), bundled.toString());
            assertTrue(bundled.stream().noneMatch(n -> n.contains("netty") || n.contains("apache-client")
                    || n.contains("httpclient")), "no Netty or Apache HTTP client: " + bundled);
        }
        assertTrue(Files.size(nar) < 20L * 1024 * 1024, "NAR is " + Files.size(nar) + " bytes");
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
