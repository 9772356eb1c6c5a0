package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's {@code vioapic_deliver} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, case
 * {@code dest_NMI}) kicks a vCPU only when {@code test_and_set_bool(v->arch.nmi_pending)} found
 * the flag clear. An NMI edge that arrives while the vCPU still has one pending neither adds a
 * second NMI nor schedules the vCPU again.
 */
class VioapicDeliverNmiKickTest {

    private static final int GSI = HvmIrq.pciIntxGsi(5, 0);

    // xen/arch/x86/hvm/vioapic.c:vioapic_deliver@RELEASE-4.20.0: dest_NMI, vcpu_kick only when
    // nmi_pending is newly set
    @Test
    void vioapicDeliverDoesNotKickAVcpuWhoseNmiIsStillPending() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain domu = rig.hvmGuest("domU");
        final Vcpu v = domu.vcpu(0);
        Rig.enableVlapic(v);
        // edge, active high, NMI, physical destination 0 (vCPU 0's APIC id)
        Rig.writeRte(v, GSI, Rte.of(0x00, Rte.DM_NMI, false, false, false, false, 0));
        rig.xen.drain();

        domu.hvmIrq().gsiAssert(GSI);
        assertTrue(v.vlapic().isNmiPending());
        assertTrue(v.isQueued(), "nmi_pending newly set: the vCPU is kicked");
        rig.xen.drain();
        assertFalse(v.isQueued());

        domu.hvmIrq().gsiAssert(GSI);
        assertFalse(v.isQueued(), "nmi_pending was still set: no kick");
        assertTrue(v.vlapic().takeNmi());
        assertFalse(v.vlapic().takeNmi(), "one NMI, not two");

        domu.hvmIrq().gsiAssert(GSI);
        assertTrue(v.isQueued(), "taken by hvm_vcpu_ack_pending_irq: the next NMI kicks again");
    }
}
