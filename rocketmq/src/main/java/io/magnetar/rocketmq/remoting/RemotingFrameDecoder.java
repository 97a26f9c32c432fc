package io.magnetar.rocketmq.remoting;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into frames and decodes each into a {@link RemotingCommand}. The length word is checked
 * against the limit before the frame's bytes are waited for or copied; a bad frame raises
 * {@link MalformedFrameException} (the connection handler closes the connection) and the rest of the stream is
 * discarded.
 */
public final class RemotingFrameDecoder extends ByteToMessageDecoder {
    private final RemotingCodec codec;
    private boolean failed;

    public RemotingFrameDecoder(RemotingCodec codec) {
        this.codec = codec;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= 4) {
            int totalLength = in.getInt(in.readerIndex());
            try {
                codec.checkFrameLength(totalLength);
            } catch (MalformedFrameException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw e;
            }
            if (in.readableBytes() < 4 + totalLength) {
                return;
            }
            in.skipBytes(4);
            ByteBuf frame = in.readSlice(totalLength);
            try {
                out.add(codec.decode(frame));
            } catch (MalformedFrameException e) {
                failed = true;
                in.skipBytes(in.readableBytes());
                throw e;
            }
        }
    }
}
