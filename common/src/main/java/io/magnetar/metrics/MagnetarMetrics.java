package io.magnetar.metrics;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.Meter;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.stats.prometheus.PrometheusRawMetricsProvider;
import org.apache.pulsar.common.util.SimpleTextOutputStream;

/**
 * The one way a Magnetar component publishes metrics. Values live in plain counters and suppliers; they are
 * exposed on the broker's Prometheus endpoint ({@code /metrics/}, as a raw metrics provider) and through the
 * broker's OpenTelemetry SDK (as observable instruments read at collection time), so both show the same numbers.
 *
 * <p>Each plugin runs in its own class loader and registers its own provider, so Prometheus family names carry
 * the component ({@code magnetar_<component>_<name>}) and never collide across providers.
 */
public final class MagnetarMetrics implements PrometheusRawMetricsProvider, AutoCloseable {
    public static final String INSTRUMENTATION_SCOPE = "io.magnetar";

    private enum Kind { COUNTER, GAUGE }

    private record Series(String[] labels, LongSupplier value, Attributes attributes) { }

    private record Family(String prometheusName, String otelName, String help, Kind type, List<Series> series) { }

    private final String component;
    private final String[] constantLabels;
    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final List<Family> order = new CopyOnWriteArrayList<>();
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final List<AutoCloseable> instruments = new CopyOnWriteArrayList<>();
    private volatile Meter meter;
    private CollectorRegistry prometheusRegistry;
    private Collector prometheusCollector;

    /**
     * @param component short lower-case name, e.g. {@code interceptor}; becomes part of every family name
     * @param cluster the broker's cluster name, added as the {@code cluster} label as Pulsar's own metrics do
     */
    public MagnetarMetrics(String component, String cluster) {
        if (!component.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("metrics component must match [a-z][a-z0-9_]*: " + component);
        }
        this.component = component;
        this.constantLabels = new String[] {"cluster", cluster};
    }

    /** A monotonically increasing count, e.g. requests served; the same name and labels give the same counter. */
    public synchronized LongAdder counter(String name, String help, String... labelPairs) {
        String key = name + '\u0000' + String.join("\u0000", labelPairs);
        LongAdder existing = counters.get(key);
        if (existing != null) {
            return existing;
        }
        LongAdder adder = new LongAdder();
        add(name, help, Kind.COUNTER, adder::sum, labelPairs);
        counters.put(key, adder);
        return adder;
    }

    /** A monotonically increasing count kept elsewhere (e.g. a decision core's own counter), read at collection. */
    public void counter(String name, String help, LongSupplier value, String... labelPairs) {
        add(name, help, Kind.COUNTER, value, labelPairs);
    }

    /** A value read when metrics are collected, e.g. a map's size. */
    public void gauge(String name, String help, LongSupplier value, String... labelPairs) {
        add(name, help, Kind.GAUGE, value, labelPairs);
    }

    private synchronized void add(String name, String help, Kind type, LongSupplier value, String... labelPairs) {
        if (labelPairs.length % 2 != 0) {
            throw new IllegalArgumentException("labels must be name/value pairs: " + name);
        }
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("metric name must match [a-z][a-z0-9_]*: " + name);
        }
        String base = "magnetar_" + component + "_" + name;
        Family family = families.get(base);
        if (family == null) {
            family = new Family(type == Kind.COUNTER ? base + "_total" : base,
                    "magnetar." + component + "." + name.replace('_', '.'), help, type, new CopyOnWriteArrayList<>());
            families.put(base, family);
            order.add(family);
            if (meter != null) {
                registerInstrument(meter, family);
            }
        } else if (family.type != type) {
            throw new IllegalArgumentException("metric " + base + " already registered as " + family.type);
        }
        String[] labels = new String[constantLabels.length + labelPairs.length];
        System.arraycopy(constantLabels, 0, labels, 0, constantLabels.length);
        System.arraycopy(labelPairs, 0, labels, constantLabels.length, labelPairs.length);
        AttributesBuilder attributes = Attributes.builder();
        for (int i = constantLabels.length; i < labels.length; i += 2) {
            attributes.put(labels[i], labels[i + 1]);
        }
        family.series.add(new Series(labels, value, attributes.build()));
    }

    /** Publishes on the broker's Prometheus endpoint and through its OpenTelemetry SDK. */
    public void bind(PulsarService pulsar) {
        pulsar.addPrometheusRawMetricsProvider(this);
        bindOpenTelemetry(pulsar.getOpenTelemetry().getOpenTelemetry().getMeter(INSTRUMENTATION_SCOPE));
    }

    /**
     * For components Pulsar constructs without handing them a {@link PulsarService} (load-shedding strategies):
     * publishes the families in a Prometheus registry; the broker's {@code /metrics/} includes the JVM-wide
     * {@link CollectorRegistry#defaultRegistry}. OpenTelemetry offers such components no global SDK.
     *
     * @return false when another collector already registered these names in that registry (nothing is bound)
     */
    public synchronized boolean bindPrometheusRegistry(CollectorRegistry registry) {
        class FamiliesCollector extends Collector implements Collector.Describable {
            // Describing itself lets any registry refuse a second owner of the same names.
            @Override
            public List<MetricFamilySamples> describe() {
                return collect();
            }

            @Override
            public List<MetricFamilySamples> collect() {
                List<MetricFamilySamples> out = new ArrayList<>(order.size());
                for (Family family : order) {
                    boolean counter = family.type == Kind.COUNTER;
                    String name = counter ? family.prometheusName.substring(0,
                            family.prometheusName.length() - "_total".length()) : family.prometheusName;
                    List<MetricFamilySamples.Sample> samples = new ArrayList<>(family.series.size());
                    for (Series s : family.series) {
                        List<String> names = new ArrayList<>(s.labels.length / 2);
                        List<String> values = new ArrayList<>(s.labels.length / 2);
                        for (int i = 0; i < s.labels.length; i += 2) {
                            names.add(s.labels[i]);
                            values.add(s.labels[i + 1]);
                        }
                        samples.add(new MetricFamilySamples.Sample(family.prometheusName, names, values,
                                s.value.getAsLong()));
                    }
                    out.add(new MetricFamilySamples(name, counter ? Collector.Type.COUNTER : Collector.Type.GAUGE,
                            family.help, samples));
                }
                return out;
            }
        }
        Collector collector = new FamiliesCollector();
        try {
            registry.register(collector);
        } catch (IllegalArgumentException alreadyRegistered) {
            return false;
        }
        prometheusRegistry = registry;
        prometheusCollector = collector;
        return true;
    }

    /** Registers one observable instrument per family with the given meter. */
    public synchronized void bindOpenTelemetry(Meter meter) {
        this.meter = meter;
        for (Family family : order) {
            registerInstrument(meter, family);
        }
    }

    private void registerInstrument(Meter meter, Family family) {
        if (family.type == Kind.COUNTER) {
            instruments.add(meter.counterBuilder(family.otelName).setDescription(family.help)
                    .buildWithCallback(m -> family.series.forEach(s -> m.record(s.value.getAsLong(), s.attributes))));
        } else {
            instruments.add(meter.gaugeBuilder(family.otelName).ofLongs().setDescription(family.help)
                    .buildWithCallback(m -> family.series.forEach(s -> m.record(s.value.getAsLong(), s.attributes))));
        }
    }

    @Override
    public void generate(SimpleTextOutputStream stream) {
        stream.write(toPrometheusText());
    }

    /** The Prometheus text exposition (format 0.0.4) of every family. */
    public String toPrometheusText() {
        StringBuilder sb = new StringBuilder(256);
        for (Family family : order) {
            sb.append("# HELP ").append(family.prometheusName).append(' ').append(escapeHelp(family.help)).append('\n');
            sb.append("# TYPE ").append(family.prometheusName).append(' ')
                    .append(family.type == Kind.COUNTER ? "counter" : "gauge").append('\n');
            for (Series s : family.series) {
                sb.append(family.prometheusName).append('{');
                for (int i = 0; i < s.labels.length; i += 2) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(s.labels[i]).append("=\"").append(escapeLabel(s.labels[i + 1])).append('"');
                }
                sb.append("} ").append(s.value.getAsLong()).append('\n');
            }
        }
        return sb.toString();
    }

    private static String escapeLabel(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String escapeHelp(String v) {
        return v.replace("\\", "\\\\").replace("\n", "\\n");
    }

    @Override
    public synchronized void close() {
        if (prometheusCollector != null) {
            prometheusRegistry.unregister(prometheusCollector);
            prometheusCollector = null;
        }
        List<AutoCloseable> toClose = new ArrayList<>(instruments);
        instruments.clear();
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing an observable instrument only unregisters its callback
            }
        }
    }
}
