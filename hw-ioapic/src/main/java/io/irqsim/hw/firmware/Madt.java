package io.irqsim.hw.firmware;

import java.util.List;

/**
 * The parts of the Multiple APIC Description Table irqsim models.
 *
 * @param pcatCompat the header's flags bit 0 ({@code PCAT_COMPAT}: the machine also has dual 8259s);
 *     Linux's {@code acpi_parse_madt} (arch/x86/kernel/acpi/boot.c@0141978ae75b) then keeps the PIC's
 *     16 legacy irqs without probing it ({@code probe_8259A}, arch/x86/kernel/i8259.c@0177cfb2a2db)
 * @param localApics processor local APIC structures
 * @param ioApics I/O APIC structures
 * @param overrides interrupt source overrides
 */
public record Madt(boolean pcatCompat, List<MadtLocalApic> localApics, List<MadtIoApic> ioApics,
                   List<InterruptSourceOverride> overrides) {

    /** Copies the lists. */
    public Madt {
        localApics = List.copyOf(localApics);
        ioApics = List.copyOf(ioApics);
        overrides = List.copyOf(overrides);
    }

    /**
     * @param isaIrq ISA IRQ
     * @return its override, or {@code null}
     */
    public InterruptSourceOverride overrideFor(final int isaIrq) {
        for (final InterruptSourceOverride o : overrides) {
            if (o.source() == isaIrq) {
                return o;
            }
        }
        return null;
    }

    /**
     * @param gsi GSI
     * @return the override targeting that GSI, or {@code null}
     */
    public InterruptSourceOverride overrideTo(final int gsi) {
        for (final InterruptSourceOverride o : overrides) {
            if (o.gsi() == gsi) {
                return o;
            }
        }
        return null;
    }
}
