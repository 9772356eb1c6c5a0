package io.irqsim.hv.passthrough;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.irq.GuestIrqs;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code irq_guest_eoi_timer_fn}: {@code do_IRQ_guest} arms a 1 ms timer for an IRQ that waits for
 * guest EOIs; if it fires with guests still in flight, Xen clears their flags and completes the
 * IRQ itself, so one guest that never EOIs cannot block a line for good.
 */
class GuestEoiTimeoutTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    void guestThatNeverEoisIsTimedOut(final PlatformSpec spec) {
        final Rig rig = Rig.boot(spec, XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        drv.eoi = false; // acks the device, never EOIs
        final IoApic phys = rig.phys();
        final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, drv.handled);
        assertTrue(Rte.remoteIrr(phys.rte(GSI)));
        rig.xen.advanceTime(GuestIrqs.EOI_TIMEOUT_NS - 1);
        assertTrue(Rte.remoteIrr(phys.rte(GSI)), "not before 1 ms");
        assertEquals(1, desc.inFlight());
        assertEquals(0, rig.count(HvEvent.EOI_TIMEOUT));
        rig.xen.advanceTime(1);
        assertFalse(Rte.remoteIrr(phys.rte(GSI)), "forced physical EOI");
        assertEquals(0, desc.inFlight());
        final List<TraceRecord> timeouts = rig.records(HvEvent.EOI_TIMEOUT);
        assertEquals(1, timeouts.size());
        assertEquals(GSI, timeouts.get(0).a());
        assertEquals(1, timeouts.get(0).b(), "one guest was still in flight");
        assertEquals(GuestIrqs.EOI_TIMEOUT_NS, timeouts.get(0).time());
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        assertEquals(0, rig.xen.guestIrqs().cpu(0).pendingEois());
    }

    // ACKTYPE_UNMASK: the timer calls the controller's end (IO-APIC EOI register)
    @Test
    void guestThatNeverEoisIsTimedOutAfterOneMillisecondDirectedEoi() {
        guestThatNeverEoisIsTimedOut(DefaultPlatform.spec());
    }

    // ACKTYPE_EOI: the timer sets the deferred LAPIC EOI ready (set_eoi_ready)
    @Test
    void guestThatNeverEoisIsTimedOutAfterOneMillisecondNewAck() {
        guestThatNeverEoisIsTimedOut(Rig.newAckPlatform());
    }

    // desc_guest_eoi stops the timer: a guest EOI in time means no forced EOI later (whether a
    // timer object stays armed is irqsim's own business: see GuestIrqs.eoiTimeout)
    @Test
    void timelyGuestEoiMeansNoForcedEoi() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, drv.handled);
        assertEquals(1, rig.count(HvEvent.PHYS_EOI), "the guest's EOI completed the IRQ");
        rig.xen.advanceTime(10 * GuestIrqs.EOI_TIMEOUT_NS);
        assertEquals(0, rig.count(HvEvent.EOI_TIMEOUT));
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
    }

    // a shared line with one silent guest: the other guest keeps getting its interrupts, each
    // completed physically by the timer (the silent guest is counted in flight again each time)
    @Test
    void silentGuestOnASharedLineDelaysButDoesNotBlockTheOther() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain a = rig.hvmGuest("a");
        final Domain b = rig.hvmGuest("b");
        final PciFunction devA = rig.device(DefaultPlatform.SHARED_A);
        rig.passThrough(dom0, a, DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_GSI, 4);
        rig.passThrough(dom0, b, DefaultPlatform.SHARED_B, DefaultPlatform.SHARED_GSI, 6);
        final GuestDriver drvA = GuestDriver.attach(a, devA);
        final GuestDriver drvB = GuestDriver.attach(b, rig.device(DefaultPlatform.SHARED_B));
        drvB.eoi = false;
        final IoApic phys = rig.phys();
        for (int i = 1; i <= 3; i++) {
            devA.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, drvA.handled);
            assertTrue(Rte.remoteIrr(phys.rte(DefaultPlatform.SHARED_GSI)), "held for guest b, round " + i);
            rig.xen.advanceTime(GuestIrqs.EOI_TIMEOUT_NS);
            assertFalse(Rte.remoteIrr(phys.rte(DefaultPlatform.SHARED_GSI)));
            assertEquals(i, rig.count(HvEvent.EOI_TIMEOUT));
        }
        assertEquals(1, drvB.vectors.size(), "b's own line stays asserted and in service");
    }
}
