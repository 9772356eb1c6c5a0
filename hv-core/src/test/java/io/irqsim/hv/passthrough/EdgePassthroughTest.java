package io.irqsim.hv.passthrough;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.irq.AckType;
import io.irqsim.hv.irq.HandlerType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * An edge-triggered passthrough GSI (registered edge / active-low, so the PCI line's falling
 * edge fires it): {@code irq_acktype} gives {@code ACKTYPE_NONE} for "IO-APIC-edge", so Xen acks
 * at once and never waits for the guest (no in-flight count, no EOI timer, no physical EOI).
 */
class EdgePassthroughTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    Rig rig;
    Domain domu;
    PciFunction nic;
    GuestDriver drv;
    IrqDesc desc;
    IoApic phys;

    @BeforeEach
    void passThroughAsEdge() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        domu = rig.hvmGuest("domU");
        nic = rig.device(DefaultPlatform.NIC);
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 0, 1)); // first configuration: edge, low
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5); // its level/low setup_gsi gets -EEXIST
        drv = GuestDriver.attach(domu, nic);
        desc = rig.xen.irqDescs().desc(GSI);
        phys = rig.phys();
    }

    // irq_acktype: IO-APIC-edge -> ACKTYPE_NONE
    @Test
    void edgeGsiIsBoundWithoutAckWait() {
        assertEquals(HandlerType.IOAPIC_EDGE, desc.handler());
        assertEquals(AckType.NONE, desc.ackType());
        assertFalse(Rte.isLevel(phys.rte(GSI)));
        assertFalse(Rte.isMasked(phys.rte(GSI)));
    }

    // do_IRQ_guest with ACKTYPE_NONE: no in_flight, no eoi_timer; each edge reaches the guest
    @Test
    void eachEdgeReachesTheGuestWithoutAnyPhysicalEoiOrTimer() {
        for (int i = 1; i <= 20; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, drv.handled);
            assertEquals(0, desc.inFlight());
            assertEquals(0, rig.xen.platform().clock().armedTimers(), "no 1 ms guest-EOI timer for edge");
            assertFalse(Rte.remoteIrr(phys.rte(GSI)));
        }
        assertEquals(20, phys.deliveredCount());
        assertEquals(0, rig.count(HvEvent.PHYS_EOI));
        assertEquals(20, rig.count(HvEvent.DO_IRQ));
    }

    // an edge is not held off while the guest still handles the previous one: Xen takes it at once
    // (the guest's virtual line is still asserted, so the guest sees it coalesced)
    @Test
    void aNewEdgeIsTakenPhysicallyBeforeTheGuestEois() {
        drv.eoi = false;
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, drv.handled);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(2, phys.deliveredCount());
        assertEquals(2, rig.count(HvEvent.DO_IRQ));
        assertEquals(1, domu.vcpu(0).interruptsInjected(), "the guest's level line was still asserted");
        drv.eoi = true;
        drv.lateEoi();
        assertEquals(0, rig.count(HvEvent.PHYS_EOI));
    }
}
