package io.irqsim.hv.domain;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code unmap_domain_pirq} (xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0) of a pirq a PV dom0 still
 * has an event channel bound to: {@code pirq_guest_force_unbind} takes the guest off the IRQ, and
 * instead of clearing the mapping Xen leaves markers both ways, {@code info->arch.irq = -irq} and
 * {@code irq_pirq[irq] = -pirq}. Until {@code EVTCHNOP_close} runs {@code pirq_guest_unbind}, which
 * finds no descriptor and clears them ({@code clear_domain_irq_pirq}, {@code cleanup_domain_irq_pirq}),
 * {@code domain_irq_to_pirq} is {@code -pirq} and the IRQ cannot be mapped again:
 * {@code allocate_pirq} gives {@code -EBUSY} for "any pirq" and {@code -EEXIST} for a named one.
 */
class ForcedUnbindMarkerTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    Rig rig;
    Domain dom0;

    @BeforeEach
    void pvDom0BindsItsGsiThenUnmapsItWithTheChannelStillBound() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        dom0 = rig.pvDom0();
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map(GSI)));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        assertEquals(dom0, rig.xen.irqDescs().desc(GSI).guest(0));
        assertEquals(0, rig.xen.physdev().unmapPirq(dom0, Domain.DOMID_SELF, GSI));
    }

    static PhysdevOps.MapPirq map(final int pirq) {
        return new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, pirq);
    }

    @Test
    void aForcedUnbindLeavesNegativeMarkersBothWays() {
        assertEquals(0, rig.xen.irqDescs().desc(GSI).nrGuests(), "pirq_guest_force_unbind");
        assertEquals(-GSI, dom0.pirqs().get(GSI).irq(), "info->arch.irq = -irq");
        assertEquals(-GSI, dom0.pirqs().irqToPirq(GSI), "irq_pirq[irq] = -pirq");
        assertEquals(0, dom0.pirqs().pirqToIrq(GSI + 1));
        assertTrue(dom0.pirqs().mapped().isEmpty());
        assertEquals(0, dom0.pirqs().irqToPirq(rig.xen.irqDescs().nrIrqs()), "past the last IRQ: none");
    }

    // allocate_pirq: "any pirq" with current_pirq < 0 -> -EBUSY; a named pirq != current_pirq -> -EEXIST
    @Test
    void theIrqCannotBeMappedAgainWhileTheMarkersStand() {
        final PhysdevOps.MapPirq any = map(-1);
        assertEquals(-Errno.EBUSY, rig.xen.physdev().mapPirq(dom0, any));
        assertEquals(-Errno.EEXIST, rig.xen.physdev().mapPirq(dom0, map(GSI)));
        assertEquals(-GSI, dom0.pirqs().irqToPirq(GSI));
    }

    // evtchn_close -> pirq_guest_unbind: desc == NULL, irq = -arch.irq; clear_domain_irq_pirq + cleanup.
    // allocate_pirq then passes; map_domain_pirq refuses, as unmap_domain_pirq's irq_deny_access took
    // dom0's access to the IRQ away
    @Test
    void closingTheEventChannelClearsTheMarkers() {
        assertEquals(0, rig.xen.evtchn().unbindPirq(dom0, GSI));
        assertEquals(0, dom0.pirqs().get(GSI).irq());
        assertEquals(0, dom0.pirqs().irqToPirq(GSI));
        assertFalse(dom0.irqCaps().permitted(GSI), "unmap_domain_pirq: irq_deny_access");
        assertEquals(-Errno.EPERM, rig.xen.physdev().mapPirq(dom0, map(-1)));
        assertEquals(-Errno.EPERM, rig.xen.physdev().mapPirq(dom0, map(GSI)));
    }

    // a plain unmap (nothing bound): clear_domain_irq_pirq at once, no marker
    @Test
    void anUnmapWithNothingBoundLeavesNoMarker() {
        final Rig other = Rig.boot(XenConfig.XEN_4_20);
        final Domain pv = other.pvDom0();
        assertEquals(0, other.xen.physdev().mapPirq(pv, map(GSI)));
        assertEquals(GSI, pv.pirqs().irqToPirq(GSI));
        assertEquals(0, other.xen.physdev().unmapPirq(pv, Domain.DOMID_SELF, GSI));
        assertEquals(0, pv.pirqs().get(GSI).irq());
        assertEquals(0, pv.pirqs().irqToPirq(GSI));
        assertEquals(-Errno.EPERM, other.xen.physdev().mapPirq(pv, map(-1)), "no -EBUSY: no marker");
    }
}
