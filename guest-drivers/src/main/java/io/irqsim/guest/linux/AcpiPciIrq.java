package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciBridge;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * How Linux finds a PCI device's GSI from ACPI (drivers/acpi/pci_irq.c@v6.12):
 * {@code acpi_pci_irq_lookup} searches the {@code _PRT} of the device's bus and, when that bus has
 * no entry, swizzles the pin through each PCI-to-PCI bridge and searches the parent bus; an entry
 * names a GSI (level, active-low) or a link device, which {@link AcpiPciLink} resolves with its
 * own trigger and polarity.
 */
public final class AcpiPciIrq {

    /**
     * Where a device's interrupt goes according to firmware.
     *
     * @param gsi the GSI
     * @param trigger trigger mode
     * @param polarity polarity
     * @param link the link device used, or empty
     * @param prtBus the bus whose {@code _PRT} had the entry
     * @param prtDevice the device number the entry matched
     * @param prtPin the pin (1..4) the entry matched, after swizzling
     */
    public record Routing(int gsi, IrqTrigger trigger, IrqPolarity polarity, String link, int prtBus, int prtDevice,
                          int prtPin) {
    }

    /** The entry {@code acpi_pci_irq_lookup} found, before link allocation. */
    public record Lookup(PrtEntry entry, int bus, int device, int pin) {
    }

    private final PciRoot pci;
    private final AcpiTables firmware;
    /** {@code isa_irq_to_gsi} as the MADT parse leaves it, built on the first ISA fallback. */
    private int[] isaIrqToGsi;
    private final AcpiPciLink links;
    private final IntPredicate hasIoApicPin;

    /**
     * @param pci the PCI hierarchy the kernel sees
     * @param firmware its ACPI tables
     * @param links its link driver
     * @param hasIoApicPin whether an IO-APIC has a pin for a GSI ({@code mp_find_ioapic(gsi) >= 0}),
     *     asked when {@code isa_irq_to_gsi} is built, on the first ISA fallback
     */
    public AcpiPciIrq(final PciRoot pci, final AcpiTables firmware, final AcpiPciLink links,
                      final IntPredicate hasIoApicPin) {
        this.pci = pci;
        this.firmware = firmware;
        this.links = links;
        this.hasIoApicPin = hasIoApicPin;
    }

    /**
     * {@code acpi_pci_irq_lookup(dev, pin)} (drivers/acpi/pci_irq.c@v6.12), with the bridge swizzle of
     * {@code pci_swizzle_interrupt_pin}.
     *
     * @param dev the device
     * @param pin 1..4
     * @return the entry found, or {@code null} ("can't derive routing")
     */
    public Lookup lookup(final PciFunction dev, final int pin) {
        int p = pin;
        Bdf at = dev.bdf();
        while (true) {
            final PrtEntry e = find(at.bus(), at.device(), p);
            if (e != null) {
                return new Lookup(e, at.bus(), at.device(), p);
            }
            if (at.bus() == 0) {
                return null;
            }
            final PciBridge bridge = pci.bridgeFor(at.bus());
            if (bridge == null) {
                return null;
            }
            p = PciBridge.swizzle(at.device(), p); // pci_swizzle_interrupt_pin
            at = bridge.bdf();
        }
    }

    private PrtEntry find(final int bus, final int device, final int pin) {
        final List<PrtEntry> prt = firmware.prt(bus);
        if (prt == null) {
            return null;
        }
        for (final PrtEntry e : prt) {
            if (e.device() == device && e.pin() + 1 == pin) {
                return e;
            }
        }
        return null;
    }

    /**
     * The lookup plus link allocation ({@code acpi_pci_link_allocate_irq}, drivers/acpi/pci_link.c@v6.12):
     * the GSI and its trigger/polarity as {@code acpi_pci_irq_enable} (drivers/acpi/pci_irq.c@v6.12)
     * would register them (defaults level / active-low).
     *
     * @param dev the device
     * @return the routing, or {@code null} if firmware gives none (no entry, or the link failed)
     */
    public Routing resolve(final PciFunction dev) {
        final int pin = dev.interruptPin();
        if (pin == 0) {
            return null;
        }
        final Lookup l = lookup(dev, pin);
        if (l == null) {
            return null;
        }
        if (!l.entry().isLink()) {
            return new Routing(l.entry().sourceIndex(), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, "", l.bus(),
                l.device(), l.pin());
        }
        final AcpiPciLink.Allocation a = links.allocateIrq(l.entry().source(), l.entry().sourceIndex());
        if (a == null) {
            return null;
        }
        return new Routing(a.irq(), a.link().trigger(), a.link().polarity(), a.link().name(), l.bus(), l.device(),
            l.pin());
    }

    /**
     * The ISA fallback for a device with no {@code _PRT} entry ({@code acpi_isa_register_gsi},
     * drivers/acpi/pci_irq.c@v6.12) on a kernel with a PIC ({@code nr_legacy_irqs()} = 16).
     *
     * @param dev the device
     * @return the GSI, or -1
     * @see #isaFallbackGsi(PciFunction, int)
     */
    public int isaFallbackGsi(final PciFunction dev) {
        return isaFallbackGsi(dev, 16);
    }

    /**
     * The ISA fallback for a device with no {@code _PRT} entry ({@code acpi_isa_register_gsi},
     * drivers/acpi/pci_irq.c@v6.12): its interrupt-line byte, if it is an ISA IRQ that is available
     * ({@code acpi_isa_irq_available}: penalty below {@code PIRQ_PENALTY_ISA_ALWAYS}, so not the
     * timer, keyboard or cascade) and {@code acpi_isa_irq_to_gsi} (arch/x86/kernel/acpi/boot.c@v6.12)
     * knows its GSI: only below {@code nr_legacy_irqs()} (16 with a {@code PCAT_COMPAT} MADT, else 0:
     * {@link LinuxDom0}), and from
     * {@code isa_irq_to_gsi}, see {@link #isaIrqToGsi}.
     *
     * @param dev the device
     * @param nrLegacyIrqs {@code nr_legacy_irqs()} of the kernel
     * @return the GSI, or -1
     */
    public int isaFallbackGsi(final PciFunction dev, final int nrLegacyIrqs) {
        final int line = dev.interruptLine();
        if (line <= 0 || line > 15 || links.penalty(line) >= AcpiPciLink.PENALTY_ISA_ALWAYS || line >= nrLegacyIrqs) {
            return -1;
        }
        if (isaIrqToGsi == null) {
            isaIrqToGsi = isaIrqToGsi();
        }
        return isaIrqToGsi[line];
    }

    /**
     * {@code isa_irq_to_gsi} after boot (arch/x86/kernel/acpi/boot.c@v6.12): identity, then for each
     * MADT override in table order {@code mp_override_legacy_irq} first drops the identity entry of
     * the target GSI if it is below {@code nr_legacy_irqs()} and still maps to itself, then maps the
     * source IRQ to the GSI, unless no IO-APIC has that GSI (then it returns before either, from
     * {@code mp_register_ioapic_irq}'s failure); an SCI without an override gets its identity entry last
     * ({@code acpi_sci_ioapic_setup(sci, 0, 0, sci)}). The MADT is parsed in {@code setup_arch},
     * before {@code probe_8259A}, while {@code nr_legacy_irqs()} is still 16 (see
     * {@link MpIrqEntries}), so the table is the same for a kernel that later finds no PIC; it is built
     * once, on the first fallback.
     *
     * @return GSI by ISA IRQ, -1 for {@code ACPI_INVALID_GSI}
     */
    private int[] isaIrqToGsi() {
        final int[] table = new int[16];
        for (int i = 0; i < 16; i++) {
            table[i] = i;
        }
        final int sci = AcpiPciLink.sciIrq(firmware);
        boolean sciOverridden = false;
        for (final InterruptSourceOverride o : firmware.madt().overrides()) {
            if (o.source() < 0 || o.source() > 15) {
                continue;
            }
            if (hasIoApicPin.test(o.gsi())) {
                override(table, o.source(), o.gsi());
            }
            sciOverridden |= o.source() == sci;
        }
        if (!sciOverridden && sci >= 0 && sci < 16) {
            override(table, sci, sci);
        }
        return table;
    }

    private static void override(final int[] table, final int source, final int gsi) {
        if (gsi < 16 && table[gsi] == gsi) {
            table[gsi] = -1;
        }
        table[source] = gsi;
    }

    /** @return the link driver */
    public AcpiPciLink links() {
        return links;
    }
}
