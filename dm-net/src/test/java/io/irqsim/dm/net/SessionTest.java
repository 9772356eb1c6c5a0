package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.net.server.SessionReport;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.dm.net.Frames.MO;
import static io.irqsim.dm.net.Frames.REPLY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session on the machine, frame by frame (EmbeddedChannel: the test thread owns the machine):
 * forwarded accesses, the PCI function's life in the guest, every interrupt request, EOI
 * notices, and what GOODBYE leaves behind.
 */
class SessionTest {

    static final long RANGE = 0xE000_0000L;

    ServerRig rig;
    EmbeddedChannel ch;
    Domain domU;
    Vcpu vcpu;
    long nextId = 10;

    @BeforeEach
    void attach() {
        rig = ServerRig.boot();
        ch = rig.connect();
        ServerRig.attach(ch, "domU");
        domU = rig.machine.guest("domU").domain();
        vcpu = domU.vcpu(0);
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private DmFrame ask(final int type, final int device, final io.irqsim.dm.net.proto.Payload p) {
        return ServerRig.only(ServerRig.exchange(ch, Frames.request(type, device, nextId++, p)));
    }

    private List<Object> answer(final DmFrame... frames) {
        return ServerRig.exchange(ch, frames);
    }

    private List<Object> pending() {
        return ServerRig.decode(ServerRig.drain(ch));
    }

    private int registerRange() {
        final DmFrame r = ask(Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(RANGE, 0x1000));
        assertEquals(Opcodes.REGISTER_MMIO, r.type(), r.toString());
        return r.device();
    }

    private static int code(final DmFrame f) {
        assertEquals(Opcodes.ERROR, f.type(), f.toString());
        return ((Msg.Error) f.payload()).code();
    }

    // ---------------------------------------------------------------- forwarded accesses

    @Test
    void aGuestReadWaitsForTheModelsAnswer() {
        final int dev = registerRange();
        final long[] got = {-1};
        vcpu.mmioReadAsync(RANGE + 0x10, 4, v -> got[0] = v);
        final DmFrame ioreq = ServerRig.only(pending());
        assertEquals(new Msg.Ioreq(Msg.SPACE_MMIO, true, 4, 0, 0, 0x10, RANGE + 0x10, 0), ioreq.payload());
        assertEquals(dev, ioreq.device());
        assertTrue(vcpu.isBlocked(), "the vCPU waits, nothing else does");
        assertEquals(1, vcpu.ioreqsInFlight());
        assertTrue(answer(Frames.ioreqReply(dev, ioreq.id(), 0x1_2345_6789L)).isEmpty(), "replies are not answered");
        assertEquals(0x2345_6789L, got[0], "the value, cut to the access size");
        assertFalse(vcpu.isBlocked());
        assertEquals(0, vcpu.ioreqsInFlight());
    }

    @Test
    void aGuestWriteCarriesItsValue() {
        final int dev = registerRange();
        final boolean[] done = {false};
        vcpu.mmioWriteAsync(RANGE + 0xFF8, 8, 0x0102_0304_0506_0708L, v -> done[0] = true);
        final DmFrame ioreq = ServerRig.only(pending());
        assertEquals(new Msg.Ioreq(Msg.SPACE_MMIO, false, 8, 0, 0, 0xFF8, RANGE + 0xFF8, 0x0102_0304_0506_0708L),
            ioreq.payload());
        assertFalse(done[0]);
        answer(Frames.ioreqReply(dev, ioreq.id(), 0));
        assertTrue(done[0]);
    }

    @Test
    void accessesTheBusWouldRefuseAreNotForwarded() {
        registerRange();
        final List<Long> got = new ArrayList<>();
        vcpu.mmioReadAsync(RANGE + 2, 4, got::add);         // misaligned
        vcpu.mmioReadAsync(RANGE + 0xFFC, 8, got::add);     // runs past the range
        vcpu.mmioReadAsync(RANGE, 3, got::add);             // no such size
        vcpu.mmioWriteAsync(RANGE + 1, 2, 5, got::add);     // misaligned write: dropped
        assertEquals(List.of(MmioDevice.allOnes(4), -1L, -1L, 0L), got);
        assertTrue(pending().isEmpty(), "nothing reached the model");
    }

    @Test
    void repliesAreMatchedByIdAndByDevice() {
        rig.close();
        final Scenario two = twoVcpus();
        rig = ServerRig.boot(two, Strategies.byName(Scenario.DEFAULT_STRATEGY), DmServerConfig.DEFAULT);
        ch = rig.connect();
        ServerRig.attach(ch, "domU");
        domU = rig.machine.guest("domU").domain();
        final int dev = registerRange();
        final long[] got = {0, 0};
        domU.vcpu(0).mmioReadAsync(RANGE, 4, v -> got[0] = v);
        domU.vcpu(1).mmioReadAsync(RANGE + 4, 4, v -> got[1] = v);
        final List<Object> ioreqs = pending();
        assertEquals(2, ioreqs.size());
        final DmFrame first = (DmFrame) ioreqs.get(0);
        final DmFrame second = (DmFrame) ioreqs.get(1);
        assertEquals(0, ((Msg.Ioreq) first.payload()).vcpu(), "in the order the guest issued them");
        assertEquals(1, ((Msg.Ioreq) second.payload()).vcpu());
        // a reply naming another device is refused and completes nothing
        final DmFrame refused = ServerRig.only(answer(Frames.ioreqReply(dev + 1, second.id(), 9)));
        assertEquals(ErrorCodes.BAD_VALUE, code(refused));
        answer(Frames.ioreqReply(dev, second.id(), 22), Frames.ioreqReply(dev, first.id(), 11));
        assertEquals(11, got[0]);
        assertEquals(22, got[1]);
        assertEquals(ErrorCodes.UNKNOWN_REPLY, code(ServerRig.only(answer(Frames.ioreqReply(dev, first.id(), 1)))),
            "an answered IOREQ cannot be answered again");
    }

    @Test
    void eachIoreqHasItsOwnDeadline() {
        rig.close();
        rig = ServerRig.boot(twoVcpus(), Strategies.byName(Scenario.DEFAULT_STRATEGY), DmServerConfig.DEFAULT);
        ch = rig.connect();
        ch.freezeTime();
        ServerRig.attach(ch, "domU");
        domU = rig.machine.guest("domU").domain();
        final int dev = registerRange();
        final long[] got = {0, 0};
        domU.vcpu(0).mmioReadAsync(RANGE, 4, v -> got[0] = v);
        final DmFrame first = ServerRig.only(pending());
        ch.advanceTimeBy(3, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        domU.vcpu(1).mmioReadAsync(RANGE + 4, 4, v -> got[1] = v);
        final DmFrame second = ServerRig.only(pending());
        ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        answer(Frames.ioreqReply(dev, first.id(), 1)); // at 4 s, in time
        ch.advanceTimeBy(3, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "at 7 s the second (sent at 3 s) still has a second to go");
        assertEquals(1, got[0]);
        ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(0xFFFF_FFFFL, got[1], "expired at 8 s: all ones");
        final DmFrame e = ServerRig.only(pending());
        assertEquals(ErrorCodes.DEADLINE_EXPIRED, code(e));
        assertEquals(second.id(), e.id());
        assertFalse(ch.isOpen());
        assertEquals(1, rig.service.endedSessions().get(0).ioreqsExpired());
    }

    private static Scenario twoVcpus() {
        final Scenario d = Scenario.defaultScenario();
        return new Scenario("two-vcpus", "domU with 2 vCPUs", d.platform(), d.dom0(),
            List.of(new Scenario.GuestSpec("domU", 2, d.guests().get(0).passthrough())), d.strategy(), List.of(),
            Scenario.Expectations.NONE);
    }

    @Test
    void aModelFaultCompletesTheAccessUnanswered() {
        final int dev = registerRange();
        final long[] got = {0};
        vcpu.mmioReadAsync(RANGE + 8, 2, v -> got[0] = v);
        final DmFrame ioreq = ServerRig.only(pending());
        answer(new DmFrame(Opcodes.ERROR, REPLY, dev, ioreq.id(), new Msg.Error(ErrorCodes.MODEL_FAULT, Opcodes.IOREQ,
            0, "cannot")));
        assertEquals(0xFFFF, got[0]);
        assertEquals(1, rig.service.sessions().get(0).report().ioreqsFailed());
    }

    @Test
    void aRangeMayGrowByRegionsAndPortRangesAreClaimed() {
        final int dev = registerRange();
        final DmFrame second = ask(Opcodes.REGISTER_MMIO, dev, new Msg.RegisterMmio(RANGE + 0x10000, 0x100));
        assertEquals(dev, second.device());
        assertEquals(new Msg.Registered(1), second.payload());
        final long[] got = {0};
        vcpu.mmioReadAsync(RANGE + 0x10004, 4, v -> got[0] = v);
        final DmFrame ioreq = ServerRig.only(pending());
        assertEquals(1, ((Msg.Ioreq) ioreq.payload()).region());
        assertEquals(4, ((Msg.Ioreq) ioreq.payload()).offset());
        answer(Frames.ioreqReply(dev, ioreq.id(), 3));
        assertEquals(3, got[0]);

        final DmFrame pio = ask(Opcodes.REGISTER_PIO, 0, new Msg.RegisterPio(0xC000, 0x20));
        assertEquals(new Msg.Registered(0), pio.payload());
        assertEquals(ErrorCodes.OVERLAP, code(ask(Opcodes.REGISTER_PIO, 0, new Msg.RegisterPio(0xC01F, 1))));
        assertEquals(ErrorCodes.OVERLAP, code(ask(Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(RANGE + 0xFFF, 2))));
        assertEquals(ErrorCodes.NO_SUCH_DEVICE, code(ask(Opcodes.REGISTER_MMIO, 9, new Msg.RegisterMmio(RANGE + 0x20000,
            0x10))));
    }

    // ---------------------------------------------------------------- the PCI function

    private DmFrame registerNic(final int slot) {
        final DmFrame r = ask(Opcodes.REGISTER_PCI, 0, Frames.nic(slot));
        assertEquals(Opcodes.REGISTER_PCI, r.type(), r.toString());
        return r;
    }

    @Test
    void aPciFunctionIsPresentedHotPluggedAndProbed() {
        final DmFrame r = registerNic(6);
        assertEquals(new Msg.PciRegistered(HvmIrq.pciIntxGsi(6, 0), List.of(0xF006_0000L, 0L, 0L, 0L, 0L, 0L)),
            r.payload());
        final LinuxDomU guest = rig.machine.guest("domU");
        final PciFunction f = rig.machine.deviceModel(domU).bus().function(new Bdf(0, 6, 0));
        assertEquals(0x1B36, f.configRead(PciConfigRegisters.VENDOR_ID, 2));
        assertEquals(0x0005, f.configRead(PciConfigRegisters.DEVICE_ID, 2));
        assertEquals(1, f.interruptPin());
        assertEquals(0xF006_0000L, f.barAddress(0));
        assertEquals(0x1000, f.barSize(0));
        final NicTestDriver drv = guest.driver(new Bdf(0, 6, 0));
        assertNotNull(drv, "the guest's driver probed it");
        assertTrue(drv.irq() > 0);
        assertNotNull(vcpu.bus().deviceAt(0xF006_0FFFL));
        final DmFrame bridge = ServerRig.only(ServerRig.exchange(ch, Frames.request(Opcodes.REGISTER_PCI, 0, 90,
            new Msg.RegisterPci(1, 0, 1, 1, 1, 0, List.of(0L, 0L, 0L, 0L, 0L, 0L)))));
        assertEquals(Opcodes.REGISTER_PCI, bridge.type(), "slot 1 is free");
        final byte[] slot0 = Frames.patch(Frames.bytes(Frames.request(Opcodes.REGISTER_PCI, 0, 91, Frames.nic(6))),
            io.irqsim.dm.net.proto.FrameDescriptor.HEADER_LENGTH, 1, 0);
        ServerRig.send(ch, slot0);
        assertEquals(ErrorCodes.BAD_VALUE, code(ServerRig.only(pending())), "slot 0 is the host bridge's");
    }

    @Test
    void barsArePackedInTheSlotsWindowLargestFirst() {
        final DmFrame r = ask(Opcodes.REGISTER_PCI, 0, new Msg.RegisterPci(9, 0, 0, 0x1234, 0x5678, 0x0b4000,
            List.of(0x100L, 0x8000L, 0L, 0x1000L, 0x10L, 0L)));
        assertEquals(new Msg.PciRegistered(Msg.NO_GSI, List.of(0xF009_9000L, 0xF009_0000L, 0L, 0xF009_8000L,
            0xF009_9100L, 0L)), r.payload());
        assertEquals(ErrorCodes.BAD_VALUE, code(ask(Opcodes.SET_INTX, r.device(), new Msg.SetIntx(1))),
            "no interrupt pin");
    }

    @Test
    void theGuestsDriverHandlesTheModelsInterrupt() {
        final int dev = registerNic(6).device();
        final NicTestDriver drv = rig.machine.guest("domU").driver(new Bdf(0, 6, 0));
        // SET_INTX 1: the guest takes the interrupt at once, its handler reads STATUS
        final List<Object> out = answer(Frames.request(Opcodes.SET_INTX, dev, 20, new Msg.SetIntx(1)));
        assertEquals(2, out.size(), out.toString());
        final DmFrame status = (DmFrame) out.get(0);
        assertEquals(NicTestDevice.REG_STATUS, ((Msg.Ioreq) status.payload()).offset());
        assertEquals(new DmFrame(Opcodes.SET_INTX, REPLY | MO, dev, 20, Msg.Empty.INSTANCE), out.get(1));
        assertTrue(domU.hvmIrq().isPciIntxAsserted(6, 0));
        // STATUS says pending: the handler writes ACK
        final DmFrame ack = ServerRig.only(answer(Frames.ioreqReply(dev, status.id(), 1)));
        assertEquals(new Msg.Ioreq(Msg.SPACE_MMIO, false, 4, 0, 0, NicTestDevice.REG_ACK, 0xF006_0008L, 1),
            ack.payload());
        // the model lowers the line, then lets the write complete: the guest EOIs, an EOI notice follows
        final List<Object> after = answer(Frames.request(Opcodes.SET_INTX, dev, 21, new Msg.SetIntx(0)),
            Frames.ioreqReply(dev, ack.id(), 0));
        assertEquals(List.of(new DmFrame(Opcodes.SET_INTX, REPLY | MO, dev, 21, Msg.Empty.INSTANCE),
            new DmFrame(Opcodes.EOI, Frames.POSTED, dev, ack.id() + 1, new Msg.Eoi(HvmIrq.pciIntxGsi(6, 0)))), after);
        assertEquals(1, drv.handled());
        assertFalse(domU.hvmIrq().isPciIntxAsserted(6, 0));
        assertFalse(vcpu.isBlocked());
    }

    @Test
    void isaIrqLinkRouteAndMsi() {
        assertEquals(Msg.Empty.INSTANCE, ask(Opcodes.SET_ISA_IRQ, 0, new Msg.SetIsaIrq(5, 1)).payload());
        assertEquals(1, domU.hvmIrq().gsiAssertCount(5));
        assertEquals(Msg.Empty.INSTANCE, ask(Opcodes.SET_PCI_LINK_ROUTE, 0, new Msg.SetPciLinkRoute(2, 11)).payload());
        assertEquals(11, domU.hvmIrq().pciLinkRoute(2));
        final long before = vcpu.interruptsInjected();
        assertEquals(Msg.Empty.INSTANCE, ask(Opcodes.INJECT_MSI, 0, new Msg.InjectMsi(0xFEE0_0000L, 0x61)).payload());
        assertEquals(before + 1, vcpu.interruptsInjected(), "the MSI reached domU's vCPU 0");
        assertEquals(ErrorCodes.HYPERVISOR, code(ask(Opcodes.SET_ISA_IRQ, 0, new Msg.SetIsaIrq(16, 1))));
        // posted: no reply on success
        assertTrue(answer(new DmFrame(Opcodes.SET_ISA_IRQ, MO | Frames.POSTED, 0, 30, new Msg.SetIsaIrq(5, 0)))
            .isEmpty());
        assertEquals(0, domU.hvmIrq().gsiAssertCount(5));
        // posted and refused: the ERROR carries the id
        final DmFrame e = ServerRig.only(answer(new DmFrame(Opcodes.SET_ISA_IRQ, MO | Frames.POSTED, 0, 31,
            new Msg.SetIsaIrq(200, 1))));
        assertEquals(31, e.id());
        assertEquals(-22, ((Msg.Error) e.payload()).errno());
    }

    // ---------------------------------------------------------------- the end of a session

    @Test
    void goodbyeReleasesEverythingAndTheFunctionWaitsForItsModel() {
        registerRange();
        final int dev = registerNic(6).device();
        final Domain stub = rig.service.sessions().get(0).deviceModelDomain();
        answer(Frames.request(Opcodes.SET_ISA_IRQ, 0, 40, new Msg.SetIsaIrq(7, 1)));
        final List<Object> status = answer(Frames.request(Opcodes.SET_INTX, dev, 41, new Msg.SetIntx(1)));
        assertEquals(1, vcpu.ioreqsInFlight(), "the driver's STATUS read waits: " + status);

        final List<Object> bye = answer(Frames.request(Opcodes.GOODBYE, 0, 42, new Msg.Goodbye(0)));
        assertEquals(List.of(new DmFrame(Opcodes.GOODBYE, REPLY | MO, 0, 42, Msg.Empty.INSTANCE)), bye);
        assertFalse(ch.isOpen());
        assertFalse(domU.hvmIrq().isPciIntxAsserted(6, 0));
        assertEquals(0, domU.hvmIrq().gsiAssertCount(7));
        assertEquals(0, domU.hvmIrq().gsiAssertCount(HvmIrq.pciIntxGsi(6, 0)));
        assertEquals(0, vcpu.ioreqsInFlight());
        assertNull(vcpu.bus().deviceAt(RANGE));
        assertNull(vcpu.bus().deviceAt(0xF006_0000L));
        assertNull(rig.machine.xen().domain(stub.id()), "the device-model domain is gone");
        final SessionReport r = rig.service.endedSessions().get(0);
        assertEquals("goodbye", r.reason());
        assertEquals(1, r.ioreqsFailed(), "the STATUS read completed unanswered");
        assertEquals(List.of("mmio [0xf0060000, 0xf0060fff] BAR0 of 00:06.0", "pci slot 6 1b36:0005 waiting for its model"),
            rig.service.claimsOf(domU));
        // the guest still sees the function; its BAR reads all ones
        final long[] got = {0};
        vcpu.mmioReadAsync(0xF006_0004L, 4, v -> got[0] = v);
        assertEquals(0xFFFF_FFFFL, got[0]);
        assertNotNull(rig.machine.deviceModel(domU).bus().function(new Bdf(0, 6, 0)));

        // a new model: a different function cannot take the slot, the same one can
        final EmbeddedChannel again = rig.connect();
        ServerRig.attach(again, "domU");
        final DmFrame other = ServerRig.only(ServerRig.exchange(again, Frames.request(Opcodes.REGISTER_PCI, 0, 3,
            new Msg.RegisterPci(6, 0, 1, 0x1B36, 0x0006, 0x020000, List.of(0x1000L, 0L, 0L, 0L, 0L, 0L)))));
        assertEquals(ErrorCodes.SLOT_BUSY, code(other));
        final DmFrame back = ServerRig.only(ServerRig.exchange(again, Frames.request(Opcodes.REGISTER_PCI, 0, 4,
            Frames.nic(6))));
        assertEquals(new Msg.PciRegistered(40, List.of(0xF006_0000L, 0L, 0L, 0L, 0L, 0L)), back.payload());
        vcpu.mmioReadAsync(0xF006_0004L, 4, v -> got[0] = v);
        final DmFrame ioreq = ServerRig.only(ServerRig.decode(ServerRig.drain(again)));
        ServerRig.exchange(again, Frames.ioreqReply(back.device(), ioreq.id(), 0));
        assertEquals(0, got[0], "forwarded to the new model");
        // the scenario's failed passthrough attach leaves its own device (and driver) in the guest: count slot 6's
        assertEquals(1, rig.machine.guest("domU").drivers().stream().filter(d -> d.bdf().equals(new Bdf(0, 6, 0)))
            .count(), "no second probe");
    }

    @Test
    void aModelClosingItsSendingSideEndsTheSession() {
        registerNic(6);
        ch.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals("the model closed its sending side", rig.service.endedSessions().get(0).reason());
        assertNull(vcpu.bus().deviceAt(0xF006_0000L));
    }

    // ---------------------------------------------------------------- passthrough

    @Test
    void bindPtIrqBindsAnAssignedDeviceAsQemuDoesAndGoodbyeUnbindsIt() {
        rig.close();
        rig = ServerRig.boot(Scenario.defaultScenario(), Strategies.byName("pciback-setup-gsi"), DmServerConfig.DEFAULT);
        ch = rig.connect();
        ServerRig.attach(ch, "domU");
        domU = rig.machine.guest("domU").domain();
        assertTrue(domU.assignedDevices().contains(DefaultPlatform.NIC), "libxl attached the NIC at slot 5");
        final int guestGsi = HvmIrq.pciIntxGsi(7, 0);
        assertTrue(domU.dpci().girqs(guestGsi).isEmpty());

        final DmFrame bound = ask(Opcodes.BIND_PT_IRQ, 0, new Msg.BindPtIrq(0, 0, 3 << 3, 7, 0));
        assertEquals(Opcodes.BIND_PT_IRQ, bound.type(), bound.toString());
        final int pirq = ((Msg.PtIrqBound) bound.payload()).pirq();
        assertEquals(pirq, domU.pirqs().mapped().stream().filter(p -> p.irq() > 0).findFirst().orElseThrow().pirq(),
            "the guest's existing pirq for the NIC (Xen returns the mapping libxl made)");
        assertEquals(List.of(new io.irqsim.hv.passthrough.HvmIrqDpci.Girq(0, 7, 0, pirq)), domU.dpci().girqs(guestGsi));
        final Domain stub = rig.service.sessions().get(0).deviceModelDomain();
        assertTrue(stub.irqCaps().count() > 0, "the toolstack gave the device-model domain the NIC's IRQ");

        // the physical NIC's interrupt now also drives guest INTA of device 7
        final NicTestDevice nic = rig.machine.devices().get(DefaultPlatform.NIC);
        final NicTestDriver drv = rig.machine.guest("domU").driver(new Bdf(0, 5, 0));
        nic.raise();
        rig.machine.xen().drain();
        assertEquals(1, drv.handled(), "libxl's binding at slot 5 still works");
        assertTrue(domU.hvmIrq().isPciIntxAsserted(7, 0), "and the model's binding drives device 7's INTA");

        ServerRig.exchange(ch, Frames.request(Opcodes.GOODBYE, 0, 50, new Msg.Goodbye(0)));
        assertTrue(domU.dpci().girqs(guestGsi).isEmpty(), "unbound at the end of the session");
        assertEquals(1, domU.dpci().girqs(HvmIrq.pciIntxGsi(5, 0)).size(), "libxl's binding stays");
        // nobody in the guest serviced device 7's INTA: Xen's guest-EOI timeout releases the line
        rig.machine.xen().advanceTime(ScenarioRunner.SETTLE_NS);
        nic.raise();
        rig.machine.xen().drain();
        assertEquals(2, drv.handled());
    }
}
