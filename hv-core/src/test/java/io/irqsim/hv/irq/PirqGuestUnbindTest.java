package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pirq_guest_unbind} / {@code __pirq_guest_unbind} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0},
 * same at {@code RELEASE-4.20.0}): the leaving guest's owed EOI is completed
 * ({@code ACKTYPE_UNMASK}: {@code --in_flight == 0} runs the controller's {@code end};
 * {@code ACKTYPE_EOI}: the CPUs' pending EOIs are made ready); the last guest leaving sets
 * {@code IRQ_DISABLED} and runs the controller's {@code disable} and {@code shutdown}, which mask a
 * level IO-APIC pin and do nothing to an edge one ({@code irq_disable_none},
 * {@code irq_shutdown_none}, {@code xen/arch/x86/io_apic.c}).
 */
class PirqGuestUnbindTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    /** A booted machine with a PV dom0 and a second PV domain that may share the NIC's IRQ. */
    private static final class Machine {
        final Rig rig;
        final Domain dom0;
        final Domain other;
        final PciFunction nic;

        Machine(final PlatformSpec spec) {
            rig = Rig.boot(spec, XenConfig.XEN_4_20);
            dom0 = rig.pvDom0();
            other = rig.xen.createDomain(new DomainConfig("other", DomainType.PV, 1, false, false, false, true));
            nic = rig.device(DefaultPlatform.NIC);
        }

        Pirq bind(final Domain d, final boolean level) {
            final int rc = rig.xen.ioapicRouting().mpRegisterGsi(GSI, level, true);
            assertTrue(rc == 0 || rc == -io.irqsim.hv.Errno.EEXIST, "mp_register_gsi " + rc);
            d.pirqs().link(GSI, GSI);
            final Pirq p = d.pirqs().get(GSI);
            assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(d, p, true));
            return p;
        }

        IrqDesc desc() {
            return rig.xen.irqDescs().desc(GSI);
        }

        /** One physical interrupt on the NIC's line, delivered to every bound guest, none of which EOIs. */
        void interruptNobodyEois() {
            nic.setInterruptRequest(true);
            rig.xen.drain();
        }
    }

    private final Machine m = new Machine(DefaultPlatform.spec());
    private final Rig rig = m.rig;
    private final Domain dom0 = m.dom0;
    private final Domain other = m.other;
    private final PciFunction nic = m.nic;

    private Pirq bind(final Domain d, final boolean level) {
        return m.bind(d, level);
    }

    private IrqDesc desc() {
        return m.desc();
    }

    private void interruptNobodyEois() {
        m.interruptNobodyEois();
    }

    // ioapic_edge_type: .disable = irq_disable_none, .shutdown = irq_shutdown_none: the pin stays unmasked
    @Test
    void theLastGuestLeavingAnEdgeIrqDisablesItButLeavesItsPinUnmasked() {
        final Pirq p = bind(dom0, false);
        assertFalse(Rte.isMasked(rig.physRte(GSI)));
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p);
        assertFalse(desc().isGuest());
        assertTrue(desc().isDisabled());
        assertEquals(0, desc().nrGuests());
        assertFalse(Rte.isMasked(rig.physRte(GSI)), "irq_shutdown_none");
        // an edge now reaches do_IRQ, which finds no IRQ_GUEST and an IRQ_DISABLED descriptor: nothing is delivered
        final int spurious = rig.count(HvEvent.SPURIOUS_IRQ);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        nic.setInterruptRequest(false);
        rig.xen.drain();
        assertEquals(spurious + 1, rig.count(HvEvent.SPURIOUS_IRQ));
        assertEquals(0, rig.count(HvEvent.GUEST_IRQ));
        assertFalse(rig.xen.guestIrqs().cpu(0).lapic().isr(desc().vector()), "ack_edge_ioapic_irq EOI'd the LAPIC");
    }

    // ioapic_level_type: .disable = .shutdown = mask_IO_APIC_irq
    @Test
    void theLastGuestLeavingALevelIrqMasksItsPin() {
        final Pirq p = bind(dom0, true);
        assertFalse(Rte.isMasked(rig.physRte(GSI)));
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p);
        assertTrue(desc().isDisabled());
        assertTrue(Rte.isMasked(rig.physRte(GSI)));
    }

    // ACKTYPE_UNMASK: "test_and_clear_bool(pirq->masked) && --action->in_flight == 0" -> handler->end: the
    // IO-APIC EOI register; the EOI timer goes with the action (kill_timer)
    @Test
    void theLastGuestLeavingWhileOwingItsEoiCompletesTheInterrupt() {
        final Pirq p = bind(dom0, true);
        interruptNobodyEois();
        assertTrue(p.isMasked());
        assertEquals(1, desc().inFlight());
        assertTrue(Rte.remoteIrr(rig.physRte(GSI)));
        nic.setInterruptRequest(false);
        final int eois = rig.count(HvEvent.PHYS_EOI);
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p);
        assertFalse(p.isMasked());
        assertEquals(0, desc().inFlight());
        assertEquals(eois + 1, rig.count(HvEvent.PHYS_EOI));
        assertFalse(Rte.remoteIrr(rig.physRte(GSI)), "the IO-APIC EOI register was written");
        assertTrue(Rte.isMasked(rig.physRte(GSI)), "then shut down");
        rig.xen.advanceTime(GuestIrqs.EOI_TIMEOUT_NS);
        assertEquals(0, rig.count(HvEvent.EOI_TIMEOUT), "the EOI timer went with the action");
    }

    // ACKTYPE_UNMASK, shared: one guest leaving while the other still owes its EOI leaves the line in service
    @Test
    void aSharerLeavingWhileAnotherStillOwesItsEoiDoesNotCompleteTheInterrupt() {
        final Pirq p0 = bind(dom0, true);
        final Pirq p1 = bind(other, true);
        interruptNobodyEois();
        assertEquals(2, desc().inFlight());
        final int eois = rig.count(HvEvent.PHYS_EOI);
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p0);
        assertFalse(p0.isMasked());
        assertEquals(1, desc().inFlight());
        assertEquals(eois, rig.count(HvEvent.PHYS_EOI));
        assertTrue(Rte.remoteIrr(rig.physRte(GSI)));
        assertTrue(desc().isGuest());
        assertFalse(desc().isDisabled());
        assertSame(other, desc().guest(0));
        assertEquals(2, rig.count(HvEvent.GUEST_IRQ));
        rig.xen.guestIrqs().pirqGuestEoi(other, p1);
        rig.xen.drain();
        assertEquals(eois + 1, rig.count(HvEvent.PHYS_EOI));
        final java.util.List<io.irqsim.hv.trace.TraceRecord> sent = rig.records(HvEvent.GUEST_IRQ);
        assertEquals(3, sent.size(), "the still-asserted line came again, to the remaining guest only");
        assertEquals(other.id(), sent.get(2).c());
    }

    // a sharer that already EOI'd leaves without completing anything (pirq->masked is clear)
    @Test
    void aSharerThatAlreadyEoidLeavesWithoutCompletingTheInterrupt() {
        final Pirq p0 = bind(dom0, true);
        bind(other, true);
        interruptNobodyEois();
        rig.xen.guestIrqs().pirqGuestEoi(dom0, p0);
        assertEquals(1, desc().inFlight());
        final int eois = rig.count(HvEvent.PHYS_EOI);
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p0);
        assertEquals(1, desc().inFlight());
        assertEquals(eois, rig.count(HvEvent.PHYS_EOI));
        assertTrue(Rte.remoteIrr(rig.physRte(GSI)));
    }

    // ACKTYPE_EOI ("new" ack): the leaving guest's EOI makes the deferred LAPIC EOI ready and flushes it
    @Test
    void withTheNewAckTheLastGuestLeavingFlushesTheDeferredLapicEoi() {
        final Machine t = new Machine(Rig.newAckPlatform());
        final Pirq p = t.bind(t.dom0, true);
        assertEquals(AckType.EOI, t.desc().ackType());
        t.interruptNobodyEois();
        final PhysicalCpu cpu = t.rig.xen.guestIrqs().cpu(0);
        assertEquals(1, cpu.pendingEois());
        t.rig.xen.guestIrqs().pirqGuestUnbind(t.dom0, p);
        assertEquals(0, cpu.pendingEois());
        assertEquals(0, t.desc().inFlight());
        assertTrue(Rte.isMasked(t.rig.physRte(GSI)));
    }

    // xen/arch/x86/irq.c:__pirq_guest_unbind@RELEASE-4.20.0 (same at RELEASE-4.18.0), ACKTYPE_EOI, last guest:
    // handler->disable (mask_IO_APIC_irq) runs and IRQ_DISABLED is set before set_eoi_ready makes the deferred
    // LAPIC EOI ready, so the EOI's broadcast clears Remote IRR on a masked pin and the still-asserted line is
    // not delivered again
    @Test
    void withTheNewAckTheLastGuestLeavingMasksThePinBeforeTheDeferredLapicEoi() {
        final Machine t = new Machine(Rig.newAckPlatform());
        final Pirq p = t.bind(t.dom0, true);
        t.interruptNobodyEois(); // the NIC keeps its line asserted
        final int doIrqs = t.rig.count(HvEvent.DO_IRQ);
        final int vector = t.desc().vector();
        t.rig.xen.guestIrqs().pirqGuestUnbind(t.dom0, p);
        assertEquals(0, t.rig.xen.guestIrqs().cpu(0).pendingEois(), "the deferred LAPIC EOI was written");
        assertFalse(t.rig.xen.guestIrqs().cpu(0).lapic().irr(vector), "the masked pin sent nothing");
        t.rig.xen.drain();
        assertEquals(doIrqs, t.rig.count(HvEvent.DO_IRQ), "no interrupt after the unbind");
        assertEquals(0, t.rig.xen.guestIrqs().spuriousCount());
        assertTrue(Rte.isMasked(t.rig.physRte(GSI)));
        assertFalse(Rte.remoteIrr(t.rig.physRte(GSI)), "the broadcast EOI still cleared Remote IRR");
    }

    // xen/arch/x86/io_apic.c:ack_edge_ioapic_irq@RELEASE-4.20.0 (same at RELEASE-4.18.0) masks the pin when the
    // descriptor is IRQ_PENDING and IRQ_DISABLED; xen/arch/x86/irq.c:do_IRQ sets IRQ_PENDING on an interrupt that
    // finds no IRQ_GUEST, and nothing on the guest path clears it: the first stray edge after the last unbind is
    // only EOI'd, the second masks the pin; a later bind unmasks it (startup_edge_ioapic_irq) but IRQ_PENDING
    // stays, so after the next unbind the first stray edge masks it
    @Test
    void theSecondEdgeOnADisabledIrqMasksItsPin() {
        final Pirq p = bind(dom0, false);
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p);
        edge();
        assertFalse(Rte.isMasked(rig.physRte(GSI)), "IRQ_PENDING was not yet set at the first ack");
        edge();
        assertTrue(Rte.isMasked(rig.physRte(GSI)), "IRQ_PENDING | IRQ_DISABLED at the second ack");
        assertEquals(2, rig.count(HvEvent.SPURIOUS_IRQ));
        assertFalse(rig.xen.guestIrqs().cpu(0).lapic().isr(desc().vector()), "the LAPIC was EOI'd both times");
        final Pirq again = bind(dom0, false);
        assertFalse(Rte.isMasked(rig.physRte(GSI)), "startup_edge_ioapic_irq unmasks");
        edge();
        assertEquals(1, rig.count(HvEvent.GUEST_IRQ), "a bound edge IRQ is delivered: IRQ_DISABLED is clear");
        assertFalse(Rte.isMasked(rig.physRte(GSI)));
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, again);
        edge();
        assertTrue(Rte.isMasked(rig.physRte(GSI)), "IRQ_PENDING is sticky: the first stray edge masks now");
    }

    /** One edge on the NIC's line: raised, taken, released. */
    private void edge() {
        nic.setInterruptRequest(true);
        rig.xen.drain();
        nic.setInterruptRequest(false);
        rig.xen.drain();
    }

    // __pirq_guest_unbind is only reached for a domain in the action; another domain's unbind changes nothing
    @Test
    void anUnbindByADomainNotInTheActionChangesNothing() {
        final Pirq p = bind(dom0, true);
        other.pirqs().link(GSI, GSI);
        rig.xen.guestIrqs().pirqGuestUnbind(other, other.pirqs().get(GSI));
        assertEquals(1, desc().nrGuests());
        assertTrue(desc().isGuest());
        assertFalse(Rte.isMasked(rig.physRte(GSI)));
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p);
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p);
        assertTrue(desc().isDisabled(), "a second unbind of an unbound IRQ is a no-op");
        assertEquals(0, desc().nrGuests());
    }
}
