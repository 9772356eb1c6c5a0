package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code do_IRQ_guest} and {@code pirq_guest_eoi} / {@code desc_guest_eoi}
 * ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same at {@code RELEASE-4.20.0}): a guest's pirq
 * counts in flight once ({@code !test_and_set_bool(pirq->masked)}); an EOI counts only if it was
 * owed ({@code test_and_clear_bool(pirq->masked)}) and only the last one ({@code --in_flight == 0})
 * completes the interrupt; an IRQ without {@code IRQ_GUEST} ignores EOIs.
 */
class PirqGuestEoiTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final Domain dom0 = rig.pvDom0();
    private final PciFunction nic = rig.device(DefaultPlatform.NIC);
    private final IrqDesc desc = rig.xen.irqDescs().desc(GSI);

    PirqGuestEoiTest() {
        assertEquals(0, rig.xen.ioapicRouting().mpRegisterGsi(GSI, true, true));
    }

    private Pirq linked(final Domain d) {
        d.pirqs().link(GSI, GSI);
        return d.pirqs().get(GSI);
    }

    private void interrupt() {
        nic.setInterruptRequest(true);
        rig.xen.drain();
        nic.setInterruptRequest(false);
    }

    private TraceRecord lastEoiRecord() {
        final List<TraceRecord> r = rig.records(HvEvent.PIRQ_GUEST_EOI);
        return r.get(r.size() - 1);
    }

    // do_IRQ_guest: the same domain twice in the action (pirq_guest_bind does not refuse it) is sent the pirq
    // twice, but its one pirq->masked counts in flight once, so its one EOI completes the interrupt
    @Test
    void aDomainBoundTwiceCountsOnceInFlight() {
        final Pirq p = linked(dom0);
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        interrupt();
        assertEquals(2, rig.count(HvEvent.GUEST_IRQ));
        assertEquals(1, desc.inFlight());
        rig.xen.guestIrqs().pirqGuestEoi(dom0, p);
        assertEquals(0, desc.inFlight());
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        assertFalse(Rte.remoteIrr(rig.physRte(GSI)));
    }

    // desc_guest_eoi: "!test_and_clear_bool(pirq->masked)" -> nothing; the owed one completes; a repeat is not owed
    @Test
    void onlyAnOwedEoiCounts() {
        final Pirq p = linked(dom0);
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        rig.xen.guestIrqs().pirqGuestEoi(dom0, p);
        assertEquals(0, rig.count(HvEvent.PIRQ_GUEST_EOI), "nothing in flight");
        interrupt();
        assertTrue(p.isMasked());
        rig.xen.guestIrqs().pirqGuestEoi(dom0, p);
        final TraceRecord r = lastEoiRecord();
        assertEquals(GSI, r.a());
        assertEquals(0, r.b(), "in flight after this EOI");
        assertEquals(1, r.c(), "the last one: the interrupt is completed");
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        rig.xen.guestIrqs().pirqGuestEoi(dom0, p);
        assertEquals(1, rig.count(HvEvent.PIRQ_GUEST_EOI));
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
    }

    // desc_guest_eoi: "--action->in_flight != 0" -> the first of two sharers' EOIs completes nothing
    @Test
    void onlyTheLastSharersEoiCompletesTheInterrupt() {
        final Domain other = rig.xen.createDomain(new DomainConfig("other", DomainType.PV, 1, false, false, false,
            true));
        final Pirq p0 = linked(dom0);
        final Pirq p1 = linked(other);
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p0, true));
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(other, p1, true));
        interrupt();
        assertEquals(2, desc.inFlight());
        rig.xen.guestIrqs().pirqGuestEoi(other, p1);
        assertEquals(1, lastEoiRecord().b());
        assertEquals(0, lastEoiRecord().c());
        assertEquals(0, rig.count(HvEvent.PHYS_EOI));
        assertTrue(Rte.remoteIrr(rig.physRte(GSI)));
        rig.xen.guestIrqs().pirqGuestEoi(dom0, p0);
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        assertFalse(Rte.remoteIrr(rig.physRte(GSI)));
    }

    // desc_guest_eoi: "!(desc->status & IRQ_GUEST)" -> nothing, even for a pirq marked masked
    @Test
    void anEoiForAnIrqNoGuestHoldsIsIgnored() {
        final Pirq p = linked(dom0);
        p.setMasked(true);
        rig.xen.guestIrqs().pirqGuestEoi(dom0, p);
        assertTrue(p.isMasked());
        assertEquals(0, rig.count(HvEvent.PIRQ_GUEST_EOI));
        assertEquals(0, desc.inFlight());
    }
}
