package io.irqsim.dm.net.proto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes {@link DmFrame}s: the 24-byte little-endian header, then the payload, into one buffer
 * of exactly the frame's size from the channel's (pooled) allocator. Stateless and sharable.
 */
@ChannelHandler.Sharable
public final class DmFrameEncoder extends MessageToByteEncoder<DmFrame> {

    /** The instance every pipeline can share. */
    public static final DmFrameEncoder INSTANCE = new DmFrameEncoder();

    /** A new encoder (they are stateless: {@link #INSTANCE} serves every pipeline). */
    public DmFrameEncoder() {
        super(DmFrame.class);
    }

    @Override
    protected ByteBuf allocateBuffer(final ChannelHandlerContext ctx, final DmFrame msg, final boolean preferDirect) {
        final int size = msg.frameLength();
        return preferDirect ? ctx.alloc().ioBuffer(size, size) : ctx.alloc().heapBuffer(size, size);
    }

    @Override
    protected void encode(final ChannelHandlerContext ctx, final DmFrame msg, final ByteBuf out) {
        write(msg, out);
    }

    /**
     * Writes one frame.
     *
     * @param frame the frame
     * @param out where
     */
    public static void write(final DmFrame frame, final ByteBuf out) {
        final Payload p = frame.payload();
        out.writeShortLE(FrameDescriptor.MAGIC)
            .writeByte(FrameDescriptor.MAJOR)
            .writeByte(frame.flags())
            .writeShortLE(frame.type())
            .writeShortLE(frame.device())
            .writeLongLE(frame.id())
            .writeIntLE(p.length())
            .writeIntLE(0);
        p.encode(out);
    }
}
