package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * How {@code do_IRQ_guest} hands a guest-bound interrupt to each guest (xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0):
 * {@code if ( !is_hvm_domain(d) || !hvm_do_IRQ_dpci(d, pirq) ) send_guest_pirq(d, pirq);}. An HVM-type
 * guest whose passthrough path declines (no IOMMU context: {@code hvm_do_IRQ_dpci} returns 0) gets
 * {@code send_guest_pirq}, which raises nothing when no event channel is bound to the pirq.
 */
class GuestIrqDispatchTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    @Test
    void anHvmGuestWithoutIommuContextGetsSendGuestPirqWhichFindsNoChannel() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        domu.setIommuEnabled(false);
        assertEquals(0, rig.xen.undeliveredPirqEvents());
        nic.setInterruptRequest(true);
        rig.xen.drain();
        final List<TraceRecord> sends = rig.records(HvEvent.EVTCHN_PIRQ);
        assertEquals(1, sends.size(), "send_guest_pirq");
        assertEquals(pirq, sends.get(0).a());
        assertEquals(GSI, sends.get(0).b(), "the Xen IRQ");
        assertEquals(0, sends.get(0).c(), "no event channel bound");
        assertEquals(1, rig.xen.undeliveredPirqEvents());
        assertEquals(0, rig.count(HvEvent.DPCI_ASSIST), "no passthrough softirq");
        assertFalse(domu.hvmIrq().isPciIntxAsserted(5, 0));
        assertEquals(0, domu.hvmIrq().gsiAssertCount(HvmIrq.pciIntxGsi(5, 0)));
    }
}
