package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which ISA pins Xen programs at boot and in which order ({@code mp_override_legacy_irq},
 * {@code mp_config_acpi_legacy_irqs}, {@code xen/arch/x86/mpparse.c@RELEASE-4.20.0};
 * {@code setup_IO_APIC_irqs}, {@code xen/arch/x86/io_apic.c@RELEASE-4.20.0}).
 */
class MpIrqsTest {

    // mp_override_legacy_irq: mp_find_ioapic(gsi) < 0 -> return, no entry; mp_config_acpi_legacy_irqs then finds
    // no entry naming IRQ 5 and pin 5 free, and adds the identity entry with conforming flags (ISA: edge, high)
    @Test
    void anOverrideToAGsiNoIoApicHasIsDroppedAndTheIrqGetsItsIdentityPin() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWith(DefaultPlatform.spec().ioapics(),
            InterruptSourceOverride.of(0, 2, IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH),
            InterruptSourceOverride.of(5, 40, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)), XenConfig.XEN_4_20);
        final long e = rig.physRte(5);
        assertEquals(5, rig.xen.irqDescs().desc(5).pin());
        assertFalse(Rte.isLevel(e), "the dropped override's level is not used");
        assertFalse(Rte.isActiveLow(e));
        assertFalse(Rte.isMasked(e), "an edge ISA entry is written unmasked");
        assertTrue(Rte.vector(e) >= 0x30, Integer.toHexString(Rte.vector(e)));
    }

    // an override moving IRQ 5 to GSI 10 takes pin 10: IRQ 10 gets no identity entry, pin 5 none either
    @Test
    void anOverridesPinIsNotGivenToTheIrqOfTheSameNumber() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWith(DefaultPlatform.spec().ioapics(),
            InterruptSourceOverride.of(0, 2, IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH),
            InterruptSourceOverride.of(5, 10, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)), XenConfig.XEN_4_20);
        assertEquals(10, rig.xen.irqDescs().desc(5).pin());
        assertTrue(Rte.isLevel(rig.physRte(10)));
        assertTrue(Rte.isActiveLow(rig.physRte(10)));
        assertEquals(-1, rig.xen.irqDescs().desc(10).pin(), "IRQ 10 has no ISA entry");
        assertEquals(Rte.RESET, rig.physRte(5), "pin 5 is nobody's");
    }

    // mp_config_acpi_legacy_irqs: mp_find_ioapic(0) < 0 -> return: no identity entries at all, though IRQ 4's GSI
    // has an IO-APIC; the overrides' entries stay
    @Test
    void withoutAnIoApicForGsiZeroOnlyTheOverridesAreProgrammed() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWith(
            List.of(new PlatformSpec.IoApicSpec(2, IoApicRegisters.DEFAULT_BASE, 4, 20, IoApicRegisters.VERSION_20)),
            InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)), XenConfig.XEN_4_20);
        final IoApic io = rig.xen.platform().ioapics().get(0);
        assertEquals(4, io.gsiBase());
        assertTrue(Rte.isLevel(io.rte(5)), "IRQ 9's override: GSI 9 is pin 5");
        assertEquals(5, rig.xen.irqDescs().desc(9).pin());
        for (final int irq : new int[] {4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15}) {
            assertEquals(-1, rig.xen.irqDescs().desc(irq).pin(), "IRQ " + irq + " has no entry");
        }
        assertEquals(Rte.RESET, io.rte(0), "GSI 4 is not IRQ 4's");
        assertEquals(-1, rig.xen.irqDescs().desc(0).pin(), "IRQ 0 has no pin either");
        assertEquals(0xF0, rig.xen.irqDescs().desc(0).vector(), "smp_intr_init gave it IRQ0_VECTOR all the same");
    }

    // the identity entries name pins of the IO-APIC that has GSI 0: on an 8-pin one, IRQs 8-15 point at pins it
    // does not have, which setup_IO_APIC_irqs never walks; GSIs 8-15 on the next IO-APIC stay unprogrammed
    @Test
    void identityEntriesPastTheIsaIoApicsLastPinProgramNothing() {
        final List<PlatformSpec.IoApicSpec> ioapics = List.of(
            new PlatformSpec.IoApicSpec(2, IoApicRegisters.DEFAULT_BASE, 0, 8, IoApicRegisters.VERSION_20),
            new PlatformSpec.IoApicSpec(3, 0xFEC2_0000L, 8, 16, IoApicRegisters.VERSION_20));
        final Rig rig = Rig.boot(Rig.defaultPlatformWith(ioapics,
            InterruptSourceOverride.of(0, 2, IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH)), XenConfig.XEN_4_20);
        final IoApic second = rig.xen.platform().ioapics().get(1);
        for (int pin = 0; pin < 8; pin++) {
            assertEquals(Rte.RESET, second.rte(pin), "GSI " + (8 + pin));
        }
        for (int irq = 8; irq < 16; irq++) {
            assertEquals(-1, rig.xen.irqDescs().desc(irq).pin(), "IRQ " + irq);
            assertEquals(-1, rig.xen.irqDescs().desc(irq).vector(), "IRQ " + irq);
        }
        assertEquals(1, rig.xen.irqDescs().desc(1).pin(), "IRQs 1-7 are on the first IO-APIC");
        assertFalse(Rte.isMasked(rig.xen.platform().ioapics().get(0).rte(1)));
    }

    // setup_IO_APIC_irqs walks the IO-APICs in MADT order (mp_ioapics), each pin in order: an ISA IRQ moved to
    // an IO-APIC described first gets the first dynamic vector although its GSI is the highest; the identity
    // entries are on the IO-APIC that has GSI 0 (mp_find_ioapic(0)), described second
    @Test
    void pinsAreWalkedInDescriptionOrderNotGsiOrder() {
        final List<PlatformSpec.IoApicSpec> ioapics = new ArrayList<>();
        ioapics.add(new PlatformSpec.IoApicSpec(3, 0xFEC2_0000L, 24, 16, IoApicRegisters.VERSION_20));
        ioapics.addAll(DefaultPlatform.spec().ioapics());
        final Rig rig = Rig.boot(Rig.defaultPlatformWith(ioapics,
            InterruptSourceOverride.of(0, 2, IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH),
            InterruptSourceOverride.of(9, 30, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)), XenConfig.XEN_4_20);
        final IoApic first = rig.xen.platform().ioapics().get(0);
        final IoApic second = rig.xen.platform().ioapics().get(1);
        assertEquals(24, first.gsiBase());
        assertEquals(0x30, Rte.vector(first.rte(6)), "IRQ 9 on GSI 30, pin 6 of the IO-APIC described first");
        assertTrue(Rte.isLevel(first.rte(6)));
        assertEquals(0x38, Rte.vector(second.rte(1)), "IRQ 1");
        assertEquals(0x40, Rte.vector(second.rte(3)), "IRQ 3");
        assertEquals(Rte.RESET, second.rte(9), "pin 9 of the ISA IO-APIC is free: IRQ 9 has its entry");
        assertEquals(0xF0, Rte.vector(second.rte(2)), "IRQ 0 keeps IRQ0_VECTOR");
    }
}
