package io.magnetar.rocketmq.pulsar;

import io.magnetar.metrics.MagnetarMetrics;
import io.magnetar.rocketmq.naming.NameMapping;
import io.magnetar.rocketmq.remoting.RemotingCodec;
import io.magnetar.rocketmq.remoting.RemotingFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pulsar.broker.PulsarService;
import org.apache.pulsar.broker.ServiceConfiguration;
import org.apache.pulsar.broker.ServiceConfigurationUtils;
import org.apache.pulsar.broker.protocol.ProtocolHandler;
import org.apache.pulsar.broker.service.BrokerService;
import org.apache.pulsar.common.intercept.AppendIndexMetadataInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulsar's entry point ({@code messagingProtocols=rocketmq}): RocketMQ's remoting protocol on its own port. Pulsar
 * calls {@link #initialize} before the broker service exists (only the configuration is checked there), then
 * {@link #start} with it, then asks for the channel initializers of the listen address.
 */
public final class RocketMqProtocolHandler implements ProtocolHandler {
    public static final String PROTOCOL = "rocketmq";
    private static final Logger log = LoggerFactory.getLogger(RocketMqProtocolHandler.class);
    private static final String ADVERTISED_PREFIX = PROTOCOL + "://";

    private ServiceConfiguration brokerConfig;
    private RocketMqConfig config;
    private RemotingCodec codec;
    private MagnetarMetrics metrics;
    private RequestProcessor processor;
    private ConnectionHandler.Counters counters;
    private LongAdder bytesIn;

    @Override
    public String protocolName() {
        return PROTOCOL;
    }

    @Override
    public boolean accept(String protocol) {
        return PROTOCOL.equalsIgnoreCase(protocol);
    }

    @Override
    public void initialize(ServiceConfiguration conf) {
        String advertisedHost = ServiceConfigurationUtils.getDefaultOrConfiguredAddress(conf.getAdvertisedAddress());
        config = RocketMqConfig.from(conf.getProperties(), advertisedHost);
        if (!conf.getBrokerEntryMetadataInterceptors().contains(AppendIndexMetadataInterceptor.class.getName())) {
            throw new IllegalArgumentException("the RocketMQ protocol handler needs brokerEntryMetadataInterceptors="
                    + AppendIndexMetadataInterceptor.class.getName() + " (its queue offsets are the entry indexes)");
        }
        brokerConfig = conf;
        codec = new RemotingCodec(config.maxFrameBytes(), config.maxHeaderBytes());
        log.info("RocketMQ protocol handler: listening on {}, advertised as {}, topics in {}/{}", config.listen(),
                config.advertisedAddress(), config.tenant(), config.namespace());
    }

    @Override
    public String getProtocolDataToAdvertise() {
        return ADVERTISED_PREFIX + config.advertisedAddress();
    }

    /** The {@code host:port} in another broker's advertised protocol data. */
    static String addressOfAdvertised(String advertised) {
        return advertised.startsWith(ADVERTISED_PREFIX) ? advertised.substring(ADVERTISED_PREFIX.length()) : advertised;
    }

    @Override
    public void start(BrokerService service) {
        PulsarService pulsar = service.getPulsar();
        metrics = new MagnetarMetrics(PROTOCOL, brokerConfig.getClusterName());
        counters = new ConnectionHandler.Counters(
                metrics.counter("connections_opened", "RocketMQ client connections opened"),
                metrics.counter("connections_closed", "RocketMQ client connections closed"),
                metrics.counter("malformed_frames", "connections closed for a malformed or oversized frame"),
                metrics.counter("bytes_out", "bytes sent to RocketMQ clients"));
        metrics.gauge("connections", "RocketMQ client connections open",
                () -> counters.opened().sum() - counters.closed().sum());
        bytesIn = metrics.counter("bytes_in", "bytes received from RocketMQ clients");
        metrics.bind(pulsar);
        NameMapping names = new NameMapping(config.tenant(), config.namespace());
        Routes routes = new Routes(pulsar, names, config.advertisedAddress());
        ConsumerGroups groups = new ConsumerGroups(System::currentTimeMillis);
        metrics.gauge("consumer_groups", "consumer groups with a live client", groups::groupCount);
        String[] hostPort = config.advertisedAddress().split(":");
        ConsumeRequests consume = new ConsumeRequests(routes, new QueueStore(service), groups, names,
                pulsar.getExecutor(), new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])),
                metrics.counter("pulls_suspended", "PULL_MESSAGE requests held until messages came or time ran out"));
        processor = new RequestProcessor(routes, new MessagePublisher(service), consume, groups, metrics,
                brokerConfig.getClusterName(), brokerConfig.getMaxMessageSize());
    }

    @Override
    public Map<InetSocketAddress, ChannelInitializer<SocketChannel>> newChannelInitializers() {
        return Map.of(config.listen(), new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast("rocketmq-bytes-in", new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof ByteBuf buf) {
                            bytesIn.add(buf.readableBytes());
                        }
                        ctx.fireChannelRead(msg);
                    }
                });
                ch.pipeline().addLast("rocketmq-frame", new RemotingFrameDecoder(codec));
                ch.pipeline().addLast("rocketmq-handler", new ConnectionHandler(processor, codec, counters));
            }
        });
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
    }
}
