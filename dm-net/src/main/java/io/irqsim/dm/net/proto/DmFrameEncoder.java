package io.irqsim.dm.net.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
        writeHeader(out, frame.flags(), frame.type(), frame.device(), frame.id(), p.length());
        p.encode(out);
    }

    private static void writeHeader(final ByteBuf out, final int flags, final int type, final int device,
                                    final long id, final int payloadLength) {
        out.writeShortLE(FrameDescriptor.MAGIC)
            .writeByte(FrameDescriptor.MAJOR)
            .writeByte(flags)
            .writeShortLE(type)
            .writeShortLE(device)
            .writeLongLE(id)
            .writeIntLE(payloadLength)
            .writeIntLE(0);
    }

    /**
     * An IOREQ request frame, encoded from its fields into a buffer of exactly its size (56 bytes),
     * byte for byte what {@link #write} makes of the equivalent {@link DmFrame}: the server sends one
     * per forwarded guest access, and this spares it a frame and a payload record each time.
     *
     * @param alloc the channel's allocator
     * @param device the model's device id
     * @param id request id (server origin)
     * @param space {@link Msg#SPACE_MMIO} or {@link Msg#SPACE_PIO}
     * @param read whether it is a read
     * @param size access size
     * @param region region index
     * @param vcpu the vCPU
     * @param offset offset within the region
     * @param address absolute address
     * @param data value written (0 for reads)
     * @return the frame's bytes, to write as they are
     */
    public static ByteBuf ioreq(final ByteBufAllocator alloc, final int device, final long id, final int space,
                                final boolean read, final int size, final int region, final int vcpu,
                                final long offset, final long address, final long data) {
        final int length = FrameDescriptor.HEADER_LENGTH + Msg.Ioreq.LENGTH;
        final ByteBuf out = alloc.ioBuffer(length, length);
        writeHeader(out, 0, Opcodes.IOREQ, device, id, Msg.Ioreq.LENGTH);
        Msg.Ioreq.encode(out, space, read, size, region, vcpu, offset, address, data);
        return out;
    }

    /**
     * An IOREQ reply frame (32 bytes), encoded from its fields, byte for byte what {@link #write}
     * makes of the equivalent {@link DmFrame}: a model sends one per guest access it answers.
     *
     * @param alloc the channel's allocator
     * @param device the device id of the IOREQ
     * @param id the IOREQ's id
     * @param value the value read (0 for a write)
     * @return the frame's bytes, to write as they are
     */
    public static ByteBuf ioreqReply(final ByteBufAllocator alloc, final int device, final long id, final long value) {
        final int length = FrameDescriptor.HEADER_LENGTH + Msg.IoreqDone.LENGTH;
        final ByteBuf out = alloc.ioBuffer(length, length);
        writeHeader(out, FrameDescriptor.FLAG_REPLY, Opcodes.IOREQ, device, id, Msg.IoreqDone.LENGTH);
        out.writeLongLE(value);
        return out;
    }
}
