package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's {@code vlapic_set_irq} (xen/arch/x86/hvm/vlapic.c@RELEASE-4.18.0) refuses vectors below 16:
 * it records {@code APIC_ESR_RECVILL} and returns without touching IRR. Where the vIO-APIC delivers
 * a guest's entry to its vLAPIC, an entry with vector 0 (what a never-activated Linux irq's entry
 * holds) therefore delivers nothing.
 */
class VlapicIllegalVectorTest {

    private static final int GSI = HvmIrq.pciIntxGsi(5, 0);
    private static final long LAPIC = LocalApicRegisters.DEFAULT_BASE;

    private static Vcpu bootedVcpu(final Domain d) {
        final Vcpu v = d.vcpu(0);
        v.mmioWrite(LAPIC + LocalApicRegisters.SVR, 4, LocalApicRegisters.SVR_ENABLE | 0xFF);
        return v;
    }

    @Test
    void aVioapicDeliveryWithVectorZeroIsDroppedByTheVlapicWithEsrReceiveIllegalVector() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain domu = rig.hvmGuest("domU");
        final Vcpu v = bootedVcpu(domu);
        Rig.writeRteLow(v, GSI, Rte.low(Rig.pciLevelLow(0, false)));
        final long accepted = v.vlapic().acceptedCount();
        domu.hvmIrq().gsiAssert(GSI);
        rig.xen.drain();
        assertEquals(accepted, v.vlapic().acceptedCount());
        assertFalse(v.vlapic().irr(0));
        assertEquals(-1, v.vlapic().pendingVector(), "nothing to inject");
        v.mmioWrite(LAPIC + LocalApicRegisters.ESR, 4, 0); // latch
        assertEquals(LocalApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR, v.mmioRead(LAPIC + LocalApicRegisters.ESR, 4));
    }

    @Test
    void theSameEntryWithVector16IsAccepted() {
        // the boundary: vec < 16 is illegal, 16 is the first legal vector
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain domu = rig.hvmGuest("domU");
        final Vcpu v = bootedVcpu(domu);
        Rig.writeRteLow(v, GSI, Rte.low(Rig.pciLevelLow(16, false)));
        domu.hvmIrq().gsiAssert(GSI);
        rig.xen.drain();
        assertTrue(v.vlapic().irr(16) || v.vlapic().isr(16));
    }
}
