package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.InvalidFrame;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.proto.Payload;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.irqsim.dm.net.Frames.MO;
import static io.irqsim.dm.net.Frames.POSTED;
import static io.irqsim.dm.net.Frames.REPLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random and truncated frames (a fixed seed) against a running server over TCP. Every invalid
 * frame in an open session gets an ERROR frame carrying its id, then the session goes on (a PING
 * after each one proves it) until the error budget is spent (one more ERROR, then a close); every
 * stream-breaking input gets one ERROR frame and a close. Meanwhile a well-behaved model attached
 * to domU keeps raising interrupts the guest handles, and at the end the machine is exactly as it
 * was: nothing reached it from a rejected frame.
 */
class FuzzTest {

    static final long SEED = 0x5EED_D1CEL;
    static final int MESSAGE_ERRORS = 2000;
    static final int STREAM_ERRORS = 300;

    static DmLoopback good;
    static EventLoopGroup peers;
    static String address;

    final Random random = new Random(SEED);
    RawPeer peer;
    long nextId = 1000;
    int errorsSeen;
    int closes;

    @BeforeAll
    static void start() throws Exception {
        good = DmLoopback.start(DmLoopback.Transport.TCP);
        address = good.server().addresses().get(0);
        peers = new MultiThreadIoEventLoopGroup(1, DmTransport.ioHandlerFactory());
    }

    @AfterAll
    static void stop() {
        good.close();
        peers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void everyBadFrameGetsAnErrorOrACloseAndNothingChanges() throws Exception {
        good.interrupts(10).get(60, TimeUnit.SECONDS);
        final List<String> before = good.server().call(MachineState::of);

        for (int i = 0; i < MESSAGE_ERRORS; i++) {
            if (peer == null || !peer.isOpen()) {
                openSession();
            }
            final long id = nextId++;
            final byte[] bad = messageError(id);
            peer.send(bad);
            final long pingId = nextId++;
            peer.send(Frames.ping(pingId));
            expectErrorThenPong(id, pingId, bad);
            if (i % 250 == 249) {
                goodModelStillWorks();
            }
        }
        if (peer != null) {
            peer.close();
        }
        for (int i = 0; i < STREAM_ERRORS; i++) {
            streamError(i);
            if (i % 50 == 49) {
                goodModelStillWorks();
            }
        }
        assertTrue(errorsSeen >= MESSAGE_ERRORS + STREAM_ERRORS - STREAM_ERRORS / 10, "errors seen: " + errorsSeen);
        assertTrue(closes > 0, "the error budget closed some sessions");

        goodModelStillWorks();
        final List<String> after = good.server().call(MachineState::of);
        assertEquals(String.join("\n", before), String.join("\n", after));
        final int sessions = good.server().call(s -> s.sessions().size());
        assertEquals(1, sessions, "only the good model is left");
    }

    private void goodModelStillWorks() throws Exception {
        final long raised = good.model().stats().get(10, TimeUnit.SECONDS).raised();
        good.interrupts(20).get(60, TimeUnit.SECONDS);
        assertEquals(raised + 20, good.guestRead(), "RAISED, read by the guest through the model");
    }

    private void openSession() throws Exception {
        peer = RawPeer.connect(peers, address);
        peer.send(Frames.hello(1));
        assertEquals(Opcodes.HELLO, peer.nextFrame().type());
    }

    /**
     * After a refused frame: exactly one ERROR for it (carrying its id) and then the PONG; or, if
     * the budget ran out, ERRORs and a close.
     */
    private void expectErrorThenPong(final long id, final long pingId, final byte[] bad) throws Exception {
        final String what = FrameDump.dump(bad);
        final DmFrame first = peer.nextFrame();
        assertEquals(Opcodes.ERROR, first.type(), what);
        assertEquals(id, first.id(), "the ERROR carries the refused frame's id\n" + what + first);
        errorsSeen++;
        final Object next = peer.next();
        if (next instanceof DmFrame && ((DmFrame) next).type() == Opcodes.PING) {
            assertEquals(pingId, ((DmFrame) next).id());
            return;
        }
        // the budget is spent: a fatal TOO_MANY_ERRORS, then the close
        assertTrue(next instanceof DmFrame && ((DmFrame) next).type() == Opcodes.ERROR, what + next);
        assertTrue(((Msg.Error) ((DmFrame) next).payload()).fatal(), String.valueOf(next));
        assertSame(RawPeer.CLOSED, peer.next());
        closes++;
        peer = null;
    }

    private byte[] messageError(final long id) {
        final int kind = random.nextInt(12);
        switch (kind) {
            case 0: { // a type nobody knows
                int type;
                do {
                    type = random.nextInt(0x10000);
                } while (Opcodes.isKnown(type));
                return Frames.patch(Frames.bytes(Frames.ping(id)), FrameDescriptor.TYPE_OFFSET, 2, type);
            }
            case 1: // the reserved header word
                return Frames.patch(Frames.bytes(Frames.ping(id)), FrameDescriptor.RESERVED_OFFSET, 4,
                    1 + random.nextInt(Integer.MAX_VALUE));
            case 2: // undefined flag bits
                return Frames.patch(Frames.bytes(Frames.ping(id)), FrameDescriptor.FLAGS_OFFSET, 1,
                    MO | (8 + random.nextInt(0xF8)) & 0xF8 | 0x08);
            case 3: // a posted reply, or a request without its origin bit
                return Frames.bytes(new DmFrame(Opcodes.PING, random.nextBoolean() ? REPLY | POSTED | MO : 0, 0, id,
                    new Msg.Ping(id)));
            case 4: { // a known request type with a payload of the wrong length
                final DmFrame t = template(id);
                final byte[] good = Frames.bytes(t);
                final int want = good.length - FrameDescriptor.HEADER_LENGTH;
                int len;
                do {
                    len = random.nextInt(80);
                } while (len == want || t.type() == Opcodes.ATTACH);
                final byte[] payload = new byte[len];
                random.nextBytes(payload);
                return Frames.concat(Frames.patch(Arrays.copyOf(good, FrameDescriptor.HEADER_LENGTH),
                    FrameDescriptor.LENGTH_OFFSET, 4, len), payload);
            }
            case 5: { // a reserved payload byte set
                final int[][] reserved = {
                    {Opcodes.SET_INTX, 1 + random.nextInt(7)},
                    {Opcodes.SET_ISA_IRQ, 2 + random.nextInt(6)},
                    {Opcodes.SET_PCI_LINK_ROUTE, 2 + random.nextInt(6)},
                    {Opcodes.INJECT_MSI, 12 + random.nextInt(4)},
                    {Opcodes.BIND_PT_IRQ, 6 + random.nextInt(2)},
                    {Opcodes.GOODBYE, 4 + random.nextInt(4)},
                    {Opcodes.REGISTER_PIO, 4 + random.nextInt(4)},
                    {Opcodes.REGISTER_PCI, 36 + random.nextInt(4)},
                };
                final int[] r = reserved[random.nextInt(reserved.length)];
                return Frames.patch(Frames.bytes(byType(r[0], id)), FrameDescriptor.HEADER_LENGTH + r[1], 1,
                    1 + random.nextInt(255));
            }
            case 6: // a level that is neither 0 nor 1
                return Frames.patch(Frames.bytes(Frames.request(Opcodes.SET_INTX, 1, id, new Msg.SetIntx(1))),
                    FrameDescriptor.HEADER_LENGTH, 1, 2 + random.nextInt(254));
            case 7: // a PCI slot outside 1..31
                return Frames.patch(Frames.bytes(Frames.request(Opcodes.REGISTER_PCI, 0, id, Frames.nic(6))),
                    FrameDescriptor.HEADER_LENGTH, 1, random.nextBoolean() ? 0 : 32 + random.nextInt(224));
            case 8: // well formed, but the session never attached
                return Frames.bytes(template(id));
            case 9: // an answer to an IOREQ that was never sent
                return Frames.bytes(Frames.ioreqReply(random.nextInt(4), id, random.nextLong()));
            case 10: // frames only the server sends
                return Frames.bytes(random.nextBoolean()
                    ? new DmFrame(Opcodes.EOI, MO | POSTED, 1, id, new Msg.Eoi(random.nextInt(48)))
                    : Frames.request(Opcodes.IOREQ, 1, id, new Msg.Ioreq(0, true, 4, 0, 0, 0, 0xE000_0000L, 0)));
            default: { // ATTACH to domains that do not exist
                final StringBuilder name = new StringBuilder("zz");
                for (int i = random.nextInt(10); i >= 0; i--) {
                    name.append((char) ('a' + random.nextInt(26)));
                }
                return Frames.bytes(random.nextBoolean() ? Frames.attach(id, name.toString())
                    : Frames.request(Opcodes.ATTACH, 0, id, new Msg.Attach(100 + random.nextInt(30000), "")));
            }
        }
    }

    /** A well-formed request that needs an attached session (so an unattached one refuses it). */
    private DmFrame template(final long id) {
        final int[] types = {Opcodes.SET_INTX, Opcodes.SET_ISA_IRQ, Opcodes.SET_PCI_LINK_ROUTE, Opcodes.INJECT_MSI,
            Opcodes.BIND_PT_IRQ, Opcodes.REGISTER_MMIO, Opcodes.REGISTER_PIO, Opcodes.REGISTER_PCI};
        return byType(types[random.nextInt(types.length)], id);
    }

    private DmFrame byType(final int type, final long id) {
        final Payload p;
        switch (type) {
            case Opcodes.SET_INTX: p = new Msg.SetIntx(random.nextInt(2)); break;
            case Opcodes.SET_ISA_IRQ: p = new Msg.SetIsaIrq(random.nextInt(16), random.nextInt(2)); break;
            case Opcodes.SET_PCI_LINK_ROUTE: p = new Msg.SetPciLinkRoute(random.nextInt(4), random.nextInt(16)); break;
            case Opcodes.INJECT_MSI: p = new Msg.InjectMsi(0xFEE0_0000L, 0x40 + random.nextInt(0x80)); break;
            case Opcodes.BIND_PT_IRQ: p = new Msg.BindPtIrq(0, 0, 3 << 3, random.nextInt(32), random.nextInt(4)); break;
            case Opcodes.REGISTER_MMIO: p = new Msg.RegisterMmio(0xE000_0000L, 0x1000); break;
            case Opcodes.REGISTER_PIO: p = new Msg.RegisterPio(0xC000, 8); break;
            case Opcodes.GOODBYE: p = new Msg.Goodbye(0); break;
            default: p = Frames.nic(1 + random.nextInt(31)); break;
        }
        return Frames.request(type, type == Opcodes.SET_INTX ? 1 : 0, id, p);
    }

    /** A fresh connection that breaks the stream: exactly one ERROR, then a close (or just the close). */
    private void streamError(final int i) throws Exception {
        final RawPeer p = RawPeer.connect(peers, address);
        final int kind = random.nextInt(6);
        final boolean handshake = kind >= 2;
        if (handshake) {
            p.send(Frames.hello(1));
            assertEquals(Opcodes.HELLO, p.nextFrame().type());
        }
        final byte[] sent;
        switch (kind) {
            case 0: { // random bytes instead of a HELLO, then end of input
                sent = new byte[1 + random.nextInt(200)];
                random.nextBytes(sent);
                p.send(sent);
                p.shutdownOutput();
                break;
            }
            case 1: { // a HELLO with an impossible maximum frame, random versions and required features
                sent = Frames.bytes(Frames.request(Opcodes.HELLO, 0, 1, new Msg.Hello(random.nextBoolean() ? 2 : 1,
                    random.nextInt(256), random.nextInt(256), random.nextInt(2), Features.ALL, random.nextLong())));
                p.send(sent);
                break;
            }
            case 2: { // a frame cut short, then end of input
                final byte[] whole = Frames.bytes(byType(new int[] {Opcodes.SET_INTX, Opcodes.INJECT_MSI,
                    Opcodes.REGISTER_PCI, Opcodes.GOODBYE}[random.nextInt(4)], 5));
                sent = Arrays.copyOf(whole, 1 + random.nextInt(whole.length - 1));
                p.send(sent);
                p.shutdownOutput();
                break;
            }
            case 3: // a bad magic
                sent = Frames.patch(Frames.bytes(Frames.ping(5)), 0, 2, random.nextInt(0x4D44));
                p.send(sent);
                break;
            case 4: // a length past the negotiated maximum
                sent = Frames.patch(Frames.bytes(Frames.ping(5)), FrameDescriptor.LENGTH_OFFSET, 4,
                    65536 - FrameDescriptor.HEADER_LENGTH + 1 + random.nextInt(Integer.MAX_VALUE - 65536));
                p.send(sent);
                break;
            default: // a second HELLO
                sent = Frames.bytes(Frames.hello(2));
                p.send(sent);
                break;
        }
        final Object first = p.next();
        if (first == RawPeer.CLOSED || first instanceof InvalidFrame) {
            fail("case " + i + " (kind " + kind + "): " + first + " instead of an ERROR frame\n" + FrameDump.dump(sent));
        }
        final DmFrame f = (DmFrame) first;
        assertEquals(Opcodes.ERROR, f.type(), "case " + i + " (kind " + kind + ")\n" + FrameDump.dump(sent));
        assertTrue(((Msg.Error) f.payload()).fatal(), f.toString());
        errorsSeen++;
        assertSame(RawPeer.CLOSED, p.next(), "closed after the one ERROR: case " + i);
        assertFalse(p.isOpen());
    }

    private static void fail(final String message) {
        throw new AssertionError(message);
    }
}
