package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.hw.mmio.MmioDevice;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.irqsim.dm.net.Frames.MO;
import static io.irqsim.dm.net.Frames.POSTED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every error code the server sends, each from the input that causes it, against golden bytes
 * ({@code dm-net/errors.hex}: {@code NAME.in} is what the model sends after the set-up the test
 * names, {@code NAME.out} what the server answers), with whether the connection is closed after
 * it: fatal codes close, message errors leave the connection up. MODEL_FAULT, which only a model
 * sends, is in {@link ClientTest}.
 */
class ErrorGoldenTest {

    static final Golden GOLDEN = Golden.load("errors.hex",
        "dm-net protocol 1.0: every error the server sends, with the input that causes it.\n"
            + "NAME.in: what the model sends (after the set-up the test names); NAME.out: the server's answer.");

    ServerRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    @AfterAll
    static void save() {
        GOLDEN.save();
    }

    enum Setup { NONE, HELLO, ATTACHED, NIC }

    /**
     * Runs one case on a fresh server and connection.
     *
     * @return the frames the server answered with
     */
    private List<Object> run(final String name, final String description, final DmServerConfig config,
                             final Setup setup, final byte[] input, final Consumer<EmbeddedChannel> after,
                             final boolean closes, final int code) {
        rig = ServerRig.boot(config);
        final EmbeddedChannel ch = rig.connectFrozen();
        if (setup != Setup.NONE) {
            ServerRig.handshake(ch);
        }
        if (setup == Setup.ATTACHED || setup == Setup.NIC) {
            assertEquals(Opcodes.ATTACH, ServerRig.only(ServerRig.exchange(ch, Frames.attach(2, "domU"))).type());
        }
        if (setup == Setup.NIC) {
            assertEquals(Opcodes.REGISTER_PCI, ServerRig.only(ServerRig.exchange(ch,
                Frames.request(Opcodes.REGISTER_PCI, 0, 3, Frames.nic(6)))).type());
        }
        GOLDEN.check(name + ".in", description + ": the input", input);
        ServerRig.send(ch, Golden.RECORD ? input : GOLDEN.bytes(name + ".in"));
        if (after != null) {
            after.accept(ch);
        }
        final byte[] out = ServerRig.drain(ch);
        GOLDEN.check(name + ".out", description + ": the server's answer", out);
        final List<Object> frames = ServerRig.decode(out);
        final DmFrame last = (DmFrame) frames.get(frames.size() - 1);
        assertEquals(Opcodes.ERROR, last.type(), frames.toString());
        assertEquals(ErrorCodes.name(code), ErrorCodes.name(((Msg.Error) last.payload()).code()), frames.toString());
        assertEquals(closes, !ch.isOpen(), closes ? "closed after a fatal error" : "still open after a message error");
        assertEquals(closes, ErrorCodes.isFatal(code) || setup == Setup.NONE);
        if (!closes) {
            // the connection still serves: a PING gets its reply
            final DmFrame pong = ServerRig.only(ServerRig.exchange(ch, Frames.ping(77)));
            assertEquals(Opcodes.PING, pong.type());
            assertEquals(77, pong.id());
        } else {
            assertTrue(rig.service.sessions().isEmpty(), "the session ended");
        }
        return frames;
    }

    private static DmServerConfig defaults() {
        return DmServerConfig.DEFAULT;
    }

    // ---------------------------------------------------------------- fatal: the stream

    @Test
    void badMagic() {
        final byte[] in = Frames.patch(Frames.bytes(Frames.hello(1)), 0, 2, 0x4D45);
        run("bad-magic", "a header whose magic is not 44 4d", defaults(), Setup.NONE, in, null, true,
            ErrorCodes.BAD_MAGIC);
    }

    @Test
    void versionMismatchInTheHeader() {
        final byte[] in = Frames.patch(Frames.bytes(Frames.hello(1)), 2, 1, 2);
        run("version-mismatch.header", "a frame of protocol major 2", defaults(), Setup.NONE, in, null, true,
            ErrorCodes.VERSION_MISMATCH);
    }

    @Test
    void versionMismatchInHello() {
        final byte[] in = Frames.bytes(Frames.request(Opcodes.HELLO, 0, 1, new Msg.Hello(2, 0, 65536, 16,
            Features.ALL, 0)));
        final List<Object> out = run("version-mismatch.hello", "HELLO for protocol 2.0", defaults(), Setup.NONE, in,
            null, true, ErrorCodes.VERSION_MISMATCH);
        assertEquals(1, ((DmFrame) out.get(0)).id(), "the reply carries HELLO's id");
    }

    @Test
    void frameTooLong() {
        final byte[] in = Frames.patch(Frames.bytes(Frames.hello(1)), FrameDescriptor.LENGTH_OFFSET, 4, 0x10_0000);
        run("frame-too-long", "a header announcing a 1 MiB payload before the handshake (limit 4 KiB)", defaults(),
            Setup.NONE, in, null, true, ErrorCodes.FRAME_TOO_LONG);
    }

    @Test
    void frameTooLongAfterTheHandshakeUsesTheNegotiatedLimit() {
        final byte[] in = Frames.patch(Frames.bytes(Frames.ping(5)), FrameDescriptor.LENGTH_OFFSET, 4,
            65536 - FrameDescriptor.HEADER_LENGTH + 1);
        run("frame-too-long.negotiated", "a PING announcing one byte more than the negotiated 64 KiB frame",
            defaults(), Setup.HELLO, in, null, true, ErrorCodes.FRAME_TOO_LONG);
    }

    @Test
    void truncated() {
        final byte[] ping = Frames.bytes(Frames.ping(5));
        final byte[] in = java.util.Arrays.copyOf(ping, 28);
        run("truncated", "28 of a PING's 32 bytes, then the model shuts down its sending side", defaults(),
            Setup.HELLO, in, ch -> ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE), true,
            ErrorCodes.TRUNCATED);
    }

    // ---------------------------------------------------------------- fatal: the handshake

    @Test
    void handshakeRequired() {
        run("handshake-required", "a PING before HELLO", defaults(), Setup.NONE, Frames.bytes(Frames.ping(1)), null,
            true, ErrorCodes.HANDSHAKE_REQUIRED);
    }

    @Test
    void anyErrorBeforeTheHandshakeIsFatal() {
        final byte[] in = Frames.patch(Frames.bytes(Frames.hello(1)), FrameDescriptor.RESERVED_OFFSET, 4, 1);
        run("before-handshake", "HELLO with a non-zero reserved header word", defaults(), Setup.NONE, in, null, true,
            ErrorCodes.RESERVED_NONZERO);
    }

    @Test
    void handshakeRepeated() {
        run("handshake-repeated", "a second HELLO", defaults(), Setup.HELLO, Frames.bytes(Frames.hello(2)), null, true,
            ErrorCodes.HANDSHAKE_REPEATED);
    }

    @Test
    void badHello() {
        final byte[] in = Frames.bytes(Frames.request(Opcodes.HELLO, 0, 1, new Msg.Hello(1, 0, 128, 16, Features.ALL,
            0)));
        run("bad-hello", "HELLO announcing a 128-byte maximum frame (at least 256)", defaults(), Setup.NONE, in, null,
            true, ErrorCodes.BAD_HELLO);
    }

    @Test
    void featureRequired() {
        final byte[] in = Frames.bytes(Frames.request(Opcodes.HELLO, 0, 1, new Msg.Hello(1, 0, 65536, 16,
            Features.ALL | 1L << 63, 1L << 63)));
        run("feature-required", "HELLO requiring feature bit 63, which the server does not know", defaults(),
            Setup.NONE, in, null, true, ErrorCodes.FEATURE_REQUIRED);
    }

    // ---------------------------------------------------------------- fatal: the session

    @Test
    void tooManyErrors() {
        final byte[] bad = Frames.patch(Frames.bytes(Frames.ping(5)), FrameDescriptor.TYPE_OFFSET, 2, 0x7777);
        final List<Object> out = run("too-many-errors", "two frames of an unknown type, with an error budget of 1",
            defaults().withMaxProtocolErrors(1), Setup.HELLO, Frames.concat(bad, Frames.patch(bad,
                FrameDescriptor.REQUEST_ID_OFFSET, 8, 6)), null, true, ErrorCodes.TOO_MANY_ERRORS);
        assertEquals(3, out.size(), "UNKNOWN_TYPE twice, then TOO_MANY_ERRORS: " + out);
    }

    @Test
    void deadlineExpired() {
        final long[] read = {0};
        final List<Object> out = run("deadline-expired", "the model leaves the IOREQ of a guest read unanswered for"
                + " 5 s", defaults(), Setup.NIC, new byte[0], ch -> {
                    ch.freezeTime();
                    rig.machine.guest("domU").domain().vcpu(0).mmioReadAsync(0xF006_0010L, 4, v -> read[0] = v);
                    assertEquals(1, rig.service.sessions().get(0).pendingIoreqs());
                    ch.advanceTimeBy(4999, TimeUnit.MILLISECONDS);
                    ch.runScheduledPendingTasks();
                    assertEquals(1, rig.service.sessions().get(0).pendingIoreqs(), "not yet");
                    ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
                    ch.runScheduledPendingTasks();
                }, true, ErrorCodes.DEADLINE_EXPIRED);
        assertEquals(Opcodes.IOREQ, ((DmFrame) out.get(0)).type());
        assertEquals(MmioDevice.allOnes(4), read[0], "the guest's read completed unanswered: all ones");
        assertEquals(0, rig.machine.guest("domU").domain().vcpu(0).ioreqsInFlight());
    }

    @Test
    void shuttingDown() {
        run("shutting-down", "nothing: the server shuts down", defaults(), Setup.ATTACHED, new byte[0],
            ch -> rig.service.shutdown(), true, ErrorCodes.SHUTTING_DOWN);
    }

    @Test
    void handshakeTimedOut() {
        // the start of a HELLO, and nothing more: a client trickling its bytes, or a stray connection
        final byte[] in = java.util.Arrays.copyOf(Frames.bytes(Frames.hello(1)), 10);
        run("timed-out.handshake", "10 bytes of a HELLO, then nothing for 10 s", defaults(), Setup.NONE, in, ch -> {
            ch.advanceTimeBy(9999, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            assertTrue(ch.isOpen(), "not yet at 9.999 s");
            ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }, true, ErrorCodes.TIMED_OUT);
    }

    @Test
    void serverFull() {
        rig = ServerRig.boot(DmServerConfig.DEFAULT.withLimits(DmServerConfig.Limits.DEFAULT.withMaxConnections(1)));
        final EmbeddedChannel first = rig.connectFrozen();
        ServerRig.handshake(first);
        final EmbeddedChannel second = rig.connectFrozen();
        GOLDEN.check("server-full.in", "a second connection while the cap is 1: the input (none)", new byte[0]);
        final byte[] out = ServerRig.drain(second);
        GOLDEN.check("server-full.out", "a second connection while the cap is 1: the server's answer", out);
        final DmFrame e = ServerRig.only(ServerRig.decode(out));
        assertEquals(ErrorCodes.SERVER_FULL, ((Msg.Error) e.payload()).code());
        assertFalse(second.isOpen(), "closed after SERVER_FULL");
        assertEquals(1, rig.service.sessions().size(), "no session for it");
        assertTrue(first.isOpen(), "the first connection goes on");
        assertEquals(Opcodes.PING, ServerRig.only(ServerRig.exchange(first, Frames.ping(9))).type());
    }

    // ---------------------------------------------------------------- message errors

    @Test
    void registerMmioOfTwoToTheSixtyThreeBytesIsABadValue() {
        run("bad-value.mmio-length", "REGISTER_MMIO at 0 of 2^63 bytes", defaults(), Setup.ATTACHED,
            Frames.bytes(Frames.request(Opcodes.REGISTER_MMIO, 0, 5, new Msg.RegisterMmio(0, Long.MIN_VALUE))), null,
            false, ErrorCodes.BAD_VALUE);
    }

    @Test
    void bindPtIrqToGuestDevice255IsABadValue() {
        run("bad-value.pt-irq-device", "BIND_PT_IRQ of 00:03.0 to guest device 255", defaults(), Setup.ATTACHED,
            Frames.bytes(Frames.request(Opcodes.BIND_PT_IRQ, 0, 5, new Msg.BindPtIrq(0, 0, 3 << 3, 255, 0))), null,
            false, ErrorCodes.BAD_VALUE);
    }

    @Test
    void unknownType() {
        run("unknown-type", "a frame of type 0x7777", defaults(), Setup.HELLO,
            Frames.patch(Frames.bytes(Frames.ping(5)), FrameDescriptor.TYPE_OFFSET, 2, 0x7777), null, false,
            ErrorCodes.UNKNOWN_TYPE);
    }

    @Test
    void badLength() {
        final byte[] ping = Frames.bytes(Frames.ping(5));
        final byte[] in = Frames.patch(java.util.Arrays.copyOf(ping, ping.length - 4), FrameDescriptor.LENGTH_OFFSET,
            4, 4);
        run("bad-length", "a PING with a 4-byte payload (8 needed)", defaults(), Setup.HELLO, in, null, false,
            ErrorCodes.BAD_LENGTH);
    }

    @Test
    void reservedNonzeroInTheHeader() {
        run("reserved-nonzero.header", "a PING with a non-zero reserved header word", defaults(), Setup.HELLO,
            Frames.patch(Frames.bytes(Frames.ping(5)), FrameDescriptor.RESERVED_OFFSET, 4, 0x100), null, false,
            ErrorCodes.RESERVED_NONZERO);
    }

    @Test
    void reservedNonzeroInThePayload() {
        final byte[] in = Frames.patch(Frames.bytes(Frames.request(Opcodes.SET_INTX, 1, 5, new Msg.SetIntx(1))),
            FrameDescriptor.HEADER_LENGTH + 3, 1, 0xAA);
        run("reserved-nonzero.payload", "SET_INTX with a non-zero reserved byte", defaults(), Setup.ATTACHED, in, null,
            false, ErrorCodes.RESERVED_NONZERO);
    }

    @Test
    void badFlags() {
        run("bad-flags", "a PING with the undefined flag bit 0x80", defaults(), Setup.HELLO,
            Frames.patch(Frames.bytes(Frames.ping(5)), FrameDescriptor.FLAGS_OFFSET, 1, 0x80 | MO), null, false,
            ErrorCodes.BAD_FLAGS);
    }

    @Test
    void badFlagsPostedPing() {
        run("bad-flags.posted", "a posted PING (only SET_* and INJECT_MSI may be posted)", defaults(), Setup.HELLO,
            Frames.bytes(new DmFrame(Opcodes.PING, MO | POSTED, 0, 5, new Msg.Ping(5))), null, false,
            ErrorCodes.BAD_FLAGS);
    }

    @Test
    void badFlagsOrigin() {
        run("bad-flags.origin", "a request from the model without MODEL_ORIGIN", defaults(), Setup.HELLO,
            Frames.bytes(new DmFrame(Opcodes.PING, 0, 0, 5, new Msg.Ping(5))), null, false, ErrorCodes.BAD_FLAGS);
    }

    @Test
    void badValue() {
        run("bad-value", "SET_INTX with level 2", defaults(), Setup.ATTACHED,
            Frames.patch(Frames.bytes(Frames.request(Opcodes.SET_INTX, 1, 5, new Msg.SetIntx(1))),
                FrameDescriptor.HEADER_LENGTH, 1, 2), null, false, ErrorCodes.BAD_VALUE);
    }

    @Test
    void wrongDirection() {
        run("wrong-direction", "an EOI notice sent by the model", defaults(), Setup.HELLO,
            Frames.bytes(new DmFrame(Opcodes.EOI, MO | POSTED, 0, 5, new Msg.Eoi(40))), null, false,
            ErrorCodes.WRONG_DIRECTION);
    }

    @Test
    void notNegotiated() {
        final byte[] in = Frames.bytes(Frames.request(Opcodes.REGISTER_PIO, 0, 5, new Msg.RegisterPio(0xC000, 8)));
        run("not-negotiated", "REGISTER_PIO when the server does not offer PORT_IO",
            defaults().withFeatures(Features.EOI_NOTICE | Features.PT_IRQ, 0), Setup.ATTACHED, in, null, false,
            ErrorCodes.NOT_NEGOTIATED);
    }

    @Test
    void notAttached() {
        run("not-attached", "REGISTER_MMIO before ATTACH", defaults(), Setup.HELLO,
            Frames.bytes(Frames.request(Opcodes.REGISTER_MMIO, 0, 5, new Msg.RegisterMmio(0xE000_0000L, 0x1000))),
            null, false, ErrorCodes.NOT_ATTACHED);
    }

    @Test
    void alreadyAttached() {
        run("already-attached", "a second ATTACH", defaults(), Setup.ATTACHED, Frames.bytes(Frames.attach(5, "domU")),
            null, false, ErrorCodes.ALREADY_ATTACHED);
    }

    @Test
    void noSuchDomain() {
        run("no-such-domain", "ATTACH to a domain named nosuch", defaults(), Setup.HELLO,
            Frames.bytes(Frames.attach(5, "nosuch")), null, false, ErrorCodes.NO_SUCH_DOMAIN);
    }

    @Test
    void domainRefused() {
        run("domain-refused", "ATTACH to domain 0, the hardware domain", defaults(), Setup.HELLO,
            Frames.bytes(Frames.request(Opcodes.ATTACH, 0, 5, new Msg.Attach(0, ""))), null, false,
            ErrorCodes.DOMAIN_REFUSED);
    }

    @Test
    void noSuchDevice() {
        run("no-such-device", "SET_INTX of device 9, which the session does not have", defaults(), Setup.ATTACHED,
            Frames.bytes(Frames.request(Opcodes.SET_INTX, 9, 5, new Msg.SetIntx(1))), null, false,
            ErrorCodes.NO_SUCH_DEVICE);
    }

    @Test
    void overlap() {
        run("overlap", "REGISTER_MMIO over domU's vIO-APIC at 0xfec00000", defaults(), Setup.ATTACHED,
            Frames.bytes(Frames.request(Opcodes.REGISTER_MMIO, 0, 5, new Msg.RegisterMmio(0xFEC0_0000L, 0x1000))),
            null, false, ErrorCodes.OVERLAP);
    }

    @Test
    void slotBusy() {
        run("slot-busy", "REGISTER_PCI at slot 6 again", defaults(), Setup.NIC,
            Frames.bytes(Frames.request(Opcodes.REGISTER_PCI, 0, 5, Frames.nic(6))), null, false,
            ErrorCodes.SLOT_BUSY);
    }

    @Test
    void limit() {
        run("limit", "a second device with a limit of one device per session", defaults().withMaxDevices(1),
            Setup.NIC, Frames.bytes(Frames.request(Opcodes.REGISTER_MMIO, 0, 5, new Msg.RegisterMmio(0xE000_0000L,
                0x1000))), null, false, ErrorCodes.LIMIT);
    }

    @Test
    void unknownReply() {
        final List<Object> out = run("unknown-reply", "an IOREQ reply with id 99, which no IOREQ has", defaults(),
            Setup.NIC, Frames.bytes(Frames.ioreqReply(1, 99, 0)), null, false, ErrorCodes.UNKNOWN_REPLY);
        final DmFrame e = (DmFrame) out.get(0);
        assertFalse(e.isReply(), "a notice: replies are not answered");
        assertEquals(99, e.id());
    }

    @Test
    void hypervisor() {
        final List<Object> out = run("hypervisor", "SET_PCI_LINK_ROUTE of link 4 (Xen knows 0..3)", defaults(),
            Setup.ATTACHED, Frames.bytes(Frames.request(Opcodes.SET_PCI_LINK_ROUTE, 0, 5, new Msg.SetPciLinkRoute(4,
                10))), null, false, ErrorCodes.HYPERVISOR);
        assertEquals(-22, ((Msg.Error) ((DmFrame) out.get(0)).payload()).errno(), "-EINVAL");
    }

    @Test
    void notAssigned() {
        final List<Object> out = run("not-assigned", "BIND_PT_IRQ of 00:03.0, not assigned to domU (its attach failed under status-quo)",
            defaults(), Setup.ATTACHED, Frames.bytes(Frames.request(Opcodes.BIND_PT_IRQ, 0, 5,
                new Msg.BindPtIrq(0, 0, 3 << 3, 7, 0))), null, false, ErrorCodes.NOT_ASSIGNED);
        assertEquals(0, ((Msg.Error) ((DmFrame) out.get(0)).payload()).errno(),
            "no hypercall failed: errno 0, as for every code but HYPERVISOR");
    }

    @Test
    void everyServerErrorCodeHasAGoldenCase() {
        if (Golden.RECORD) {
            return;
        }
        final java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (final String name : GOLDEN.names()) {
            if (name.endsWith(".out")) {
                final List<Object> frames = ServerRig.decode(GOLDEN.bytes(name));
                seen.add(((Msg.Error) ((DmFrame) frames.get(frames.size() - 1)).payload()).code());
            }
        }
        for (final int code : ErrorCodes.all()) {
            if (code != ErrorCodes.MODEL_FAULT) {
                assertTrue(seen.contains(code), ErrorCodes.name(code) + " has a golden case");
            }
        }
    }
}
