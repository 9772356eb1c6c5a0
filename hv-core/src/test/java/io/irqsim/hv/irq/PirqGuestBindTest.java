package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pirq_guest_bind} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same at
 * {@code RELEASE-4.20.0}): the first binder creates the action and starts the IRQ; later binders
 * need both sides willing to share and room in the action; nothing checks whether the binder is
 * already in it.
 */
class PirqGuestBindTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final Domain dom0 = rig.pvDom0();

    private Pirq mappedPirq() {
        assertEquals(0, rig.xen.ioapicRouting().mpRegisterGsi(GSI, true, true));
        final int pirq = rig.xen.pirqMapping().allocateAndMapGsiPirq(dom0, dom0, GSI, GSI);
        assertEquals(GSI, pirq);
        return dom0.pirqs().get(pirq);
    }

    // pirq_guest_bind: no "already bound by this domain" check: a second shareable bind is added again
    @Test
    void theSameDomainBindingTwiceIsNotRefused() {
        final Pirq p = mappedPirq();
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        final IrqDesc d = rig.xen.irqDescs().desc(GSI);
        assertEquals(2, d.nrGuests());
        assertEquals(dom0, d.guest(0));
        assertEquals(dom0, d.guest(1));
    }

    // pirq_guest_bind: "!will_share || !action->shareable" -> -EBUSY, also for the same domain
    @Test
    void aNonSharingSecondBindIsRefusedWithEbusy() {
        final Pirq p = mappedPirq();
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, false));
        assertEquals(-Errno.EBUSY, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertEquals(1, rig.xen.irqDescs().desc(GSI).nrGuests());
        final List<TraceRecord> binds = rig.records(HvEvent.PIRQ_GUEST_BIND);
        assertEquals(-Errno.EBUSY, binds.get(binds.size() - 1).c());
    }

    // pirq_guest_bind, first binder: IRQ_GUEST set, IRQ_DISABLED cleared, handler->startup unmasks the pin
    @Test
    void theFirstBindStartsTheIrq() {
        final Pirq p = mappedPirq();
        final IrqDesc d = rig.xen.irqDescs().desc(GSI);
        assertTrue(Rte.isMasked(rig.physRte(GSI)));
        assertTrue(d.isDisabled());
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertTrue(d.isGuest());
        assertFalse(d.isDisabled());
        assertTrue(d.isShareable());
        assertFalse(Rte.isMasked(rig.physRte(GSI)));
    }

    // pirq_guest_bind (xen/arch/x86/irq.c@RELEASE-4.20.0): "action->ack_type != ACKTYPE_NONE" ->
    // set_pirq_eoi, else clear_pirq_eoi: a level IRQ's pirq needs the guest's PHYSDEVOP_eoi, an edge
    // one (ACKTYPE_NONE) does not, and a rebind after the trigger changed rewrites the bit
    @Test
    void theBindWritesTheDomainsPirqEoiMapFromTheAckType() {
        final Pirq p = mappedPirq();
        assertFalse(dom0.pirqNeedsEoi(GSI), "nothing bound yet");
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertTrue(rig.xen.irqDescs().desc(GSI).ackType() != AckType.NONE);
        assertTrue(dom0.pirqNeedsEoi(GSI), "level: set_pirq_eoi");

        final Rig edgeRig = Rig.boot(XenConfig.XEN_4_20);
        final Domain edgeDom0 = edgeRig.pvDom0();
        assertEquals(0, edgeRig.xen.ioapicRouting().mpRegisterGsi(GSI, false, false));
        assertEquals(GSI, edgeRig.xen.pirqMapping().allocateAndMapGsiPirq(edgeDom0, edgeDom0, GSI, GSI));
        edgeDom0.setPirqNeedsEoi(GSI, true); // a stale bit from an earlier binding
        assertEquals(0, edgeRig.xen.guestIrqs().pirqGuestBind(edgeDom0, edgeDom0.pirqs().get(GSI), true));
        assertEquals(AckType.NONE, edgeRig.xen.irqDescs().desc(GSI).ackType());
        assertFalse(edgeDom0.pirqNeedsEoi(GSI), "edge: clear_pirq_eoi");
    }

    // pirq_spin_lock_irq_desc: no descriptor for a pirq whose arch.irq is not positive -> -EINVAL
    @Test
    void aPirqWithoutAPositiveIrqIsRefusedWithEinval() {
        final Pirq unmapped = dom0.pirqs().getOrCreate(30);
        assertEquals(0, unmapped.irq());
        assertEquals(-Errno.EINVAL, rig.xen.guestIrqs().pirqGuestBind(dom0, unmapped, true));
        final Pirq p = mappedPirq();
        dom0.pirqs().unlink(p.pirq(), true);
        assertEquals(-GSI, p.irq(), "the forced-unbind marker");
        assertEquals(-Errno.EINVAL, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
        final List<TraceRecord> binds = rig.records(HvEvent.PIRQ_GUEST_BIND);
        assertEquals(-Errno.EINVAL, binds.get(binds.size() - 1).c());
        assertEquals(-GSI, binds.get(binds.size() - 1).a());
    }

    // pirq_guest_bind: "!will_share || !action->shareable" -> -EBUSY also when the action is shareable
    // but the new binder will not share
    @Test
    void aBinderThatWillNotShareIsRefusedBySharersWithEbusy() {
        final Pirq p = mappedPirq();
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertEquals(-Errno.EBUSY, rig.xen.guestIrqs().pirqGuestBind(dom0, p, false));
        assertEquals(1, rig.xen.irqDescs().desc(GSI).nrGuests());
        assertTrue(rig.xen.irqDescs().desc(GSI).isShareable(), "the action keeps the first binder's will_share");
    }

    // pirq_guest_bind: "action->nr_guests >= max_nr_guests" with irq_max_guests = 32 -> -EBUSY for the 33rd
    @Test
    void theThirtyThirdSharerIsRefusedWithEbusy() {
        final Pirq p = mappedPirq();
        for (int i = 0; i < 32; i++) {
            assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true), "sharer " + (i + 1));
        }
        assertEquals(-Errno.EBUSY, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        final IrqDesc d = rig.xen.irqDescs().desc(GSI);
        assertEquals(IrqDesc.MAX_GUESTS, d.nrGuests());
        // a full action: a domain not in it is not found; __pirq_guest_unbind's memmove closes the gap
        final Domain other = rig.xen.createDomain(new io.irqsim.hv.domain.DomainConfig("other",
            io.irqsim.hv.domain.DomainType.PV, 1, false, false, false, true));
        assertFalse(d.isBound(other));
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, p);
        assertEquals(IrqDesc.MAX_GUESTS - 1, d.nrGuests());
        assertEquals(dom0, d.guest(IrqDesc.MAX_GUESTS - 2));
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true), "room for one again");
    }

    // pirq_guest_bind: only the first binder sets up the action (in_flight, ack_type, startup); a later
    // sharer is added to it as it stands, an interrupt in flight included
    @Test
    void aLaterSharerJoinsTheActionAsItStands() {
        final Pirq p = mappedPirq();
        final Domain other = rig.xen.createDomain(
            new io.irqsim.hv.domain.DomainConfig("other", io.irqsim.hv.domain.DomainType.PV, 1, false, false,
                false, true));
        other.pirqs().link(GSI, GSI);
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        rig.xen.drain();
        final IrqDesc d = rig.xen.irqDescs().desc(GSI);
        assertEquals(1, d.inFlight());
        rig.xen.ioapicRouting().mask(d);
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(other, other.pirqs().get(GSI), true));
        assertEquals(1, d.inFlight(), "in_flight is not reset");
        assertTrue(Rte.isMasked(rig.physRte(GSI)), "no second startup");
        assertEquals(AckType.UNMASK, d.ackType());
        assertEquals(2, d.nrGuests());
    }

    // irq_acktype: IO-APIC-edge -> ACKTYPE_NONE; IO-APIC-level -> ACKTYPE_UNMASK with the old ack (directed
    // EOI), ACKTYPE_EOI with the new one (ack == irq_complete_move)
    @Test
    void theFirstBinderTakesTheAckTypeOfTheController() {
        final Pirq p = mappedPirq();
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, p, true));
        assertEquals(AckType.UNMASK, rig.xen.irqDescs().desc(GSI).ackType());
        final Rig newAck = Rig.boot(Rig.newAckPlatform(), XenConfig.XEN_4_20);
        final Domain d0 = newAck.pvDom0();
        assertEquals(0, newAck.xen.ioapicRouting().mpRegisterGsi(GSI, true, true));
        assertEquals(0, newAck.xen.ioapicRouting().mpRegisterGsi(GSI + 1, false, true));
        d0.pirqs().link(GSI, GSI);
        d0.pirqs().link(GSI + 1, GSI + 1);
        assertEquals(0, newAck.xen.guestIrqs().pirqGuestBind(d0, d0.pirqs().get(GSI), false));
        assertEquals(0, newAck.xen.guestIrqs().pirqGuestBind(d0, d0.pirqs().get(GSI + 1), false));
        assertEquals(AckType.EOI, newAck.xen.irqDescs().desc(GSI).ackType());
        assertEquals(AckType.NONE, newAck.xen.irqDescs().desc(GSI + 1).ackType());
    }
}
