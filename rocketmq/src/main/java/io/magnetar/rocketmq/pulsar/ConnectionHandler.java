package io.magnetar.rocketmq.pulsar;

import io.magnetar.rocketmq.remoting.MalformedFrameException;
import io.magnetar.rocketmq.remoting.RemotingCodec;
import io.magnetar.rocketmq.remoting.RemotingCommand;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: hands each decoded request to the {@link RequestProcessor} and writes the response
 * (none for one-way requests). A malformed frame closes the connection with a WARN naming the client.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);

    /** Counters shared by every connection of the handler. */
    record Counters(LongAdder opened, LongAdder closed, LongAdder malformed, LongAdder bytesOut) { }

    private final RequestProcessor processor;
    private final RemotingCodec codec;
    private final Counters counters;
    private ClientConnection client;

    ConnectionHandler(RequestProcessor processor, RemotingCodec codec, Counters counters) {
        this.processor = processor;
        this.codec = codec;
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        client = new ClientConnection(ctx.channel().remoteAddress());
        counters.opened().increment();
        log.debug("[{}] connected", client);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        counters.closed().increment();
        processor.disconnected(client);
        log.debug("[{}] disconnected", client);
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RemotingCommand request = (RemotingCommand) msg;
        if (request.isResponse()) {
            // Answers to broker-initiated requests (check-back, consumer notifications) come with later slices.
            log.debug("[{}] unexpected response {}", client, request);
            return;
        }
        processor.process(request, client).thenAccept(response -> {
            if (request.isOneway()) {
                return;
            }
            ByteBuf frame = codec.encode(response, ctx.alloc());
            counters.bytesOut().add(frame.readableBytes());
            ctx.writeAndFlush(frame, ctx.voidPromise());
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof MalformedFrameException) {
            counters.malformed().increment();
            log.warn("[{}] closing the connection: malformed frame: {}", client, root.getMessage());
        } else {
            log.info("[{}] closing the connection: {}", client, root.toString());
        }
        ctx.close();
    }
}
