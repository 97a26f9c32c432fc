package io.magnetar.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class MagnetarMetricsTest {

    @Test
    void writesPrometheusTextWithOneHeaderPerFamily() {
        MagnetarMetrics metrics = new MagnetarMetrics("admin", "c1");
        LongAdder ok = metrics.counter("requests", "REST requests", "method", "GET", "outcome", "ok");
        LongAdder bad = metrics.counter("requests", "REST requests", "method", "PUT", "outcome", "bad_request");
        metrics.gauge("tenants", "Known \"tenants\"", () -> 7);
        ok.add(2);
        metrics.counter("requests", "REST requests", "method", "GET", "outcome", "ok").increment();
        bad.increment();

        assertEquals("""
                # HELP magnetar_admin_requests_total REST requests
                # TYPE magnetar_admin_requests_total counter
                magnetar_admin_requests_total{cluster="c1",method="GET",outcome="ok"} 3
                magnetar_admin_requests_total{cluster="c1",method="PUT",outcome="bad_request"} 1
                # HELP magnetar_admin_tenants Known "tenants"
                # TYPE magnetar_admin_tenants gauge
                magnetar_admin_tenants{cluster="c1"} 7
                """, metrics.toPrometheusText());
    }

    @Test
    void escapesLabelValues() {
        MagnetarMetrics metrics = new MagnetarMetrics("x", "c\"1\\");
        metrics.gauge("g", "h", () -> 1);
        assertTrue(metrics.toPrometheusText().contains("cluster=\"c\\\"1\\\\\""), metrics.toPrometheusText());
    }

    @Test
    void refusesBadNamesAndTypeClashes() {
        MagnetarMetrics metrics = new MagnetarMetrics("x", "c");
        assertThrows(IllegalArgumentException.class, () -> new MagnetarMetrics("Bad-Name", "c"));
        assertThrows(IllegalArgumentException.class, () -> metrics.counter("a-b", "h"));
        assertThrows(IllegalArgumentException.class, () -> metrics.counter("a", "h", "odd"));
        metrics.counter("a", "h");
        assertThrows(IllegalArgumentException.class, () -> metrics.gauge("a", "h", () -> 0));
    }

    @Test
    void openTelemetryReadsTheSameValues() {
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        try (SdkMeterProvider provider = SdkMeterProvider.builder().registerMetricReader(reader).build()) {
            MagnetarMetrics metrics = new MagnetarMetrics("interceptor", "c1");
            LongAdder lookups = metrics.counter("flag_lookups", "lookups", "feature", "delay", "enabled", "true");
            metrics.bindOpenTelemetry(provider.get(MagnetarMetrics.INSTRUMENTATION_SCOPE));
            AtomicLong late = new AtomicLong(42);
            metrics.gauge("late_gauge", "registered after binding", late::get);
            lookups.add(5);

            Collection<MetricData> data = reader.collectAllMetrics();
            MetricData counter = find(data, "magnetar.interceptor.flag.lookups");
            LongPointData point = counter.getLongSumData().getPoints().iterator().next();
            assertEquals(5, point.getValue());
            assertEquals("delay", point.getAttributes().get(AttributeKey.stringKey("feature")));
            assertTrue(counter.getLongSumData().isMonotonic());
            assertEquals(42, find(data, "magnetar.interceptor.late.gauge").getLongGaugeData().getPoints()
                    .iterator().next().getValue());

            metrics.close();
            assertTrue(reader.collectAllMetrics().isEmpty(), "closed instruments stop reporting");
        }
    }

    @Test
    void prometheusRegistryBindingShowsTheSameValuesOnce() {
        io.prometheus.client.CollectorRegistry registry = new io.prometheus.client.CollectorRegistry();
        MagnetarMetrics metrics = new MagnetarMetrics("shedding", "c1");
        LongAdder unloads = metrics.counter("unloads", "bundles unloaded", "kind", "planned");
        metrics.gauge("peak", "peak load", () -> 87);
        assertTrue(metrics.bindPrometheusRegistry(registry));
        unloads.add(3);

        assertEquals(3.0, registry.getSampleValue("magnetar_shedding_unloads_total",
                new String[] {"cluster", "kind"}, new String[] {"c1", "planned"}));
        assertEquals(87.0, registry.getSampleValue("magnetar_shedding_peak",
                new String[] {"cluster"}, new String[] {"c1"}));
        MagnetarMetrics second = new MagnetarMetrics("shedding", "c1");
        second.gauge("peak", "peak load", () -> 1);
        assertTrue(!second.bindPrometheusRegistry(registry), "a second owner of the same names is refused");

        metrics.close();
        assertEquals(null, registry.getSampleValue("magnetar_shedding_peak",
                new String[] {"cluster"}, new String[] {"c1"}), "closing unregisters");
        assertTrue(second.bindPrometheusRegistry(registry), "names free again");
        assertEquals(1.0, registry.getSampleValue("magnetar_shedding_peak",
                new String[] {"cluster"}, new String[] {"c1"}));
    }

    private static MetricData find(Collection<MetricData> data, String name) {
        return data.stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + data));
    }
}
