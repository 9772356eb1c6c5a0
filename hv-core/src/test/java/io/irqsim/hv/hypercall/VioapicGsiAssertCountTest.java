package io.irqsim.hv.hypercall;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's vIO-APIC has no input level of its own: {@code vioapic_write_redirent} and
 * {@code vioapic_update_EOI} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}) read
 * {@code hvm_irq->gsi_assert_count[gsi]}, and {@code assert_gsi} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0})
 * is what sends {@code vioapic_irq_positive_edge}. A GSI whose assertion went to a pirq event
 * ({@code hvm_domain_use_pirq}) still counts as asserted for the vIO-APIC.
 */
class VioapicGsiAssertCountTest {

    // xen/arch/x86/hvm/vioapic.c:vioapic_write_redirent@RELEASE-4.20.0: a level entry unmasked while
    // gsi_assert_count[gsi] is non-zero is delivered, even if assert_gsi sent the assertion to a pirq
    @Test
    void vioapicWriteRedirentDeliversALevelGsiAssertedThroughAPirqEvent() {
        final PvhvmGuest guest = PvhvmGuest.boot();
        final Domain domu = guest.domu;
        final int gsi = HvmIrq.pciIntxGsi(1, 0);
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, gsi));
        Rig.writeRte(domu.vcpu(0), gsi, Rig.pciLevelLow(0x60, true));
        domu.hvmIrq().pciIntxAssert(1, 0);
        assertEquals(1, domu.hvmIrq().gsiAssertCount(gsi));
        assertTrue(guest.vectors.isEmpty(), "assert_gsi took the pirq branch: no vIO-APIC edge");
        Rig.writeRteLow(domu.vcpu(0), gsi, Rte.low(Rig.pciLevelLow(0x60, false)));
        final IoApic vioapic = domu.vioapicForGsi(gsi);
        assertTrue(Rte.remoteIrr(vioapic.rte(gsi - vioapic.gsiBase())), "remote_irr = 1 before vioapic_deliver");
        guest.rig.xen.drain();
        assertEquals(List.of(0x60), guest.vectors);
    }
}
