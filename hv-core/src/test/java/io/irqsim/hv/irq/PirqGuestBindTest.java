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
}
