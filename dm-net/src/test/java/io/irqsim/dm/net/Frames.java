package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameEncoder;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.proto.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.List;

/** Frames and byte sequences the tests send. */
final class Frames {

    static final int MO = FrameDescriptor.FLAG_MODEL_ORIGIN;
    static final int REPLY = FrameDescriptor.FLAG_REPLY;
    static final int POSTED = FrameDescriptor.FLAG_POSTED;

    /** The HELLO a default client sends. */
    static final Msg.Hello HELLO = new Msg.Hello(1, 0, 65536, 16, Features.ALL, 0);

    private Frames() {
    }

    /** A request from the model. */
    static DmFrame request(final int type, final int device, final long id, final Payload p) {
        return new DmFrame(type, MO, device, id, p);
    }

    static DmFrame hello(final long id) {
        return request(Opcodes.HELLO, 0, id, HELLO);
    }

    static DmFrame attach(final long id, final String name) {
        return request(Opcodes.ATTACH, 0, id, new Msg.Attach(Msg.DOMID_BY_NAME, name));
    }

    static DmFrame ping(final long id) {
        return request(Opcodes.PING, 0, id, new Msg.Ping(id));
    }

    static Msg.RegisterPci nic(final int slot) {
        return new Msg.RegisterPci(slot, 0, 1, 0x1B36, 0x0005, 0x020000, List.of(0x1000L, 0L, 0L, 0L, 0L, 0L));
    }

    /** The model's answer to an IOREQ. */
    static DmFrame ioreqReply(final int device, final long id, final long data) {
        return new DmFrame(Opcodes.IOREQ, REPLY, device, id, new Msg.IoreqDone(data));
    }

    static byte[] bytes(final DmFrame... frames) {
        final ByteBuf b = Unpooled.buffer();
        for (final DmFrame f : frames) {
            DmFrameEncoder.write(f, b);
        }
        final byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    static byte[] concat(final byte[]... parts) {
        int n = 0;
        for (final byte[] p : parts) {
            n += p.length;
        }
        final byte[] out = new byte[n];
        int at = 0;
        for (final byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Sets a little-endian field of a frame's bytes. */
    static byte[] patch(final byte[] frame, final int offset, final int size, final long value) {
        final byte[] out = frame.clone();
        for (int i = 0; i < size; i++) {
            out[offset + i] = (byte) (value >>> (8 * i));
        }
        return out;
    }
}
