package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.irqsim.dm.net.proto.DmFrameEncoder;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.irqsim.dm.net.Frames.MO;
import static io.irqsim.dm.net.Frames.POSTED;
import static io.irqsim.dm.net.Frames.REPLY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every message type, request and reply, against golden bytes ({@code dm-net/frames.hex}): the
 * encoder writes exactly those bytes, and the decoder of the receiving side turns them back into
 * the same frame. The same dumps illustrate docs/protocol.md.
 */
class FrameGoldenTest {

    private static final Golden GOLDEN = Golden.load("frames.hex",
        "dm-net protocol 1.0: one example of every message type, request and reply.");

    /** A frame, who receives it, and what it illustrates. */
    record Case(String name, String description, DmFrameDecoder.Role receiver, DmFrame frame) {
    }

    static List<Case> cases() {
        final DmFrameDecoder.Role server = DmFrameDecoder.Role.SERVER;
        final DmFrameDecoder.Role model = DmFrameDecoder.Role.CLIENT;
        final List<Case> c = new ArrayList<>();
        c.add(new Case("hello.request", "HELLO from the model: 1.0, 64 KiB frames, 16 devices, every feature offered",
            server, Frames.hello(1)));
        c.add(new Case("hello.reply", "HELLO reply: the agreed version, limits and features", model,
            new DmFrame(Opcodes.HELLO, REPLY | MO, 0, 1, new Msg.Hello(1, 0, 65536, 16, Features.ALL, 0))));
        c.add(new Case("ping.request", "PING", server, Frames.request(Opcodes.PING, 0, 2,
            new Msg.Ping(0x0123_4567_89AB_CDEFL))));
        c.add(new Case("ping.reply", "PING reply: the data echoed", model,
            new DmFrame(Opcodes.PING, REPLY | MO, 0, 2, new Msg.Ping(0x0123_4567_89AB_CDEFL))));
        c.add(new Case("goodbye.request", "GOODBYE, reason 0", server, Frames.request(Opcodes.GOODBYE, 0, 9,
            new Msg.Goodbye(0))));
        c.add(new Case("goodbye.reply", "GOODBYE reply (empty); the server closes after it", model,
            new DmFrame(Opcodes.GOODBYE, REPLY | MO, 0, 9, Msg.Empty.INSTANCE)));
        c.add(new Case("attach.by-name.request", "ATTACH to the domain named domU", server, Frames.attach(3, "domU")));
        c.add(new Case("attach.by-id.request", "ATTACH to domain 1", server, Frames.request(Opcodes.ATTACH, 0, 3,
            new Msg.Attach(1, ""))));
        c.add(new Case("attach.reply", "ATTACH reply: d1, acting as device-model domain d2; 1 vCPU, 48 GSIs", model,
            new DmFrame(Opcodes.ATTACH, REPLY | MO, 0, 3, new Msg.Attached(1, 2, 1, 48))));
        c.add(new Case("register-mmio.request", "REGISTER_MMIO [0xe0000000, +0x1000) as a new device", server,
            Frames.request(Opcodes.REGISTER_MMIO, 0, 4, new Msg.RegisterMmio(0xE000_0000L, 0x1000))));
        c.add(new Case("register-mmio.reply", "REGISTER_MMIO reply: device 1, region 0", model,
            new DmFrame(Opcodes.REGISTER_MMIO, REPLY | MO, 1, 4, new Msg.Registered(0))));
        c.add(new Case("register-pio.request", "REGISTER_PIO ports 0xc000..0xc01f as a new device", server,
            Frames.request(Opcodes.REGISTER_PIO, 0, 5, new Msg.RegisterPio(0xC000, 0x20))));
        c.add(new Case("register-pio.reply", "REGISTER_PIO reply: device 2, region 0", model,
            new DmFrame(Opcodes.REGISTER_PIO, REPLY | MO, 2, 5, new Msg.Registered(0))));
        c.add(new Case("register-pci.request", "REGISTER_PCI: slot 6, INTA, 1b36:0005 class 020000, BAR0 4 KiB", server,
            Frames.request(Opcodes.REGISTER_PCI, 0, 6, Frames.nic(6))));
        c.add(new Case("register-pci.reply", "REGISTER_PCI reply: device 1, INTA at GSI 40, BAR0 at 0xf0060000", model,
            new DmFrame(Opcodes.REGISTER_PCI, REPLY | MO, 1, 6, new Msg.PciRegistered(40,
                List.of(0xF006_0000L, 0L, 0L, 0L, 0L, 0L)))));
        c.add(new Case("set-intx.request", "SET_INTX device 1 level 1", server, Frames.request(Opcodes.SET_INTX, 1, 7,
            new Msg.SetIntx(1))));
        c.add(new Case("set-intx.posted", "SET_INTX device 1 level 0, posted: no reply unless it fails", server,
            new DmFrame(Opcodes.SET_INTX, MO | POSTED, 1, 8, new Msg.SetIntx(0))));
        c.add(new Case("set-intx.reply", "SET_INTX reply (empty)", model,
            new DmFrame(Opcodes.SET_INTX, REPLY | MO, 1, 7, Msg.Empty.INSTANCE)));
        c.add(new Case("set-isa-irq.request", "SET_ISA_IRQ 5 level 1", server, Frames.request(Opcodes.SET_ISA_IRQ, 0, 10,
            new Msg.SetIsaIrq(5, 1))));
        c.add(new Case("set-isa-irq.reply", "SET_ISA_IRQ reply (empty)", model,
            new DmFrame(Opcodes.SET_ISA_IRQ, REPLY | MO, 0, 10, Msg.Empty.INSTANCE)));
        c.add(new Case("set-pci-link-route.request", "SET_PCI_LINK_ROUTE link 0 to ISA IRQ 10", server,
            Frames.request(Opcodes.SET_PCI_LINK_ROUTE, 0, 11, new Msg.SetPciLinkRoute(0, 10))));
        c.add(new Case("set-pci-link-route.reply", "SET_PCI_LINK_ROUTE reply (empty)", model,
            new DmFrame(Opcodes.SET_PCI_LINK_ROUTE, REPLY | MO, 0, 11, Msg.Empty.INSTANCE)));
        c.add(new Case("inject-msi.request", "INJECT_MSI address 0xfee00000 (APIC id 0) data 0x0041 (vector 0x41, fixed,"
            + " edge)", server, Frames.request(Opcodes.INJECT_MSI, 0, 12, new Msg.InjectMsi(0xFEE0_0000L, 0x41))));
        c.add(new Case("inject-msi.reply", "INJECT_MSI reply (empty)", model,
            new DmFrame(Opcodes.INJECT_MSI, REPLY | MO, 0, 12, Msg.Empty.INSTANCE)));
        c.add(new Case("bind-pt-irq.request", "BIND_PT_IRQ host 0000:00:03.0 to guest device 7 INTA", server,
            Frames.request(Opcodes.BIND_PT_IRQ, 0, 13, new Msg.BindPtIrq(0, 0, 3 << 3, 7, 0))));
        c.add(new Case("bind-pt-irq.reply", "BIND_PT_IRQ reply: the guest's pirq 16", model,
            new DmFrame(Opcodes.BIND_PT_IRQ, REPLY | MO, 0, 13, new Msg.PtIrqBound(16))));
        c.add(new Case("ioreq.read", "IOREQ from the server: vCPU 0 reads 4 bytes at BAR0+4 of device 1", model,
            new DmFrame(Opcodes.IOREQ, 0, 1, 1, new Msg.Ioreq(Msg.SPACE_MMIO, true, 4, 0, 0, 4, 0xF006_0004L, 0))));
        c.add(new Case("ioreq.write", "IOREQ from the server: vCPU 0 writes 1 (4 bytes) at BAR0+8 of device 1", model,
            new DmFrame(Opcodes.IOREQ, 0, 1, 2, new Msg.Ioreq(Msg.SPACE_MMIO, false, 4, 0, 0, 8, 0xF006_0008L, 1))));
        c.add(new Case("ioreq.reply", "IOREQ reply from the model: the value read", server,
            Frames.ioreqReply(1, 1, 1)));
        c.add(new Case("eoi.notice", "EOI notice (posted): the guest EOI'd GSI 40, device 1's INTA", model,
            new DmFrame(Opcodes.EOI, POSTED, 1, 3, new Msg.Eoi(40))));
        c.add(new Case("error.reply", "ERROR reply to request 4: OVERLAP", model,
            new DmFrame(Opcodes.ERROR, REPLY | MO, 0, 4, new Msg.Error(ErrorCodes.OVERLAP, Opcodes.REGISTER_MMIO, 0,
                "[0xfec00000, 0xfec00fff] overlaps a mapping"))));
        c.add(new Case("error.hypervisor", "ERROR reply to request 11: HYPERVISOR, errno -22 (EINVAL)", model,
            new DmFrame(Opcodes.ERROR, REPLY | MO, 0, 11, new Msg.Error(ErrorCodes.HYPERVISOR,
                Opcodes.SET_PCI_LINK_ROUTE, -22, "XEN_DMOP_set_pci_link_route: -EINVAL"))));
        c.add(new Case("error.notice", "ERROR notice (fatal, id 0): BAD_MAGIC; the server closes after it", model,
            new DmFrame(Opcodes.ERROR, 0, 0, 0, new Msg.Error(ErrorCodes.BAD_MAGIC, 0, 0, "bad magic"))));
        c.add(new Case("error.model-fault", "ERROR reply from the model to IOREQ 2: MODEL_FAULT", server,
            new DmFrame(Opcodes.ERROR, REPLY, 1, 2, new Msg.Error(ErrorCodes.MODEL_FAULT, Opcodes.IOREQ, 0,
                "no handler"))));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> everyMessageTypeMatchesItsGoldenBytes() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            final EmbeddedChannel enc = new EmbeddedChannel(new DmFrameEncoder());
            enc.writeOutbound(c.frame());
            final ByteBuf out = enc.readOutbound();
            final byte[] bytes = ByteBufUtil.getBytes(out);
            out.release();
            assertArrayEquals(Frames.bytes(c.frame()), bytes, "the encoder agrees with DmFrameEncoder.write");
            GOLDEN.check(c.name(), c.description(), bytes);
            if (Golden.RECORD) {
                return;
            }
            final EmbeddedChannel dec = new EmbeddedChannel(new DmFrameDecoder(c.receiver()));
            dec.writeInbound(Unpooled.wrappedBuffer(GOLDEN.bytes(c.name())));
            assertEquals(c.frame(), dec.readInbound());
            assertNull(dec.readInbound());
            assertFalse(dec.finish());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyTypeHasAnExample() {
        return Stream.of(Opcodes.HELLO, Opcodes.ERROR, Opcodes.PING, Opcodes.GOODBYE, Opcodes.ATTACH,
            Opcodes.REGISTER_MMIO, Opcodes.REGISTER_PIO, Opcodes.REGISTER_PCI, Opcodes.SET_INTX, Opcodes.SET_ISA_IRQ,
            Opcodes.SET_PCI_LINK_ROUTE, Opcodes.INJECT_MSI, Opcodes.BIND_PT_IRQ, Opcodes.IOREQ, Opcodes.EOI)
            .map(t -> DynamicTest.dynamicTest(Opcodes.name(t), () -> {
                final boolean request = cases().stream().anyMatch(c -> c.frame().type() == t && !c.frame().isReply());
                final boolean reply = cases().stream().anyMatch(c -> c.frame().type() == t && c.frame().isReply());
                assertTrue(request, "a request (or notice) example");
                assertEquals(t != Opcodes.EOI, reply, "a reply example, unless it is never answered");
            }));
    }

    @AfterAll
    static void save() {
        GOLDEN.save();
    }
}
