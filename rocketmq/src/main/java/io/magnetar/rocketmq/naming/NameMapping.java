package io.magnetar.rocketmq.naming;

/**
 * RocketMQ names to Pulsar names.
 * <ul>
 *   <li>A plain topic {@code T} is {@code persistent://<tenant>/<namespace>/T} with the configured tenant and
 *   namespace ({@code rocketmqTenant}, {@code rocketmqNamespace}).</li>
 *   <li>A topic in a RocketMQ namespace, {@code ns%T} (what a client with {@code setNamespace("ns")} sends), is
 *   {@code persistent://<tenant>/ns/T}: one Pulsar namespace per RocketMQ namespace, in the configured tenant.</li>
 *   <li>RocketMQ queue {@code q} of a topic is Pulsar partition {@code q} ({@code T-partition-q}); a non-partitioned
 *   Pulsar topic is one queue, 0.</li>
 *   <li>A consumer group {@code G} (or {@code ns%G}) is the subscription {@code G} on each queue's topic.</li>
 * </ul>
 * RocketMQ's system prefixes ({@code %RETRY%}, {@code %DLQ%}) are kept in the local name as they are.
 */
public final class NameMapping {
    static final char NAMESPACE_SEPARATOR = '%';
    private static final String RETRY_PREFIX = "%RETRY%";
    private static final String DLQ_PREFIX = "%DLQ%";

    private final String tenant;
    private final String namespace;

    public NameMapping(String tenant, String namespace) {
        this.tenant = tenant;
        this.namespace = namespace;
    }

    /** The Pulsar topic (non-partitioned name, without partition suffix) of a RocketMQ topic. */
    public String pulsarTopic(String rocketMqTopic) {
        Split s = split(rocketMqTopic);
        return "persistent://" + tenant + "/" + s.namespace + "/" + s.prefix + s.local;
    }

    /** The Pulsar topic of queue {@code queueId}; {@code partitions == 0} means a non-partitioned topic. */
    public String pulsarQueueTopic(String rocketMqTopic, int queueId, int partitions) {
        String topic = pulsarTopic(rocketMqTopic);
        return partitions == 0 ? topic : topic + "-partition-" + queueId;
    }

    /** The subscription name of a consumer group. */
    public String subscription(String group) {
        return split(group).local;
    }

    private record Split(String namespace, String prefix, String local) { }

    private Split split(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("empty RocketMQ name");
        }
        String prefix = "";
        String rest = name;
        if (rest.startsWith(RETRY_PREFIX)) {
            prefix = RETRY_PREFIX;
            rest = rest.substring(RETRY_PREFIX.length());
        } else if (rest.startsWith(DLQ_PREFIX)) {
            prefix = DLQ_PREFIX;
            rest = rest.substring(DLQ_PREFIX.length());
        }
        int sep = rest.indexOf(NAMESPACE_SEPARATOR);
        String ns = namespace;
        if (sep >= 0) {
            ns = rest.substring(0, sep);
            rest = rest.substring(sep + 1);
            if (ns.isEmpty() || rest.isEmpty() || rest.indexOf(NAMESPACE_SEPARATOR) >= 0) {
                throw new IllegalArgumentException("RocketMQ name " + name + " is not [ns%]name");
            }
        }
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("RocketMQ name " + name + " has an empty local part");
        }
        return new Split(ns, prefix, rest);
    }
}
