package io.irqsim.dm.net;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.client.DmRemoteException;
import io.irqsim.dm.net.client.IoreqHandler;
import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static io.irqsim.dm.net.Frames.MO;
import static io.irqsim.dm.net.Frames.POSTED;
import static io.irqsim.dm.net.Frames.REPLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DeviceModelClient} over an {@code EmbeddedChannel}: what it sends for each call, how it
 * answers IOREQs and EOIs, and how it reports the server's errors. Golden bytes of what only a
 * model sends (MODEL_FAULT) are in {@code dm-net/client.hex}.
 */
class ClientTest {

    static final Golden GOLDEN = Golden.load("client.hex",
        "dm-net protocol 1.0: what the Java client (a device model) answers to the server's frames.\n"
            + "NAME.in: what the server sends; NAME.out: the model's answer.");

    EmbeddedChannel ch;
    DeviceModelClient client;

    @BeforeEach
    void connect() throws Exception {
        ch = new EmbeddedChannel(new DmCodec(DmFrameDecoder.Role.CLIENT), DeviceModelClient.newHandler());
        client = DeviceModelClient.over(ch);
        final CompletableFuture<Msg.Hello> hello = client.hello(DeviceModelClient.Options.DEFAULT);
        assertEquals(List.of(Frames.hello(1)), sent());
        receive(new DmFrame(Opcodes.HELLO, REPLY | MO, 0, 1, new Msg.Hello(1, 0, 4096, 8, Features.EOI_NOTICE, 0)));
        assertEquals(4096, hello.get().maxFrame());
        assertEquals(Features.EOI_NOTICE, client.negotiated().features());
    }

    @Test
    void aClientWithNothingToSayPingsSoTheServersIdleTimeoutSparesIt() {
        ch.pipeline().fireUserEventTriggered(io.netty.handler.timeout.IdleStateEvent.WRITER_IDLE_STATE_EVENT);
        final List<DmFrame> out = sent();
        assertEquals(1, out.size(), out.toString());
        assertEquals(Opcodes.PING, out.get(0).type());
        assertTrue(DeviceModelClient.KEEPALIVE.compareTo(
            io.irqsim.dm.net.server.DmServerConfig.Limits.DEFAULT.idleTimeout().dividedBy(2)) < 0,
            "well within the server's default idle timeout");
    }

    @Test
    void aHelloReplyWithMaximumFrameZeroIsRefusedWithTheReason() {
        final EmbeddedChannel c = new EmbeddedChannel(new DmCodec(DmFrameDecoder.Role.CLIENT),
            DeviceModelClient.newHandler());
        final CompletableFuture<Msg.Hello> hello = DeviceModelClient.over(c).hello(DeviceModelClient.Options.DEFAULT);
        c.writeInbound(Unpooled.wrappedBuffer(Frames.bytes(new DmFrame(Opcodes.HELLO, REPLY | MO, 0, 1,
            new Msg.Hello(1, 0, 0, 8, Features.EOI_NOTICE, 0)))));
        final ExecutionException e = assertThrows(ExecutionException.class, hello::get);
        assertEquals("the server's HELLO reply is invalid: maximum frame 0 (must be 256..65536)",
            e.getCause().getMessage());
    }

    @AfterAll
    static void save() {
        GOLDEN.save();
    }

    private void receive(final DmFrame... frames) {
        ch.writeInbound(Unpooled.wrappedBuffer(Frames.bytes(frames)));
    }

    private byte[] sentBytes() {
        ch.runPendingTasks();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out.toByteArray();
    }

    private List<DmFrame> sent() {
        final EmbeddedChannel dec = new EmbeddedChannel(new DmFrameDecoder(DmFrameDecoder.Role.SERVER));
        dec.writeInbound(Unpooled.wrappedBuffer(sentBytes()));
        final List<DmFrame> out = new ArrayList<>();
        Object o;
        while ((o = dec.readInbound()) != null) {
            out.add((DmFrame) o);
        }
        return out;
    }

    private static DmFrame ioreq(final long id, final int device, final boolean read, final long offset,
                                 final long data) {
        return new DmFrame(Opcodes.IOREQ, 0, device, id, new Msg.Ioreq(Msg.SPACE_MMIO, read, 4, 0, 0, offset,
            0xE000_0000L + offset, data));
    }

    @Test
    void registersARangeAndAnswersItsIoreqsThroughItsHandler() throws Exception {
        final List<String> calls = new ArrayList<>();
        final CompletableFuture<Integer> dev = client.registerMmio(0xE000_0000L, 0x1000, new IoreqHandler() {
            @Override
            public long read(final long offset, final int size) {
                calls.add("read " + offset + "/" + size);
                return 0xABCD_1234_5678L;
            }

            @Override
            public void write(final long offset, final int size, final long value) {
                calls.add("write " + offset + "/" + size + "=" + value);
            }
        });
        assertEquals(List.of(Frames.request(Opcodes.REGISTER_MMIO, 0, 2, new Msg.RegisterMmio(0xE000_0000L, 0x1000))),
            sent());
        receive(new DmFrame(Opcodes.REGISTER_MMIO, REPLY | MO, 3, 2, new Msg.Registered(0)));
        assertEquals(3, dev.get());
        receive(ioreq(10, 3, true, 4, 0), ioreq(11, 3, false, 8, 7));
        assertEquals(List.of("read 4/4", "write 8/4=7"), calls);
        assertEquals(List.of(Frames.ioreqReply(3, 10, 0xABCD_1234_5678L), Frames.ioreqReply(3, 11, 0)), sent());
        assertEquals(2, client.ioreqsAnswered());
    }

    @Test
    void anIoreqWithoutAHandlerIsAModelFault() {
        final byte[] in = Frames.bytes(ioreq(5, 9, true, 0, 0));
        GOLDEN.check("model-fault.no-handler.in", "an IOREQ for device 9, which the model never registered", in);
        ch.writeInbound(Unpooled.wrappedBuffer(Golden.RECORD ? in : GOLDEN.bytes("model-fault.no-handler.in")));
        final byte[] out = sentBytes();
        GOLDEN.check("model-fault.no-handler.out", "the model's answer: MODEL_FAULT", out);
        assertEquals(1, client.ioreqsRefused());
    }

    @Test
    void aFailingHandlerIsAModelFault() throws Exception {
        final CompletableFuture<Integer> dev = client.registerMmio(0xE000_0000L, 0x1000, new IoreqHandler() {
            @Override
            public long read(final long offset, final int size) {
                throw new IllegalStateException("device on fire");
            }

            @Override
            public void write(final long offset, final int size, final long value) {
            }
        });
        sent();
        receive(new DmFrame(Opcodes.REGISTER_MMIO, REPLY | MO, 1, 2, new Msg.Registered(0)));
        assertEquals(1, dev.get());
        final byte[] in = Frames.bytes(ioreq(6, 1, true, 4, 0));
        GOLDEN.check("model-fault.handler-failed.in", "an IOREQ whose handler throws", in);
        ch.writeInbound(Unpooled.wrappedBuffer(Golden.RECORD ? in : GOLDEN.bytes("model-fault.handler-failed.in")));
        final byte[] out = sentBytes();
        GOLDEN.check("model-fault.handler-failed.out", "the model's answer: MODEL_FAULT with the exception", out);
        assertEquals(1, client.ioreqsRefused());
    }

    @Test
    void aReplyToNoRequestIsAnsweredWithUnknownReply() {
        final byte[] in = Frames.bytes(new DmFrame(Opcodes.PING, REPLY | MO, 0, 42, new Msg.Ping(42)));
        GOLDEN.check("unknown-reply.in", "a PING reply for request 42, which the model never sent", in);
        ch.writeInbound(Unpooled.wrappedBuffer(Golden.RECORD ? in : GOLDEN.bytes("unknown-reply.in")));
        GOLDEN.check("unknown-reply.out", "the model's answer: an UNKNOWN_REPLY notice", sentBytes());
        assertTrue(ch.isOpen());
    }

    @Test
    void anInvalidServerFrameIsAnsweredAndAFatalOneCloses() {
        final byte[] bad = Frames.patch(Frames.bytes(ioreq(7, 1, true, 0, 0)), FrameDescriptor.HEADER_LENGTH + 2, 1, 3);
        GOLDEN.check("bad-value.in", "an IOREQ of size 3", bad);
        ch.writeInbound(Unpooled.wrappedBuffer(Golden.RECORD ? bad : GOLDEN.bytes("bad-value.in")));
        GOLDEN.check("bad-value.out", "the model's answer: BAD_VALUE, the connection stays", sentBytes());
        assertTrue(ch.isOpen());
        final byte[] magic = Frames.patch(Frames.bytes(ioreq(8, 1, true, 0, 0)), 0, 2, 0);
        GOLDEN.check("bad-magic.in", "a frame without the magic", magic);
        ch.writeInbound(Unpooled.wrappedBuffer(Golden.RECORD ? magic : GOLDEN.bytes("bad-magic.in")));
        GOLDEN.check("bad-magic.out", "the model's answer: BAD_MAGIC, then it closes", sentBytes());
        assertFalse(ch.isOpen());
        assertEquals(ErrorCodes.BAD_MAGIC, client.fatalError().code());
    }

    @Test
    void eoiNoticesReachTheListener() {
        final List<String> eois = new ArrayList<>();
        client.onEoi((device, gsi) -> eois.add(device + ":" + gsi));
        receive(new DmFrame(Opcodes.EOI, POSTED, 1, 3, new Msg.Eoi(40)), new DmFrame(Opcodes.EOI, POSTED, 0, 4,
            new Msg.Eoi(5)));
        assertEquals(List.of("1:40", "0:5"), eois);
        assertEquals(2, client.eoisReceived());
        assertTrue(sent().isEmpty(), "notices are not answered");
    }

    @Test
    void anErrorReplyFailsTheRequestsFuture() {
        final CompletableFuture<Void> f = client.setIntx(4, true);
        assertEquals(List.of(Frames.request(Opcodes.SET_INTX, 4, 2, new Msg.SetIntx(1))), sent());
        receive(new DmFrame(Opcodes.ERROR, REPLY | MO, 4, 2, new Msg.Error(ErrorCodes.NO_SUCH_DEVICE, Opcodes.SET_INTX,
            0, "device 4 is not one of this session's PCI functions")));
        final ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertEquals(ErrorCodes.NO_SUCH_DEVICE, ((DmRemoteException) e.getCause()).code());
        assertTrue(ch.isOpen());
    }

    @Test
    void aPostedRequestsErrorReachesTheErrorListener() {
        final List<Integer> errors = new ArrayList<>();
        client.onError(e -> errors.add(e.code()));
        client.setIntxPosted(4, true);
        assertEquals(List.of(new DmFrame(Opcodes.SET_INTX, MO | POSTED, 4, 2, new Msg.SetIntx(1))), sent());
        receive(new DmFrame(Opcodes.ERROR, REPLY | MO, 4, 2, new Msg.Error(ErrorCodes.NO_SUCH_DEVICE, Opcodes.SET_INTX,
            0, "no")));
        assertEquals(List.of(ErrorCodes.NO_SUCH_DEVICE), errors);
        assertTrue(sent().isEmpty(), "no UNKNOWN_REPLY for an ERROR");
    }

    @Test
    void aFatalNoticeFailsEveryPendingRequestAndCloses() {
        final CompletableFuture<Long> ping = client.ping(9);
        sent();
        receive(new DmFrame(Opcodes.ERROR, 0, 0, 0, new Msg.Error(ErrorCodes.SHUTTING_DOWN, 0, 0, "bye")));
        final ExecutionException e = assertThrows(ExecutionException.class, ping::get);
        assertEquals(ErrorCodes.SHUTTING_DOWN, ((DmRemoteException) e.getCause()).code());
        assertFalse(ch.isOpen());
        assertTrue(client.closeFuture().isDone());
        assertTrue(client.setIntx(1, true).isCompletedExceptionally(), "nothing more is sent");
    }

    @Test
    void everyRequestMethodSendsItsFrame() {
        client.attach("domU");
        client.attach(1);
        client.registerPio(0xC000, 0x20, null);
        client.registerPci(Frames.nic(6));
        client.setIsaIrq(5, true);
        client.setPciLinkRoute(0, 10);
        client.injectMsi(0xFEE0_0000L, 0x41);
        client.bindPtIrq(new io.irqsim.hw.pci.Bdf(0, 3, 0), 7, 0);
        client.ping(5);
        client.goodbye();
        assertEquals(List.of(
            Frames.attach(2, "domU"),
            Frames.request(Opcodes.ATTACH, 0, 3, new Msg.Attach(1, "")),
            Frames.request(Opcodes.REGISTER_PIO, 0, 4, new Msg.RegisterPio(0xC000, 0x20)),
            Frames.request(Opcodes.REGISTER_PCI, 0, 5, Frames.nic(6)),
            Frames.request(Opcodes.SET_ISA_IRQ, 0, 6, new Msg.SetIsaIrq(5, 1)),
            Frames.request(Opcodes.SET_PCI_LINK_ROUTE, 0, 7, new Msg.SetPciLinkRoute(0, 10)),
            Frames.request(Opcodes.INJECT_MSI, 0, 8, new Msg.InjectMsi(0xFEE0_0000L, 0x41)),
            Frames.request(Opcodes.BIND_PT_IRQ, 0, 9, new Msg.BindPtIrq(0, 0, 3 << 3, 7, 0)),
            Frames.request(Opcodes.PING, 0, 10, new Msg.Ping(5)),
            Frames.request(Opcodes.GOODBYE, 0, 11, new Msg.Goodbye(0))), sent());
    }
}
