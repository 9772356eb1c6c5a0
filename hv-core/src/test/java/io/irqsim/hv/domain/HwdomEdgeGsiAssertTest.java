package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hardware domain's GSIs: {@code hvm_gsi_assert} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0})
 * pins {@code gsi_assert_count} to 1 for a level GSI and leaves it alone for an edge one, calling
 * {@code assert_gsi} (so {@code vioapic_irq_positive_edge}) on every edge assertion;
 * {@code hvm_gsi_deassert} clears the count only while the entry is level.
 */
class HwdomEdgeGsiAssertTest {

    // xen/arch/x86/hvm/irq.c:hvm_gsi_assert and xen/arch/x86/hvm/vioapic.c:vioapic_irq_positive_edge,
    // vioapic_write_redirent@RELEASE-4.20.0: an entry turned from level to edge while its GSI is
    // asserted still gets an edge per assertion, and the count left at 1 makes the entry deliver as
    // soon as it is level and unmasked again
    @Test
    void vioapicIrqPositiveEdgeDeliversEachHwdomEdgeAssertionAndTheStaleCountRedeliversOnLevel() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Vcpu v0 = dom0.vcpu(0);
        Rig.enableVlapic(v0);
        final int gsi = 20;
        Rig.writeRte(v0, gsi, Rig.pciLevelLow(0x61, false));
        dom0.hvmIrq().gsiAssert(gsi);
        final LocalApic vlapic = v0.vlapic();
        assertTrue(vlapic.irr(0x61));
        Rig.writeRteLow(v0, gsi, (int) Rte.of(0x62, Rte.DM_FIXED, false, true, false, false, 0));
        dom0.hvmIrq().gsiAssert(gsi);
        assertTrue(vlapic.irr(0x62), "edge: assert_gsi on every hvm_gsi_assert");
        assertEquals(1, dom0.hvmIrq().gsiAssertCount(gsi), "an edge assertion leaves the count alone");
        Rig.writeRteLow(v0, gsi, Rte.low(Rig.pciLevelLow(0x63, false)));
        assertTrue(vlapic.irr(0x63), "level, unmasked, Remote IRR clear, gsi_assert_count 1: delivered");
    }
}
