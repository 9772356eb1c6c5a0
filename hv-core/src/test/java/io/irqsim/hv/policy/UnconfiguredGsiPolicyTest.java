package io.irqsim.hv.policy;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.irq.AckType;
import io.irqsim.hv.irq.HandlerType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Binding a GSI nobody registered ({@code mp_register_gsi} never ran; spec D3(b) "problem 3.2").
 * Xen: {@code pirq_guest_bind} attaches to a descriptor with {@code no_irq_type} (ack type NONE,
 * no vector, pin never programmed), so binding succeeds and nothing is ever delivered. Roger's
 * proposal: default such GSIs (&ge; 16) to level / active-low at bind time.
 */
class UnconfiguredGsiPolicyTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    /** The Xen 4.20 toolstack sequence minus pciback's setup_gsi. */
    static GuestDriver bindWithoutSetupGsi(final Rig rig, final Domain dom0, final Domain domu) {
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, DomctlOps.GSI_GRANT));
        assertEquals(0, rig.xen.domctl().assignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 5, 0)),
            "binding an unconfigured GSI succeeds");
        Rig.enableVlapic(domu.vcpu(0));
        Rig.writeRte(domu.vcpu(0), io.irqsim.hv.domain.HvmIrq.pciIntxGsi(5, 0), Rig.pciLevelLow(Rig.GUEST_VECTOR, false));
        return GuestDriver.attach(domu, rig.device(DefaultPlatform.NIC));
    }

    // Xen: pirq_guest_bind on no_irq_type -> bound, ack type NONE, startup does nothing
    @Test
    void noneBindsButNoInterruptEverArrives() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final long[] before = rig.physTable();
        final GuestDriver drv = bindWithoutSetupGsi(rig, dom0, domu);
        final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
        assertTrue(desc.isGuest());
        assertEquals(HandlerType.NONE, desc.handler());
        assertEquals(AckType.NONE, desc.ackType());
        assertEquals(-1, desc.vector());
        assertArrayEquals(before, rig.physTable(), "the pin was never programmed");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        for (int i = 0; i < 3; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            nic.setInterruptRequest(false);
            rig.xen.drain();
        }
        assertEquals(0, drv.vectors.size());
        assertEquals(0, rig.phys().deliveredCount());
        assertEquals(0, rig.count(HvEvent.DO_IRQ));
        assertFalse(rig.xen.ioapicRouting().isPinProgrammed(GSI));
    }

    // the proposal: mp_register_gsi(gsi, level, low) from pirq_guest_bind for an unconfigured GSI
    @Test
    void levelLowProgramsTheGsiAtBindTimeAndInterruptsArrive() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20.withUnconfiguredGsi(UnconfiguredGsiPolicy.LEVEL_LOW));
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final GuestDriver drv = bindWithoutSetupGsi(rig, dom0, domu);
        final long phys = rig.physRte(GSI);
        assertTrue(Rte.isLevel(phys));
        assertTrue(Rte.isActiveLow(phys));
        assertFalse(Rte.isMasked(phys));
        assertTrue(rig.xen.ioapicRouting().isPinProgrammed(GSI));
        assertEquals(AckType.UNMASK, rig.xen.irqDescs().desc(GSI).ackType());
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        for (int i = 1; i <= 3; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, drv.handled);
        }
        assertEquals(3, rig.count(HvEvent.PHYS_EOI));
    }

    // the proposal leaves configured GSIs alone: the first configuration still sticks
    @Test
    void levelLowDoesNotTouchAGsiThatWasSetUp() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20.withUnconfiguredGsi(UnconfiguredGsiPolicy.LEVEL_LOW));
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 0, 0));
        bindWithoutSetupGsi(rig, dom0, domu);
        assertFalse(Rte.isLevel(rig.physRte(GSI)));
        assertFalse(Rte.isActiveLow(rig.physRte(GSI)));
        assertEquals(1, rig.count(HvEvent.GSI_REGISTER));
    }

    // ISA GSIs (< 16) are not defaulted
    @Test
    void levelLowLeavesIsaGsisAlone() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20.withUnconfiguredGsi(UnconfiguredGsiPolicy.LEVEL_LOW));
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, 10, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        final long before = rig.physRte(10);
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 7, 0)));
        assertEquals(0, rig.count(HvEvent.GSI_REGISTER));
        assertEquals(before & ~Rte.MASKED, rig.physRte(10) & ~Rte.MASKED, "only unmasked by the bind");
    }
}
