package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.irq.AckType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code PHYSDEVOP_irq_status_query} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.20.0}, behind
 * {@code xen/arch/x86/hvm/hypercall.c:hvm_physdev_op}) and what Xen then does with the
 * {@code PHYSDEVOP_eoi} of an edge pirq that the answer makes Linux send.
 */
class PhysdevIrqStatusQueryTest {

    private static final int NEEDS_EOI = 1;   // XENIRQSTAT_needs_eoi, xen/include/public/physdev.h
    private static final int SHARED = 2;      // XENIRQSTAT_shared
    private static final int GSI = DefaultPlatform.NIC_GSI;

    // do_physdev_op PHYSDEVOP_irq_status_query: XENIRQSTAT_needs_eoi is set unconditionally, whatever the
    // trigger; an HVM guest's pirq standing for an emulated ISA (edge) IRQ needs EOI as one for GSI 40 does
    @Test
    void anHvmGuestsEmulatedGsiPirqNeedsEoiWhateverTheGsisTrigger() {
        final PvhvmGuest g = PvhvmGuest.boot();
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(g.domu, 20, 4));
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(g.domu, 21, 40));
        assertEquals(NEEDS_EOI, g.rig.xen.physdev().irqStatusQuery(g.domu, 20));
        assertEquals(NEEDS_EOI, g.rig.xen.physdev().irqStatusQuery(g.domu, 21));
    }

    // docs/trace.md: hypercall 6, b the pirq, c the flags or the errno
    @Test
    void theQueryLeavesAHypercallRecordWithThePirqAndTheFlags() {
        final PvhvmGuest g = PvhvmGuest.boot();
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(g.domu, 20, 40));
        g.rig.xen.physdev().irqStatusQuery(g.domu, 20);
        TraceRecord r = HypercallTraceRecordTest.lastHypercall(g.rig);
        assertEquals(6, r.a());
        assertEquals(20, r.b());
        assertEquals(NEEDS_EOI, r.c());
        g.rig.xen.physdev().irqStatusQuery(g.domu, 23);
        r = HypercallTraceRecordTest.lastHypercall(g.rig);
        assertEquals(23, r.b());
        assertEquals(-Errno.EINVAL, r.c());
    }

    // do_physdev_op PHYSDEVOP_irq_status_query: for an HVM domain, domain_pirq_to_irq <= 0 and
    // domain_pirq_to_emuirq == IRQ_UNBOUND is -EINVAL: an MSI pirq PHYSDEVOP_get_free_pirq handed out
    // (arch.irq PIRQ_ALLOCATED), and a pirq with no struct at all
    @Test
    void anHvmGuestsPirqWithNeitherAXenIrqNorAnEmulatedIrqIsEinval() {
        final PvhvmGuest g = PvhvmGuest.boot();
        final int msiPirq = g.rig.xen.physdev().getFreePirq(g.domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(Pirq.PIRQ_ALLOCATED, g.domu.pirqs().get(msiPirq).irq());
        assertEquals(-Errno.EINVAL, g.rig.xen.physdev().irqStatusQuery(g.domu, msiPirq));
        assertEquals(-Errno.EINVAL, g.rig.xen.physdev().irqStatusQuery(g.domu, 22));
    }

    // do_physdev_op PHYSDEVOP_irq_status_query: irq < 0 or irq >= nr_pirqs is -EINVAL
    @Test
    void aPirqOutsideNrPirqsIsEinval() {
        final PvhvmGuest g = PvhvmGuest.boot();
        assertEquals(-Errno.EINVAL, g.rig.xen.physdev().irqStatusQuery(g.domu, -1));
        assertEquals(-Errno.EINVAL, g.rig.xen.physdev().irqStatusQuery(g.domu, g.domu.pirqs().nrPirqs()));
    }

    // hvm_physdev_op@RELEASE-4.20.0: PHYSDEVOP_irq_status_query needs has_pirq; a PVH dom0 has none
    @Test
    void anHvmTypeCallerWithoutPirqsGetsEnosys() {
        final PvhvmGuest g = PvhvmGuest.boot();
        assertEquals(-Errno.ENOSYS, g.rig.xen.physdev().irqStatusQuery(g.dom0, GSI));
    }

    // do_physdev_op PHYSDEVOP_irq_status_query: no HVM check for a PV caller (a pirq with no IRQ still
    // needs EOI); pirq_shared (xen/arch/x86/irq.c@RELEASE-4.20.0) adds XENIRQSTAT_shared once a second
    // guest is bound to the IRQ
    @Test
    void aPvPirqNeedsEoiAndIsSharedOnceASecondGuestIsBound() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvDom0();
        final Domain a = rig.xen.createDomain(new DomainConfig("a", DomainType.PV, 1, false, false, false, true));
        assertEquals(NEEDS_EOI, rig.xen.physdev().irqStatusQuery(dom0, GSI), "no IRQ mapped yet");
        assertEquals(0, rig.xen.ioapicRouting().mpRegisterGsi(GSI, true, true));
        dom0.pirqs().link(GSI, GSI);
        a.pirqs().link(GSI, GSI);
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, dom0.pirqs().get(GSI), true));
        assertEquals(NEEDS_EOI, rig.xen.physdev().irqStatusQuery(dom0, GSI), "one guest");
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(a, a.pirqs().get(GSI), true));
        assertEquals(NEEDS_EOI | SHARED, rig.xen.physdev().irqStatusQuery(dom0, GSI));
        assertEquals(NEEDS_EOI | SHARED, rig.xen.physdev().irqStatusQuery(a, GSI));
    }

    // PHYSDEVOP_eoi (physdev.c@RELEASE-4.20.0) of an HVM guest's pirq with a Xen IRQ calls pirq_guest_eoi; on an
    // edge IO-APIC IRQ (irq_acktype: ACKTYPE_NONE) do_IRQ_guest never sets pirq->masked, so desc_guest_eoi
    // returns at its test_and_clear_bool: nothing is counted or ended, before or after an interrupt
    @Test
    void anHvmGuestsEoiOfAnEdgePirqWithAXenIrqOwesNothingAndDoesNothing() {
        final PvhvmGuest g = PvhvmGuest.boot();
        final List<Integer> eoiGsis = new ArrayList<>();
        g.domu.addGsiEoiListener((d, gsi) -> eoiGsis.add(gsi));
        assertEquals(0, g.rig.xen.ioapicRouting().mpRegisterGsi(GSI, false, false));
        g.domu.pirqs().link(GSI, GSI);
        final Pirq p = g.domu.pirqs().get(GSI);
        assertEquals(0, g.rig.xen.guestIrqs().pirqGuestBind(g.domu, p, false));
        final IrqDesc desc = g.rig.xen.irqDescs().desc(GSI);
        assertEquals(AckType.NONE, desc.ackType());
        assertEquals(NEEDS_EOI, g.rig.xen.physdev().irqStatusQuery(g.domu, GSI), "needs EOI all the same");
        assertEquals(0, g.rig.xen.physdev().eoi(g.domu, GSI));
        final PciFunction nic = g.rig.device(DefaultPlatform.NIC);
        nic.setInterruptRequest(true);
        g.rig.xen.drain();
        nic.setInterruptRequest(false);
        assertFalse(p.isMasked(), "ACKTYPE_NONE: do_IRQ_guest leaves pirq->masked clear");
        assertEquals(0, desc.inFlight());
        assertEquals(0, g.rig.xen.physdev().eoi(g.domu, GSI));
        assertEquals(0, g.rig.count(HvEvent.PIRQ_GUEST_EOI), "desc_guest_eoi returned at once, both times");
        assertEquals(List.of(), eoiGsis, "no emulated GSI behind it");
    }

    // PHYSDEVOP_eoi (physdev.c@RELEASE-4.20.0): an emulated ISA GSI is taken as edge ("ISA irqs are edge
    // triggered"): no resend; irqsim's GSI EOI listeners, which hear level EOIs only, are not told either
    @Test
    void anHvmGuestsEoiOfAnEmulatedIsaPirqResendsNothingAndTellsNoListener() {
        final PvhvmGuest g = PvhvmGuest.boot();
        final List<Integer> eoiGsis = new ArrayList<>();
        g.domu.addGsiEoiListener((d, gsi) -> eoiGsis.add(gsi));
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(g.domu, 20, 4));
        assertEquals(0, g.rig.xen.evtchn().bindPirq(g.domu, 20, false));
        assertEquals(0, g.rig.xen.physdev().eoi(g.domu, 20));
        g.rig.xen.drain();
        assertEquals(List.of(), g.events);
        assertEquals(List.of(), eoiGsis);
    }

    // do_physdev_op PHYSDEVOP_irq_status_query@RELEASE-4.20.0: "(irq < 0) || (irq >= currd->nr_pirqs)" is the only
    // check a PV caller meets: pirqs 0 and nr_pirqs - 1 are in range and need EOI, mapped or not (pirq_shared finds
    // no descriptor: 0); -1 and nr_pirqs are -EINVAL
    @Test
    void aPvDomainsPirqsFromZeroToNrPirqsMinusOneAreInRange() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvDom0();
        final int nr = dom0.pirqs().nrPirqs();
        assertEquals(NEEDS_EOI, rig.xen.physdev().irqStatusQuery(dom0, 0));
        assertEquals(NEEDS_EOI, rig.xen.physdev().irqStatusQuery(dom0, nr - 1));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().irqStatusQuery(dom0, -1));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().irqStatusQuery(dom0, nr));
    }

    // docs/trace.md: a hypercall's record carries its caller's context (domain id), whoever called before
    @Test
    void theQueryAndGetFreePirqAreRecordedInTheCallersContext() {
        final PvhvmGuest g = PvhvmGuest.boot();
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(g.domu, 20, 40));
        g.rig.xen.physdev().irqStatusQuery(g.dom0, 20);
        assertEquals(g.dom0.id(), HypercallTraceRecordTest.lastHypercall(g.rig).domain());
        g.rig.xen.physdev().irqStatusQuery(g.domu, 20);
        assertEquals(g.domu.id(), HypercallTraceRecordTest.lastHypercall(g.rig).domain());
        g.rig.xen.physdev().irqStatusQuery(g.dom0, 20);
        g.rig.xen.physdev().getFreePirq(g.domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(g.domu.id(), HypercallTraceRecordTest.lastHypercall(g.rig).domain());
    }
}
