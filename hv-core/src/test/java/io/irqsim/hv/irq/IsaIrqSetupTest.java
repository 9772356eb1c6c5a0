package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boot-time programming of the ISA IRQs' pins ({@code xen/arch/x86/io_apic.c:setup_IO_APIC_irqs}
 * and {@code gsi_2_irq@RELEASE-4.18.0/4.20.0}) on the default platform, whose MADT has
 * IRQ0&rarr;GSI2 and IRQ9 level/active-low: each ISA IRQ gets vector {@code FIRST_LEGACY_VECTOR}
 * + IRQ on the GSI its override names, masked, edge/high unless the override says otherwise; IRQ 0
 * is then Xen's timer, its pin unmasked ({@code time.c:early_time_init}, {@code io_apic.c:check_timer}).
 */
class IsaIrqSetupTest {

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final IoApicRouting routing = rig.xen.ioapicRouting();

    // setup_IO_APIC_irqs: IRQ0 is on GSI 2 (override), edge, vector 0xE0; check_timer (io_apic.c@RELEASE-4.20.0)
    // then unmasks it (unmask_IO_APIC_irq(irq_to_desc(0)), find_isa_irq_pin(0) being the override's pin).
    // Before, irqsim left it masked like the other ISA pins.
    @Test
    void isaIrqZeroIsProgrammedOnTheGsiOfItsOverride() {
        final long e = rig.physRte(2);
        assertEquals(IoApicRouting.FIRST_LEGACY_VECTOR, Rte.vector(e));
        assertFalse(Rte.isMasked(e), "check_timer unmasks the timer's pin");
        assertFalse(Rte.isLevel(e));
        final IrqDesc irq0 = rig.xen.irqDescs().desc(0);
        assertEquals(2, irq0.pin());
        assertEquals(HandlerType.IOAPIC_EDGE, irq0.handler());
        assertEquals(0, rig.xen.irqDescs().irqForVector(IoApicRouting.FIRST_LEGACY_VECTOR));
    }

    // xen/arch/x86/time.c:early_time_init@RELEASE-4.18.0 and 4.20.0: setup_irq(0, 0, &irq0) gives IRQ 0 Xen's own
    // "timer" action and clears IRQ_DISABLED (irq.c:setup_irq); check_timer clears it again; nothing on x86 calls
    // release_irq for it. So IRQ 0 is enabled, not a guest's, and its pin is unmasked.
    @Test
    void irqZeroCarriesXensTimerActionAndIsEnabled() {
        for (final XenConfig config : new XenConfig[] {XenConfig.XEN_4_18, XenConfig.XEN_4_20}) {
            final Rig r = Rig.boot(config);
            final IrqDesc irq0 = r.xen.irqDescs().desc(0);
            assertEquals("timer", irq0.xenAction(), config.name());
            assertFalse(irq0.isDisabled());
            assertFalse(irq0.isGuest());
            assertFalse(Rte.isMasked(r.physRte(2)));
            assertEquals(null, r.xen.irqDescs().desc(4).xenAction(), "the other ISA IRQs have no Xen action");
            assertTrue(r.xen.irqDescs().desc(4).isDisabled());
        }
    }

    // setup_IO_APIC_irqs: the SCI's override makes IRQ 9 level, active low
    @Test
    void theSciOverrideMakesIrqNineLevelActiveLow() {
        final long e = rig.physRte(9);
        assertEquals(IoApicRouting.FIRST_LEGACY_VECTOR + 9, Rte.vector(e));
        assertTrue(Rte.isLevel(e));
        assertTrue(Rte.isActiveLow(e));
        assertTrue(Rte.isMasked(e));
        assertEquals(HandlerType.IOAPIC_LEVEL, rig.xen.irqDescs().desc(9).handler());
    }

    // setup_IO_APIC_irqs: an ISA IRQ without override is edge, active high, on the GSI of its number
    @Test
    void anIsaIrqWithoutOverrideIsEdgeActiveHighOnItsOwnGsi() {
        final long e = rig.physRte(4);
        assertEquals(IoApicRouting.FIRST_LEGACY_VECTOR + 4, Rte.vector(e));
        assertFalse(Rte.isLevel(e));
        assertFalse(Rte.isActiveLow(e));
        assertEquals(4, rig.xen.irqDescs().desc(4).pin());
    }

    // IRQ 2's GSI belongs to IRQ 0 under the override: IRQ 2 gets no pin, GSI 0's pin stays unset
    @Test
    void irqTwoHasNoPinWhenIrqZeroTookItsGsi() {
        assertEquals(-1, rig.xen.irqDescs().desc(2).pin());
        assertEquals(HandlerType.NONE, rig.xen.irqDescs().desc(2).handler());
        assertEquals(Rte.RESET, rig.physRte(0), "no ISA IRQ uses GSI 0: pin 0 keeps its reset value");
    }

    // gsi_2_irq@RELEASE-4.20.0: identity for PCI GSIs, the ISA IRQ for an overridden GSI (0 -> -EINVAL),
    // -ERANGE past the last GSI
    @Test
    void gsiToIrqFollowsTheOverridesAndTheRange() {
        assertEquals(16, routing.gsiToIrq(16));
        assertEquals(9, routing.gsiToIrq(9));
        assertEquals(-Errno.EINVAL, routing.gsiToIrq(2));
        assertEquals(-Errno.EINVAL, routing.gsiToIrq(0));
        assertEquals(23, routing.gsiToIrq(23));
        assertEquals(-Errno.ERANGE, routing.gsiToIrq(24));
        assertEquals(-Errno.ERANGE, routing.gsiToIrq(-1));
    }

    // __assign_irq_vector: dynamic vectors step by 8 from FIRST_DYNAMIC_VECTOR, skipping the ones below 0x30
    @Test
    void dynamicVectorsStepByEightAndAreKeptOnceAssigned() {
        final int a = routing.assignIrqVector(16);
        final int b = routing.assignIrqVector(17);
        assertTrue(a >= 0x30 && a <= IoApicRouting.LAST_DYNAMIC_VECTOR, Integer.toHexString(a));
        assertEquals(a + 8, b);
        assertEquals(a, routing.assignIrqVector(16), "an IRQ keeps its vector");
        assertEquals(16, rig.xen.irqDescs().irqForVector(a));
    }
}
