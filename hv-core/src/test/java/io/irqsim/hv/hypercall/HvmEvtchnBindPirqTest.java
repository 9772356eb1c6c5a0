package io.irqsim.hv.hypercall;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code evtchn_bind_pirq} / {@code evtchn_close} for an HVM guest with pirqs (xen/common/event_channel.c,
 * xen/arch/x86/irq.c:arch_evtchn_bind_pirq@RELEASE-4.18.0): no {@code pirq_guest_bind} (the passthrough binding
 * already holds the IRQ), the pirq's emuirq becomes {@code IRQ_PT}; closing the channel clears it.
 */
class HvmEvtchnBindPirqTest {

    @Test
    void hvmGuestBindingItsPassthroughPirqMarksItIrqPtWithoutASecondGuestBinding() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20); // the rig sets the GSI up with setup_gsi; the event-channel code is 4.18's
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.xen.createDomain(new DomainConfig("pvhvm", DomainType.HVM, 1, false, false, true, true));
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, DefaultPlatform.NIC_GSI, 5);
        final IrqDesc desc = rig.xen.irqDescs().desc(DefaultPlatform.NIC_GSI);
        assertEquals(1, desc.nrGuests());
        final Pirq p = domu.pirqs().get(pirq);
        assertEquals(Pirq.EMUIRQ_UNBOUND, p.emuirq());

        assertEquals(0, rig.xen.evtchn().bindPirq(domu, pirq, true));
        assertEquals(Pirq.EMUIRQ_PT, p.emuirq());
        assertTrue(p.isEvtchnBound());
        assertEquals(1, desc.nrGuests(), "evtchn_bind_pirq does not call pirq_guest_bind for an HVM domain");
        assertEquals(-io.irqsim.hv.Errno.EEXIST, rig.xen.evtchn().bindPirq(domu, pirq, true));

        assertEquals(0, rig.xen.evtchn().unbindPirq(domu, pirq));
        assertEquals(Pirq.EMUIRQ_UNBOUND, p.emuirq());
        assertFalse(p.isEvtchnBound());
        assertEquals(1, desc.nrGuests(), "nor pirq_guest_unbind: the passthrough binding stays");
    }

    @Test
    void hvmGuestMayBindAnUnmappedPirqWhichStaysUnbound() {
        // no pirq_access_permitted check for an HVM domain; arch_evtchn_bind_pirq does nothing without an IRQ
        final Rig rig = Rig.boot(XenConfig.XEN_4_20); // the rig sets the GSI up with setup_gsi; the event-channel code is 4.18's
        rig.pvhDom0();
        final Domain domu = rig.xen.createDomain(new DomainConfig("pvhvm", DomainType.HVM, 1, false, false, true, true));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, 40, false));
        assertEquals(Pirq.EMUIRQ_UNBOUND, domu.pirqs().get(40).emuirq());
    }
}
