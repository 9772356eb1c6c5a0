package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.proto.Opcodes;
import io.irqsim.dm.net.proto.Payload;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hw.platform.DefaultPlatform;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two guests, domU (with the NIC passed through) and domB, and a model on each: a model attached
 * to one domain cannot touch the other, cannot answer IOREQs of ranges it did not register, and
 * cannot claim over another model's range or slot. The rights come from the hypervisor: each
 * session acts as its own device-model domain, whose {@code XSM_DM_PRIV} rights end at its target.
 */
class IsolationTest {

    ServerRig rig;
    EmbeddedChannel a;
    EmbeddedChannel b;
    Domain domU;
    Domain domB;
    long nextId = 100;

    static Scenario twoGuests() {
        final Scenario d = Scenario.defaultScenario();
        return new Scenario("two-guests", "domU with the NIC, and domB", d.platform(), d.dom0(),
            List.of(d.guests().get(0), new Scenario.GuestSpec("domB", 1, List.of())), d.strategy(), List.of(),
            Scenario.Expectations.NONE);
    }

    @BeforeEach
    void attach() {
        rig = ServerRig.boot(twoGuests(), Strategies.byName("pciback-setup-gsi"), DmServerConfig.DEFAULT);
        a = rig.connect();
        b = rig.connect();
        ServerRig.attach(a, "domU");
        ServerRig.attach(b, "domB");
        domU = rig.machine.guest("domU").domain();
        domB = rig.machine.guest("domB").domain();
    }

    @AfterEach
    void close() {
        rig.close();
    }

    private DmFrame ask(final EmbeddedChannel ch, final int type, final int device, final Payload p) {
        return ServerRig.only(ServerRig.exchange(ch, Frames.request(type, device, nextId++, p)));
    }

    private static int code(final DmFrame f) {
        assertEquals(Opcodes.ERROR, f.type(), f.toString());
        return ((Msg.Error) f.payload()).code();
    }

    @Test
    void eachModelsInterruptsReachOnlyItsOwnDomain() {
        ask(a, Opcodes.SET_ISA_IRQ, 0, new Msg.SetIsaIrq(5, 1));
        assertEquals(1, domU.hvmIrq().gsiAssertCount(5));
        assertEquals(0, domB.hvmIrq().gsiAssertCount(5));
        final long u = domU.vcpu(0).interruptsInjected();
        final long bb = domB.vcpu(0).interruptsInjected();
        ask(b, Opcodes.INJECT_MSI, 0, new Msg.InjectMsi(0xFEE0_0000L, 0x62));
        assertEquals(u, domU.vcpu(0).interruptsInjected());
        assertEquals(bb + 1, domB.vcpu(0).interruptsInjected());
        // a device id names the session's own devices only: B cannot reach A's function
        final int dev = ask(a, Opcodes.REGISTER_PCI, 0, Frames.nic(6)).device();
        assertEquals(ErrorCodes.NO_SUCH_DEVICE, code(ask(b, Opcodes.SET_INTX, dev, new Msg.SetIntx(1))));
        assertTrue(!domU.hvmIrq().isPciIntxAsserted(6, 0));
        // and one attachment per session
        assertEquals(ErrorCodes.ALREADY_ATTACHED, code(ask(a, Opcodes.ATTACH, 0, new Msg.Attach(domB.id(), ""))));
    }

    @Test
    void theDeviceModelDomainsRightsEndAtItsTarget() {
        final Hypervisor xen = rig.machine.xen();
        final Domain stubA = rig.service.sessions().get(0).deviceModelDomain();
        assertEquals(domU, stubA.deviceModelFor());
        assertTrue(!stubA.isPrivileged());
        assertEquals(-Errno.EPERM, xen.dmop().setIsaIrqLevel(stubA, domB.id(), 5, 1));
        assertEquals(-Errno.EPERM, xen.dmop().setPciIntxLevel(stubA, domB.id(), 0, 0, 6, 0, 1));
        assertEquals(-Errno.EPERM, xen.dmop().injectMsi(stubA, domB.id(), 0xFEE0_0000L, 0x62));
        assertEquals(-Errno.EPERM, xen.physdev().mapPirq(stubA, new PhysdevOps.MapPirq(domB.id(),
            PhysdevOps.MAP_PIRQ_TYPE_GSI, DefaultPlatform.NIC_GSI, -1)));
        assertEquals(-Errno.EPERM, xen.domctl().bindPtIrq(stubA, domB.id(), new BindPtIrq(16, 0, 7, 0)));
        assertEquals(0, domB.hvmIrq().gsiAssertCount(5));
        // attaching to a device-model domain (PV) or the hardware domain is refused
        assertEquals(ErrorCodes.DOMAIN_REFUSED, code(ServerRig.only(ServerRig.exchange(connected(),
            Frames.attach(3, stubA.name())))));
        assertEquals(ErrorCodes.DOMAIN_REFUSED, code(ServerRig.only(ServerRig.exchange(connected(),
            Frames.attach(3, "dom0")))));
    }

    private EmbeddedChannel connected() {
        final EmbeddedChannel ch = rig.connect();
        ServerRig.handshake(ch);
        return ch;
    }

    @Test
    void aModelCannotAnswerIoreqsOfARangeItDidNotRegister() {
        final int devB = ask(b, Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(0xE000_0000L, 0x1000)).device();
        final long[] got = {0};
        domB.vcpu(0).mmioReadAsync(0xE000_0004L, 4, v -> got[0] = v);
        final DmFrame ioreq = ServerRig.only(ServerRig.decode(ServerRig.drain(b)));
        assertTrue(ServerRig.decode(ServerRig.drain(a)).isEmpty(), "A sees nothing of B's range");
        // A answers B's IOREQ (same id, same device number): it is not A's to answer
        final DmFrame refused = ServerRig.only(ServerRig.exchange(a, Frames.ioreqReply(devB, ioreq.id(), 0x666)));
        assertEquals(ErrorCodes.UNKNOWN_REPLY, code(refused));
        assertEquals(0, got[0]);
        assertEquals(1, domB.vcpu(0).ioreqsInFlight(), "still B's to answer");
        ServerRig.exchange(b, Frames.ioreqReply(devB, ioreq.id(), 0x55));
        assertEquals(0x55, got[0]);
    }

    @Test
    void aModelCannotClaimOverAnotherModelsRangeOrSlot() {
        final EmbeddedChannel c = rig.connect();
        ServerRig.attach(c, "domU");
        ask(a, Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(0xE000_0000L, 0x1000));
        ask(a, Opcodes.REGISTER_PIO, 0, new Msg.RegisterPio(0xC000, 0x10));
        ask(a, Opcodes.REGISTER_PCI, 0, Frames.nic(6));
        assertEquals(ErrorCodes.OVERLAP, code(ask(c, Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(0xE000_0800L,
            0x1000))));
        assertEquals(ErrorCodes.OVERLAP, code(ask(c, Opcodes.REGISTER_PIO, 0, new Msg.RegisterPio(0xC00F, 2))));
        assertEquals(ErrorCodes.SLOT_BUSY, code(ask(c, Opcodes.REGISTER_PCI, 0, Frames.nic(6))));
        assertEquals(ErrorCodes.OVERLAP, code(ask(c, Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(0xF006_0800L,
            0x10))), "nor over A's BAR");
        assertEquals(ErrorCodes.SLOT_BUSY, code(ask(c, Opcodes.REGISTER_PCI, 0, Frames.nic(5))),
            "nor at the passed-through NIC's slot");
        // the same addresses in another domain are another domain's business
        assertEquals(Opcodes.REGISTER_MMIO, ask(b, Opcodes.REGISTER_MMIO, 0, new Msg.RegisterMmio(0xE000_0000L,
            0x1000)).type());
    }

    @Test
    void aModelCannotBindAnotherDomainsDevice() {
        assertEquals(ErrorCodes.NOT_ASSIGNED, code(ask(b, Opcodes.BIND_PT_IRQ, 0, new Msg.BindPtIrq(0, 0, 3 << 3, 7,
            0))));
        final Domain stubB = rig.service.sessions().get(1).deviceModelDomain();
        assertEquals(0, stubB.irqCaps().count(), "no IRQ was granted to B's device-model domain");
        assertTrue(domB.dpci() == null || domB.dpci().girqs(io.irqsim.hv.domain.HvmIrq.pciIntxGsi(7, 0)).isEmpty());
    }
}
