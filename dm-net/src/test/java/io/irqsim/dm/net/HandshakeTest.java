package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.server.DmServerConfig;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.irqsim.dm.net.Frames.MO;
import static io.irqsim.dm.net.Frames.REPLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HELLO: the majors must match (else one ERROR and a close), the lower minor wins, the features
 * are the intersection (a required one missing ends the handshake), each limit is the smaller of
 * the two, and the negotiated frame limit is enforced from then on.
 */
class HandshakeTest {

    ServerRig rig;
    EmbeddedChannel chan;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    private List<Object> hello(final DmServerConfig config, final Msg.Hello h) {
        rig = ServerRig.boot(config);
        final EmbeddedChannel ch = rig.connect();
        chan = ch;
        return ServerRig.exchange(ch, Frames.request(Opcodes.HELLO, 0, 1, h));
    }

    private static Msg.Error error(final List<Object> out) {
        final DmFrame f = ServerRig.only(out);
        assertEquals(Opcodes.ERROR, f.type(), f.toString());
        return (Msg.Error) f.payload();
    }

    @Test
    void aDifferentMajorGetsAnErrorThenAClose() {
        final Msg.Error e = error(hello(DmServerConfig.DEFAULT, new Msg.Hello(2, 0, 65536, 16, Features.ALL, 0)));
        assertEquals(ErrorCodes.VERSION_MISMATCH, e.code());
        assertTrue(e.text().contains("2.0"), e.text());
        assertFalse(chan.isOpen());
    }

    @Test
    void theLowerMinorWins() {
        final DmFrame r = ServerRig.only(hello(DmServerConfig.DEFAULT, new Msg.Hello(1, 9, 65536, 16, Features.ALL, 0)));
        assertEquals(new DmFrame(Opcodes.HELLO, REPLY | MO, 0, 1, new Msg.Hello(1, FrameDescriptor.MINOR, 65536, 16,
            Features.ALL, 0)), r);
        assertTrue(chan.isOpen());
    }

    @Test
    void aLaterMinorsLongerHelloIsAccepted() {
        rig = ServerRig.boot();
        final EmbeddedChannel ch = rig.connect();
        final byte[] hello = Frames.bytes(Frames.request(Opcodes.HELLO, 0, 1, new Msg.Hello(1, 3, 65536, 16,
            Features.ALL, 0)));
        // eight more payload bytes, as a 1.3 peer might append: ignored by a 1.0 receiver
        final byte[] longer = Frames.patch(Frames.concat(hello, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}),
            FrameDescriptor.LENGTH_OFFSET, 4, Msg.Hello.LENGTH + 8);
        ServerRig.send(ch, longer);
        final DmFrame r = ServerRig.only(ServerRig.decode(ServerRig.drain(ch)));
        assertEquals(0, ((Msg.Hello) r.payload()).minor());
    }

    @Test
    void featuresAreTheIntersection() {
        final DmFrame r = ServerRig.only(hello(DmServerConfig.DEFAULT.withFeatures(Features.EOI_NOTICE
            | Features.PORT_IO, 0), new Msg.Hello(1, 0, 65536, 16, Features.EOI_NOTICE | Features.PT_IRQ | 1L << 40,
            0)));
        assertEquals(Features.EOI_NOTICE, ((Msg.Hello) r.payload()).features());
        // and only the agreed ones may be used
        final DmFrame pio = ServerRig.only(ServerRig.exchange(chan, Frames.request(Opcodes.REGISTER_PIO, 0, 2,
            new Msg.RegisterPio(0xC000, 4))));
        assertEquals(ErrorCodes.NOT_NEGOTIATED, ((Msg.Error) pio.payload()).code());
        final DmFrame bind = ServerRig.only(ServerRig.exchange(chan, Frames.request(Opcodes.BIND_PT_IRQ, 0, 3,
            new Msg.BindPtIrq(0, 0, 3 << 3, 7, 0))));
        assertEquals(ErrorCodes.NOT_NEGOTIATED, ((Msg.Error) bind.payload()).code());
    }

    @Test
    void aFeatureTheModelRequiresButTheServerLacksEndsTheHandshake() {
        final Msg.Error e = error(hello(DmServerConfig.DEFAULT.withFeatures(Features.EOI_NOTICE, 0),
            new Msg.Hello(1, 0, 65536, 16, Features.ALL, Features.PT_IRQ)));
        assertEquals(ErrorCodes.FEATURE_REQUIRED, e.code());
        assertEquals("the model requires PT_IRQ, which the server does not offer", e.text());
        assertFalse(chan.isOpen());
    }

    @Test
    void aFeatureTheServerRequiresButTheModelLacksEndsTheHandshake() {
        final Msg.Error e = error(hello(DmServerConfig.DEFAULT.withFeatures(Features.ALL, Features.EOI_NOTICE),
            new Msg.Hello(1, 0, 65536, 16, Features.PORT_IO, 0)));
        assertEquals(ErrorCodes.FEATURE_REQUIRED, e.code());
        assertEquals("the server requires EOI_NOTICE, which the model does not offer", e.text());
    }

    @Test
    void limitsAreTheSmallerAndTheFrameLimitIsEnforced() {
        final DmFrame r = ServerRig.only(hello(DmServerConfig.DEFAULT, new Msg.Hello(1, 0, 512, 2, Features.ALL, 0)));
        assertEquals(new Msg.Hello(1, 0, 512, 2, Features.ALL, 0), r.payload());
        ServerRig.exchange(chan, Frames.attach(2, "domU"));
        ServerRig.exchange(chan, Frames.request(Opcodes.REGISTER_MMIO, 0, 3, new Msg.RegisterMmio(0xE000_0000L, 16)));
        ServerRig.exchange(chan, Frames.request(Opcodes.REGISTER_MMIO, 0, 4, new Msg.RegisterMmio(0xE000_1000L, 16)));
        final DmFrame third = ServerRig.only(ServerRig.exchange(chan, Frames.request(Opcodes.REGISTER_MMIO, 0, 5,
            new Msg.RegisterMmio(0xE000_2000L, 16))));
        assertEquals(ErrorCodes.LIMIT, ((Msg.Error) third.payload()).code(), "2 devices agreed");
        // a 512-byte frame passes the limit (its ATTACH name is then too long), a 513-byte one breaks the stream
        final byte[] at = Frames.patch(Frames.bytes(Frames.attach(6, "x")), FrameDescriptor.LENGTH_OFFSET, 4,
            512 - FrameDescriptor.HEADER_LENGTH);
        ServerRig.send(chan, Frames.concat(at, new byte[512 - at.length]));
        assertEquals(ErrorCodes.BAD_LENGTH, ((Msg.Error) ServerRig.only(ServerRig.decode(ServerRig.drain(chan)))
            .payload()).code());
        ServerRig.send(chan, Frames.patch(Frames.bytes(Frames.ping(7)), FrameDescriptor.LENGTH_OFFSET, 4,
            513 - FrameDescriptor.HEADER_LENGTH));
        assertEquals(ErrorCodes.FRAME_TOO_LONG, ((Msg.Error) ServerRig.only(ServerRig.decode(ServerRig.drain(chan)))
            .payload()).code());
        assertFalse(chan.isOpen());
    }

    @Test
    void aReplyAsTheFirstFrameIsAHandshakeViolation() {
        rig = ServerRig.boot();
        final EmbeddedChannel ch = rig.connect();
        final List<Object> out = ServerRig.exchange(ch, Frames.ioreqReply(1, 1, 0));
        final DmFrame e = ServerRig.only(out);
        assertEquals(ErrorCodes.HANDSHAKE_REQUIRED, ((Msg.Error) e.payload()).code());
        assertFalse(e.isReply(), "a reply is not answered: a notice");
        assertFalse(ch.isOpen());
    }
}
