package io.irqsim.dm.net;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.client.IoreqHandler;
import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.DmFrameEncoder;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.irqsim.dm.net.Frames.MO;
import static io.irqsim.dm.net.Frames.REPLY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What goes out per socket write on the forwarded-access path: frames that the peer's frames
 * cause are flushed together when the read is done (one write, one wake-up of the peer), frames
 * started from outside a read are flushed at once; and the IOREQ frames the server and the client
 * encode straight from fields are byte for byte what the encoder makes of the records.
 */
class FlushTest {

    /** Sits next to the socket: counts the flushes that reach it and the frames in each. */
    static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        final List<Integer> framesPerFlush = new ArrayList<>();
        private int written;

        @Override
        public void write(final ChannelHandlerContext ctx, final Object msg, final io.netty.channel.ChannelPromise p) {
            written++;
            ctx.write(msg, p);
        }

        @Override
        public void flush(final ChannelHandlerContext ctx) {
            if (written > 0) {
                framesPerFlush.add(written);
                written = 0;
            }
            ctx.flush();
        }

        List<Integer> take() {
            final List<Integer> out = new ArrayList<>(framesPerFlush);
            framesPerFlush.clear();
            return out;
        }
    }

    ServerRig rig;

    @AfterEach
    void close() {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void theServerFlushesWhatAModelsFramesCauseOnceTheReadIsDone() {
        rig = ServerRig.boot();
        final FlushCounter flushes = new FlushCounter();
        final EmbeddedChannel ch = new EmbeddedChannel(flushes, new DmCodec(DmFrameDecoder.Role.SERVER),
            rig.service.newSession());
        ServerRig.attach(ch, "domU");
        final int dev = ServerRig.only(ServerRig.exchange(ch, Frames.request(Opcodes.REGISTER_PCI, 0, 3,
            Frames.nic(6)))).device();
        ServerRig.drain(ch);
        flushes.take();

        // SET_INTX 1: the guest's handler reads STATUS; the IOREQ and the SET_INTX reply go in one write
        final List<Object> out = ServerRig.exchange(ch, Frames.request(Opcodes.SET_INTX, dev, 20, new Msg.SetIntx(1)));
        assertEquals(List.of(2), flushes.take(), out.toString());
        final DmFrame status = (DmFrame) out.get(0);
        assertEquals(NicTestDevice.REG_STATUS, ((Msg.Ioreq) status.payload()).offset());
        // the answer: the handler's ACK write goes out, alone
        final DmFrame ack = ServerRig.only(ServerRig.exchange(ch, Frames.ioreqReply(dev, status.id(), 1)));
        assertEquals(List.of(1), flushes.take());
        // SET_INTX 0 and the ACK's answer in one read: the SET_INTX reply and the EOI notice in one write
        final List<Object> after = ServerRig.exchange(ch, Frames.request(Opcodes.SET_INTX, dev, 21,
            new Msg.SetIntx(0)), Frames.ioreqReply(dev, ack.id(), 0));
        assertEquals(List.of(new DmFrame(Opcodes.SET_INTX, REPLY | MO, dev, 21, Msg.Empty.INSTANCE),
            new DmFrame(Opcodes.EOI, Frames.POSTED, dev, ack.id() + 1, new Msg.Eoi(HvmIrq.pciIntxGsi(6, 0)))), after);
        assertEquals(List.of(2), flushes.take());

        // a guest access started outside any read (another session, a timer, a task) goes out at once
        final Vcpu vcpu = rig.machine.guest("domU").domain().vcpu(0);
        final long[] got = {-1};
        vcpu.mmioReadAsync(0xF006_0000L + NicTestDevice.REG_RAISED, 4, v -> got[0] = v);
        assertEquals(List.of(1), flushes.take(), "flushed without waiting for a read");
        final DmFrame raised = ServerRig.only(ServerRig.decode(ServerRig.drain(ch)));
        ServerRig.exchange(ch, Frames.ioreqReply(dev, raised.id(), 7));
        assertEquals(7, got[0]);
        ch.finishAndReleaseAll();
    }

    @Test
    void theClientSendsRequestsItsHandlersMakeWithTheirIoreqReplies() throws Exception {
        final FlushCounter flushes = new FlushCounter();
        final EmbeddedChannel ch = new EmbeddedChannel(flushes, new DmCodec(DmFrameDecoder.Role.CLIENT),
            DeviceModelClient.newHandler());
        final DeviceModelClient client = DeviceModelClient.over(ch);
        client.hello(DeviceModelClient.Options.DEFAULT);
        ch.writeInbound(Unpooled.wrappedBuffer(Frames.bytes(new DmFrame(Opcodes.HELLO, REPLY | MO, 0, 1,
            new Msg.Hello(1, 0, 4096, 8, Features.EOI_NOTICE, 0)))));
        final int[] device = {0};
        final CompletableFuture<Integer> dev = client.registerMmio(0xE000_0000L, 0x1000, new IoreqHandler() {
            @Override
            public long read(final long offset, final int size) {
                return 0x55;
            }

            @Override
            public void write(final long offset, final int size, final long value) {
                client.setIntxPosted(device[0], false); // as the example model lowers INTx on ACK
            }
        });
        ch.writeInbound(Unpooled.wrappedBuffer(Frames.bytes(new DmFrame(Opcodes.REGISTER_MMIO, REPLY | MO, 3, 2,
            new Msg.Registered(0)))));
        device[0] = dev.get();
        drain(ch);
        assertEquals(List.of(1, 1), flushes.take(), "requests from outside a read go out at once");

        ch.writeInbound(Unpooled.wrappedBuffer(Frames.bytes(new DmFrame(Opcodes.IOREQ, 0, 3, 40,
            new Msg.Ioreq(Msg.SPACE_MMIO, false, 4, 0, 0, 8, 0xE000_0008L, 1)))));
        assertEquals(List.of(2), flushes.take(), "SET_INTX and the IOREQ reply in one write");
        final byte[] sent = drain(ch);
        assertArrayEquals(Frames.bytes(new DmFrame(Opcodes.SET_INTX, MO | Frames.POSTED, 3, 3, new Msg.SetIntx(0)),
            Frames.ioreqReply(3, 40, 0)), sent, "the SET_INTX first, then the reply");
        ch.finishAndReleaseAll();
    }

    @Test
    void ioreqFramesEncodedFromFieldsAreTheEncodersBytes() {
        final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        final Msg.Ioreq[] cases = {new Msg.Ioreq(Msg.SPACE_MMIO, true, 4, 0, 0, 0x10, 0xF006_0010L, 0),
            new Msg.Ioreq(Msg.SPACE_MMIO, false, 8, 5, 0xFFFF, 0xFF8, 0xFFFF_FFFF_FFFF_FFF8L, 0x8000_0000_0000_0001L),
            new Msg.Ioreq(Msg.SPACE_PIO, false, 1, 255, 3, 0, 0xCF8, 0xFF)};
        long id = 1;
        for (final Msg.Ioreq q : cases) {
            final ByteBuf fast = DmFrameEncoder.ioreq(alloc, 0xABCD, id, q.space(), q.read(), q.size(), q.region(),
                q.vcpu(), q.offset(), q.address(), q.data());
            assertArrayEquals(Frames.bytes(new DmFrame(Opcodes.IOREQ, 0, 0xABCD, id, q)), ByteBufUtil.getBytes(fast),
                q.toString());
            fast.release();
            final ByteBuf reply = DmFrameEncoder.ioreqReply(alloc, 0xABCD, id, ~id);
            assertArrayEquals(Frames.bytes(Frames.ioreqReply(0xABCD, id, ~id)), ByteBufUtil.getBytes(reply));
            reply.release();
            id = id * 31 + Long.MAX_VALUE / 7;
        }
    }

    private static byte[] drain(final EmbeddedChannel ch) {
        ch.runPendingTasks();
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out.toByteArray();
    }
}
