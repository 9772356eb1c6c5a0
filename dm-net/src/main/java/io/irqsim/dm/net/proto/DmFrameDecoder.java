package io.irqsim.dm.net.proto;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.util.List;

import static io.irqsim.dm.net.proto.FrameDescriptor.FLAGS_DEFINED;
import static io.irqsim.dm.net.proto.FrameDescriptor.FLAG_MODEL_ORIGIN;
import static io.irqsim.dm.net.proto.FrameDescriptor.FLAG_POSTED;
import static io.irqsim.dm.net.proto.FrameDescriptor.FLAG_REPLY;
import static io.irqsim.dm.net.proto.FrameDescriptor.HEADER_LENGTH;

/**
 * Splits the byte stream into frames and decodes them: a state machine (header, then payload)
 * that validates the header, and the payload length against the maximum frame length in force,
 * <em>before</em> waiting for (let alone allocating for) the payload. The payload is decoded in
 * place from the cumulation buffer into a {@link Msg} record.
 *
 * <p>Emits a {@link DmFrame} per good frame, an {@link InvalidFrame} for a frame it refuses. A
 * refused frame whose length was acceptable is consumed whole and decoding goes on (a message
 * error); a bad magic, major or length is fatal: one {@link InvalidFrame} is emitted and every
 * byte after it is discarded. End of input in the middle of a frame emits a fatal
 * {@link ErrorCodes#TRUNCATED}.
 *
 * <p>The decoder knows which side it is on, so it also refuses frames going the wrong way: a
 * server accepts the model's requests and replies to its own IOREQs; a client the server's
 * IOREQ/EOI requests and replies to its own requests. One instance per channel (not sharable).
 */
public final class DmFrameDecoder extends ByteToMessageDecoder {

    /** Which side of the protocol the decoder works for. */
    public enum Role {
        /** irqsim: receives the device model's frames. */
        SERVER,
        /** A device model: receives the server's frames. */
        CLIENT
    }

    private enum State { HEADER, PAYLOAD, BROKEN }

    private final Role role;
    private int maxFrameLength = FrameDescriptor.HANDSHAKE_MAX_FRAME;
    private State state = State.HEADER;
    private int type;
    private int flags;
    private int device;
    private long id;
    private int length;
    private int headerReserved;
    private int refusalCode;

    /**
     * @param role the side this decoder works for
     */
    public DmFrameDecoder(final Role role) {
        this.role = role;
    }

    /**
     * Sets the maximum frame length (header included), e.g. to the negotiated one after HELLO.
     *
     * @param max the new limit
     */
    public void setMaxFrameLength(final int max) {
        this.maxFrameLength = max;
    }

    /** @return the maximum frame length in force */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    @Override
    protected void decode(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out) {
        while (true) {
            if (state == State.BROKEN) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (state == State.HEADER) {
                if (in.readableBytes() < HEADER_LENGTH) {
                    return;
                }
                final int at = in.readerIndex();
                final int magic = in.getUnsignedShortLE(at + FrameDescriptor.MAGIC_OFFSET);
                final int major = in.getUnsignedByte(at + FrameDescriptor.MAJOR_OFFSET);
                flags = in.getUnsignedByte(at + FrameDescriptor.FLAGS_OFFSET);
                type = in.getUnsignedShortLE(at + FrameDescriptor.TYPE_OFFSET);
                device = in.getUnsignedShortLE(at + FrameDescriptor.DEVICE_OFFSET);
                id = in.getLongLE(at + FrameDescriptor.REQUEST_ID_OFFSET);
                final long len = in.getUnsignedIntLE(at + FrameDescriptor.LENGTH_OFFSET);
                headerReserved = in.getIntLE(at + FrameDescriptor.RESERVED_OFFSET);
                if (magic != FrameDescriptor.MAGIC) {
                    broken(in, out, new InvalidFrame(0, 0, 0, 0, ErrorCodes.BAD_MAGIC,
                        String.format("bad magic 0x%04x, expected 0x%04x (bytes 44 4d)", magic, FrameDescriptor.MAGIC)));
                    return;
                }
                if (major != FrameDescriptor.MAJOR) {
                    broken(in, out, new InvalidFrame(type, flags, device, id, ErrorCodes.VERSION_MISMATCH,
                        "frame of protocol major " + major + ", this side speaks major " + FrameDescriptor.MAJOR));
                    return;
                }
                if (len > maxFrameLength - HEADER_LENGTH) {
                    broken(in, out, new InvalidFrame(type, flags, device, id, ErrorCodes.FRAME_TOO_LONG,
                        "payload of " + len + " bytes; the maximum frame is " + maxFrameLength + " bytes with its "
                            + HEADER_LENGTH + "-byte header"));
                    return;
                }
                length = (int) len;
                in.skipBytes(HEADER_LENGTH);
                state = State.PAYLOAD;
            }
            if (in.readableBytes() < length) {
                return;
            }
            final int start = in.readerIndex();
            out.add(frame(in, start));
            in.readerIndex(start + length);
            state = State.HEADER;
        }
    }

    private Object frame(final ByteBuf in, final int start) {
        final String refusal = checkHeader();
        if (refusal != null) {
            return new InvalidFrame(type, flags, device, id, refusalCode, refusal);
        }
        try {
            return new DmFrame(type, flags, device, id, PayloadCodec.decode(type, (flags & FLAG_REPLY) != 0, in, start,
                length));
        } catch (final PayloadException e) {
            return new InvalidFrame(type, flags, device, id, e.code(), e.getMessage());
        }
    }

    /** The header checks that leave the stream intact: the frame is refused, the connection goes on. */
    private String checkHeader() {
        if (headerReserved != 0) {
            refusalCode = ErrorCodes.RESERVED_NONZERO;
            return String.format("header bytes 20..23 must be zero (reserved), got 0x%08x", headerReserved);
        }
        if ((flags & ~FLAGS_DEFINED) != 0) {
            refusalCode = ErrorCodes.BAD_FLAGS;
            return String.format("undefined flag bits 0x%02x", flags & ~FLAGS_DEFINED);
        }
        final boolean reply = (flags & FLAG_REPLY) != 0;
        final boolean posted = (flags & FLAG_POSTED) != 0;
        if (reply && posted) {
            refusalCode = ErrorCodes.BAD_FLAGS;
            return "a reply cannot be posted";
        }
        if (!Opcodes.isKnown(type)) {
            refusalCode = ErrorCodes.UNKNOWN_TYPE;
            return "unknown message type " + Opcodes.describe(type);
        }
        // origin: the model's requests and the server's replies to them carry MODEL_ORIGIN; an
        // ERROR notice (not a reply) names an id of either side's space, so its bit is free
        final boolean fromModel = role == Role.SERVER;
        final boolean wantOrigin = fromModel != reply;
        final boolean notice = type == Opcodes.ERROR && !reply;
        if (!notice && ((flags & FLAG_MODEL_ORIGIN) != 0) != wantOrigin) {
            refusalCode = ErrorCodes.BAD_FLAGS;
            return (reply ? "a reply from the " : "a request from the ") + (fromModel ? "model" : "server")
                + (wantOrigin ? " must set" : " must not set") + " MODEL_ORIGIN";
        }
        if (type == Opcodes.ERROR) {
            if (posted) {
                refusalCode = ErrorCodes.BAD_FLAGS;
                return "ERROR cannot be posted";
            }
            return null;
        }
        final boolean peerRequest = fromModel ? Opcodes.isModelRequest(type) : Opcodes.isServerRequest(type);
        final boolean ourRequest = fromModel ? Opcodes.isServerRequest(type) : Opcodes.isModelRequest(type);
        if (reply ? !ourRequest || Opcodes.mustBePosted(type) : !peerRequest) {
            refusalCode = ErrorCodes.WRONG_DIRECTION;
            return Opcodes.describe(type) + (reply ? " replies" : " requests") + " are not sent by the "
                + (fromModel ? "device model" : "server");
        }
        if (!reply && posted && !Opcodes.mayBePosted(type)) {
            refusalCode = ErrorCodes.BAD_FLAGS;
            return Opcodes.describe(type) + " cannot be posted";
        }
        if (!reply && !posted && Opcodes.mustBePosted(type)) {
            refusalCode = ErrorCodes.BAD_FLAGS;
            return Opcodes.describe(type) + " is always posted";
        }
        return null;
    }

    private void broken(final ByteBuf in, final List<Object> out, final InvalidFrame why) {
        state = State.BROKEN;
        in.skipBytes(in.readableBytes());
        out.add(why);
    }

    @Override
    protected void decodeLast(final ChannelHandlerContext ctx, final ByteBuf in, final List<Object> out) {
        decode(ctx, in, out);
        if (state == State.BROKEN) {
            return;
        }
        if (state == State.PAYLOAD || in.isReadable()) {
            final int have = state == State.PAYLOAD ? HEADER_LENGTH + in.readableBytes() : in.readableBytes();
            final int want = state == State.PAYLOAD ? HEADER_LENGTH + length : HEADER_LENGTH;
            final boolean headerKnown = state == State.PAYLOAD;
            broken(in, out, new InvalidFrame(headerKnown ? type : 0, headerKnown ? flags : 0, headerKnown ? device : 0,
                headerKnown ? id : 0, ErrorCodes.TRUNCATED,
                "end of input after " + have + " of the " + want + " bytes of a " + (headerKnown ? "frame" : "header")));
        }
    }
}
