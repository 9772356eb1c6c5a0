package io.irqsim.hv.irq;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.platform.Platform;

import java.util.ArrayList;
import java.util.List;

/**
 * The ISA part of Xen's {@code mp_irqs} table on an ACPI machine, which {@code setup_IO_APIC_irqs}
 * programs at boot ({@code xen/arch/x86/mpparse.c@RELEASE-4.20.0}, the same at RELEASE-4.18.0):
 * <ol>
 *   <li>{@code mp_override_legacy_irq}, once per MADT interrupt source override in table order:
 *       an entry for that ISA IRQ on the pin of the IO-APIC that has the override's GSI; an override
 *       to a GSI no IO-APIC has adds nothing; an IRQ 0 override marked level is made edge ("faulty
 *       timer entries");</li>
 *   <li>{@code mp_config_acpi_legacy_irqs}: on the IO-APIC that has GSI 0 (none: nothing), an
 *       identity entry (IRQ i on pin i, conforming flags, so ISA's edge and active high) for each
 *       of IRQs 0-15 that no entry names yet and whose pin no entry takes yet.</li>
 * </ol>
 */
final class MpIrqs {

    /**
     * One ISA entry.
     *
     * @param irq ISA IRQ ({@code mpc_srcbusirq})
     * @param ioapic IO-APIC index ({@code mpc_dstapic})
     * @param pin pin ({@code mpc_dstirq})
     * @param level trigger
     * @param activeLow polarity
     */
    record IsaEntry(int irq, int ioapic, int pin, boolean level, boolean activeLow) {
    }

    private MpIrqs() {
    }

    /**
     * @param platform the machine (its IO-APICs in description order are {@code mp_ioapics})
     * @param madt the MADT Xen parsed
     * @return the entries in {@code mp_irqs} order
     */
    static List<IsaEntry> isaEntries(final Platform platform, final Madt madt) {
        final List<IsaEntry> entries = new ArrayList<>();
        for (final InterruptSourceOverride o : madt.overrides()) {
            final IoApic io = platform.ioapicForGsi(o.gsi());
            if (io == null) {
                continue;
            }
            final boolean level = o.trigger() == IrqTrigger.LEVEL && o.source() != 0;
            entries.add(new IsaEntry(o.source(), platform.ioapicIndex(io), o.gsi() - io.gsiBase(), level,
                o.polarity() == IrqPolarity.ACTIVE_LOW));
        }
        final IoApic isaIoapic = platform.ioapicForGsi(0);
        if (isaIoapic == null) {
            return entries;
        }
        final int index = platform.ioapicIndex(isaIoapic);
        for (int irq = 0; irq < 16; irq++) {
            if (!namedOrPinTaken(entries, irq, index)) {
                entries.add(new IsaEntry(irq, index, irq, false, false));
            }
        }
        return entries;
    }

    /**
     * The two checks of {@code mp_config_acpi_legacy_irqs}. The pin check keeps the table as Xen
     * builds it; what is programmed would not change without it ({@link #onPin} takes a pin's first
     * entry, and an override's entry always comes first).
     */
    private static boolean namedOrPinTaken(final List<IsaEntry> entries, final int irq, final int ioapic) {
        for (final IsaEntry e : entries) {
            if (e.irq() == irq || e.ioapic() == ioapic && e.pin() == irq) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code find_irq_entry}: the first entry on a pin.
     *
     * @param entries {@link #isaEntries}
     * @param ioapic IO-APIC index
     * @param pin pin
     * @return the entry, or {@code null}
     */
    static IsaEntry onPin(final List<IsaEntry> entries, final int ioapic, final int pin) {
        for (final IsaEntry e : entries) {
            if (e.ioapic() == ioapic && e.pin() == pin) {
                return e;
            }
        }
        return null;
    }
}
