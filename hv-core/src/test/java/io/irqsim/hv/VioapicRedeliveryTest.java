package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's {@code vioapic_update_EOI} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.18.0} and
 * {@code @RELEASE-4.20.0}) re-delivers a still-asserted level line on every EOI: "remote_irr = 1;
 * vioapic_deliver()" with no count and no timer (QEMU's and KVM's 10,000 guard is theirs alone).
 */
class VioapicRedeliveryTest {

    // vioapic_update_EOI: 20,000 EOIs of a stuck ISA line give 20,000 re-deliveries, none deferred
    @Test
    void aStuckLevelLineIsRedeliveredOnEveryEoiWithoutAGuard() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        Rig.enableVlapic(domu.vcpu(0));
        final int[] taken = new int[1];
        Rig.onInterrupt(domu, (v, vector) -> {
            assertEquals(0x45, vector);
            if (++taken[0] <= 20_000) {
                Rig.lapicEoi(v);
            }
        });
        Rig.writeRte(domu.vcpu(0), 5, Rte.of(0x45, Rte.DM_FIXED, false, false, true, false, 0));
        final int armed = rig.xen.platform().clock().armedTimers();
        assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 1));
        rig.xen.drain();
        assertEquals(20_001, taken[0], "the first delivery and one per EOI");
        final IoApic vioapic = domu.vioapics().get(0);
        assertEquals(0, vioapic.stormDeferrals());
        assertEquals(armed, rig.xen.platform().clock().armedTimers(), "no deferral timer");
        assertTrue(Rte.remoteIrr(vioapic.rte(5)), "the last delivery waits for its EOI");
        assertFalse(Rte.isDeliveryPending(vioapic.rte(5)));
    }
}
