package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.Madt;
import java.util.function.IntPredicate;

/**
 * The MP interrupt entries ({@code mp_irqs}) the MADT parse leaves for a GSI, as
 * {@code find_irq_entry} / {@code acpi_get_override_irq} (arch/x86/kernel/apic/io_apic.c@v6.12)
 * read them: an override's ({@code mp_override_legacy_irq}), the SCI's from
 * {@code acpi_sci_ioapic_setup} (level / low unless its override says otherwise), else, below 16, the
 * conforming ISA identity entry {@code mp_config_acpi_legacy_irqs} (arch/x86/kernel/acpi/boot.c@v6.12)
 * adds for an ISA IRQ no override moved away. The parse runs in {@code setup_arch}, before
 * {@code probe_8259A}, while {@code nr_legacy_irqs()} is still the default PIC's 16, so a kernel that
 * later finds no PIC has the same entries.
 */
final class MpIrqEntries {

    /** Attribute bit: level-triggered. */
    static final int LEVEL = 2;
    /** Attribute bit: active-low. */
    static final int ACTIVE_LOW = 1;

    private MpIrqEntries() {
    }

    /**
     * @param firmware the ACPI tables the kernel booted with
     * @param gsi a GSI
     * @param hasIoApicPin whether an IO-APIC has a pin for a GSI ({@code mp_find_ioapic(gsi) >= 0})
     * @return the entry's attributes ({@link #LEVEL}, {@link #ACTIVE_LOW}), or -1 if the GSI's pin has none
     */
    static int attributes(final AcpiTables firmware, final int gsi, final IntPredicate hasIoApicPin) {
        if (gsi == firmware.sciGsi()) {
            return (AcpiPciLink.sciLevel(firmware) ? LEVEL : 0) | (AcpiPciLink.sciActiveLow(firmware) ? ACTIVE_LOW : 0);
        }
        final Madt madt = firmware.madt();
        if (isaSource(madt, gsi, hasIoApicPin) < 0) {
            return -1;
        }
        final InterruptSourceOverride to = madt.overrideTo(gsi);
        return to == null || to.source() < 0 || to.source() >= 16 ? 0 // the ISA identity entry: edge, high
            : (to.trigger() == IrqTrigger.LEVEL ? LEVEL : 0) | (to.polarity() == IrqPolarity.ACTIVE_LOW ? ACTIVE_LOW : 0);
    }

    /**
     * The ISA irq of the MP entry {@code find_irq_entry} finds for the GSI's pin
     * ({@code mp_map_pin_to_irq}, arch/x86/kernel/apic/io_apic.c@v6.12): an override's source IRQ
     * wherever it points (ISA 9 moved to GSI 20 makes GSI 20 irq 9), else the identity entry
     * {@code mp_config_acpi_legacy_irqs} adds for a GSI below 16 that no override moved away. An
     * override only moves its irq if an IO-APIC has the GSI it names: {@code mp_override_legacy_irq}
     * (arch/x86/kernel/acpi/boot.c@v6.12) returns before saving the entry or updating
     * {@code isa_irq_to_gsi} when {@code mp_register_ioapic_irq} finds no IO-APIC, so the irq keeps its
     * identity entry (Xen's {@code mp_override_legacy_irq} drops it the same way).
     *
     * @param madt the MADT
     * @param gsi a GSI
     * @param hasIoApicPin whether an IO-APIC has a pin for a GSI ({@code mp_find_ioapic(gsi) >= 0})
     * @return the ISA irq 0..15, or -1 when the pin has no ISA entry
     */
    static int isaSource(final Madt madt, final int gsi, final IntPredicate hasIoApicPin) {
        final InterruptSourceOverride to = madt.overrideTo(gsi);
        if (to != null && to.source() >= 0 && to.source() < 16) {
            return to.source();
        }
        if (gsi >= 16) {
            return -1;
        }
        final InterruptSourceOverride from = madt.overrideFor(gsi);
        // an ISA irq moved to a GSI an IO-APIC has leaves its own GSI without an ISA entry
        return from != null && from.gsi() != gsi && hasIoApicPin.test(from.gsi()) ? -1 : gsi;
    }
}
