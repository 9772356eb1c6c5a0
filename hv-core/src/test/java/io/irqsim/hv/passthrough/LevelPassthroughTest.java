package io.irqsim.hv.passthrough;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.irq.AckType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.irq.PhysicalCpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A level-triggered passthrough INTx (the NIC on GSI 16) set up the Xen 4.20 way and asserted
 * again and again: every assertion reaches the domU once, and the physical line is completed
 * only after the guest's EOI ({@code do_IRQ_guest} counts the guest in flight,
 * {@code hvm_dpci_eoi} -> {@code hvm_pirq_eoi} -> {@code pirq_guest_eoi} -> {@code desc_guest_eoi}).
 * Two ack modes: with directed EOI ("old" ack, {@code ACKTYPE_UNMASK}) the LAPIC is EOI'd at once
 * and the IO-APIC's EOI register written after the guest EOI; without (IO-APIC version 0x11, "new"
 * ack, {@code ACKTYPE_EOI}) the LAPIC EOI itself is deferred ({@code pending_eoi}).
 */
class LevelPassthroughTest {

    static final int GSI = DefaultPlatform.NIC_GSI;
    static final int N = 25;

    final List<String> failures = new ArrayList<>();

    /** Runs N assertions and checks, inside the guest handler, that the line is held until the guest EOI. */
    void assertedNTimes(final PlatformSpec spec, final boolean directed) {
        final Rig rig = Rig.boot(spec, XenConfig.XEN_4_20);
        assertEquals(directed, rig.xen.ioapicRouting().directedEoi());
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
        assertEquals(directed ? AckType.UNMASK : AckType.EOI, desc.ackType());
        final IoApic phys = rig.phys();
        final PhysicalCpu cpu0 = rig.xen.guestIrqs().cpu(0);
        final LocalApic lapic0 = rig.xen.platform().lapic(0);
        final int vector = desc.vector();
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        final int[] physEoisAtEntry = new int[1];
        drv.inService = () -> {
            physEoisAtEntry[0] = rig.count(HvEvent.PHYS_EOI);
            check(Rte.remoteIrr(phys.rte(GSI)), "Remote IRR held while the guest handles it");
            check(desc.inFlight() == 1, "one guest in flight");
            if (directed) {
                check(cpu0.pendingEois() == 0, "old ack: LAPIC EOI'd at once");
                check(!lapic0.isr(vector), "old ack: nothing in service on the CPU");
            } else {
                check(cpu0.pendingEois() == 1, "new ack: the LAPIC EOI is deferred");
                check(lapic0.isr(vector), "new ack: the vector stays in service on the CPU");
            }
        };
        for (int i = 1; i <= N; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, drv.handled, "assertion " + i + " reached the guest once");
            assertEquals(i - 1, physEoisAtEntry[0], "no physical EOI before guest EOI " + i);
            assertEquals(i, rig.count(HvEvent.PHYS_EOI), "physical EOI after guest EOI " + i);
            assertFalse(Rte.remoteIrr(phys.rte(GSI)));
            assertEquals(0, desc.inFlight());
            assertEquals(0, cpu0.pendingEois());
        }
        assertTrue(failures.isEmpty(), failures.toString());
        assertEquals(0, drv.notMine);
        assertEquals(N, phys.deliveredCount(), "one physical message per assertion");
        assertEquals(N, domu.vcpu(0).interruptsInjected());
        for (final TraceRecord r : rig.records(HvEvent.PHYS_EOI)) {
            assertEquals(GSI, r.a());
            assertEquals(directed ? HvEvent.EOI_IOAPIC_EOIR : HvEvent.EOI_LAPIC, r.c());
        }
        assertEquals(directed ? 0 : N, lapic0.eoiBroadcastCount(),
            directed ? "EOI broadcast suppressed" : "the deferred LAPIC EOI broadcasts to the IO-APIC");
    }

    void check(final boolean ok, final String what) {
        if (!ok) {
            failures.add(what);
        }
    }

    // old ack with directed EOI: end_level_ioapic_irq_old writes the IO-APIC EOI register
    @Test
    void levelInterruptReachesTheGuestEachTimeWithThePhysicalEoiAfterTheGuestEoiDirectedEoi() {
        assertedNTimes(DefaultPlatform.spec(), true);
    }

    // apic.c verify_local_APIC@RELEASE-4.18.0: the LAPIC's APIC_LVR_DIRECTED_EOI alone enables directed
    // EOI; io_apic.c __io_apic_eoi fakes the IO-APIC EOI on a version 0x11 part with an edge/level flip
    @Test
    void directedEoiOnAnIoApicWithoutEoiRegisterCompletesByTheEdgeLevelFlip() {
        assertedNTimes(Rig.defaultPlatformWithIoApicVersion(IoApicRegisters.VERSION_11, true), true);
    }

    // __io_apic_eoi without an EOI register: masked, edge, level, unmasked; every step a whole-entry write
    @Test
    void theFakedIoApicEoiMasksFlipsTheTriggerAndUnmasks() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWithIoApicVersion(IoApicRegisters.VERSION_11, true),
            XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        final List<Long> written = new ArrayList<>();
        nic.setInterruptRequest(true);
        drv.inService = () -> {
            written.clear();
            rig.phys().setHooks(new io.irqsim.hw.ioapic.IoApicHooks() {
                @Override
                public void rteWritten(final IoApic io, final int pin, final long old, final long rte, final boolean top) {
                    if (pin == GSI && !top) {
                        written.add(rte);
                    }
                }
            });
        };
        rig.xen.drain();
        assertEquals(1, drv.handled);
        assertEquals(4, written.size(), written.toString());
        assertTrue(Rte.isMasked(written.get(0)) && Rte.isLevel(written.get(0)), "masked first");
        assertTrue(Rte.isMasked(written.get(1)) && !Rte.isLevel(written.get(1)), "then edge: Remote IRR cleared");
        assertFalse(Rte.remoteIrr(written.get(1)));
        assertTrue(Rte.isMasked(written.get(2)) && Rte.isLevel(written.get(2)), "then level again");
        assertFalse(Rte.isMasked(written.get(3)), "unmasked last");
        assertEquals(0, rig.xen.platform().lapic(0).eoiBroadcastCount(), "no broadcast: directed EOI");
    }

    // new ack: the LAPIC EOI waits in pending_eoi until desc_guest_eoi -> flush_ready_eoi
    @Test
    void levelInterruptReachesTheGuestEachTimeWithTheLapicEoiDeferredNewAck() {
        assertedNTimes(Rig.newAckPlatform(), false);
    }

    // the line is held off between the physical interrupt and the guest EOI: a device that drops
    // and raises its request again while the guest handles it gets no second physical delivery
    // until the guest EOI, then exactly one
    @Test
    void reassertionBeforeTheGuestEoiIsHeldOffUntilThenDirectedEoi() {
        reassertionHeldOff(DefaultPlatform.spec());
    }

    // the same with the new ack: Remote IRR stays set until the deferred LAPIC EOI
    @Test
    void reassertionBeforeTheGuestEoiIsHeldOffUntilThenNewAck() {
        reassertionHeldOff(Rig.newAckPlatform());
    }

    void reassertionHeldOff(final PlatformSpec spec) {
        final Rig rig = Rig.boot(spec, XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final IoApic phys = rig.phys();
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        final long[] deliveredInService = new long[2];
        final long[] takenInService = new long[2];
        drv.inService = () -> {
            if (drv.handled == 1) {
                nic.setInterruptRequest(true); // a new request before the guest's EOI
                deliveredInService[0] = phys.deliveredCount();
                takenInService[0] = rig.xen.guestIrqs().cpu(0).interruptsTaken();
                rig.xen.drain(); // nothing may run now: the line is held
                deliveredInService[1] = phys.deliveredCount();
                takenInService[1] = rig.xen.guestIrqs().cpu(0).interruptsTaken();
            }
        };
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, deliveredInService[0]);
        assertEquals(1, deliveredInService[1], "no physical delivery while the guest has not EOI'd");
        assertEquals(1, takenInService[1]);
        assertEquals(2, drv.handled, "the new request arrived after the guest EOI");
        assertEquals(2, phys.deliveredCount());
        assertEquals(2, rig.count(HvEvent.PHYS_EOI));
        assertFalse(Rte.remoteIrr(phys.rte(GSI)));
    }
}
