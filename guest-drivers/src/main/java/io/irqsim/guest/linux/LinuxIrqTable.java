package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.Madt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linux irq numbers and vectors for GSIs ({@code mp_map_gsi_to_irq} with {@code IOAPIC_MAP_ALLOC},
 * arch/x86/kernel/apic/io_apic.c@v6.12, and the x86 vector allocator). {@code acpi_parse_ioapic}
 * (arch/x86/kernel/acpi/boot.c@v6.12) gives an IO-APIC whose GSI base is below 16 an
 * {@code IOAPIC_DOMAIN_LEGACY} irq domain and every other one an {@code IOAPIC_DOMAIN_DYNAMIC} one;
 * {@code alloc_irq_from_domain} then numbers a legacy-domain GSI of 16 or more with the GSI itself
 * (GSI 16 is IRQ 16), and a dynamic-domain GSI (or a legacy GSI below 16 that no ISA irq uses) with
 * the first free number from {@code arch_dynirq_lower_bound}: {@code ioapic_dynirq_base}, one past
 * the last GSI of the legacy/strict IO-APICs ({@code mp_irqdomain_create}), or {@code gsi_top} if
 * there is none. So on a machine whose second IO-APIC starts at GSI 24, the first GSI enabled on it
 * gets IRQ 24 whatever its number ("gsi 38 may come before gsi 28", the seed series' cover
 * letter). ISA GSIs keep their ISA irq numbers through MADT overrides (with IRQ0&rarr;GSI2, GSI 2
 * is irq 0; with IRQ9&rarr;GSI20, GSI 20 is irq 9). Simplification: a dom0 allocates no other
 * dynamic irqs (MSI, Xen event channels) before its GSIs, so dynamic numbers start exactly at the
 * base; an HVM guest's driver takes its MSI irqs from the same range ({@link #allocMsi}). Vectors: ISA
 * irqs use 0x30 + irq
 * ({@code ISA_IRQ_VECTOR}); the others are handed out upward from 0x41. An irq is freed
 * ({@code mp_unmap_irq}) when its last {@code acpi_register_gsi} is undone, except ISA irqs.
 */
public final class LinuxIrqTable {

    /** Vector of ISA irq 0 ({@code ISA_IRQ_VECTOR(0)}). */
    public static final int ISA_VECTOR_BASE = 0x30;
    /** First vector for non-ISA irqs. */
    public static final int FIRST_DYNAMIC_VECTOR = 0x41;

    private final Madt madt;
    private int gsiTop;
    private final List<int[]> ioapics = new ArrayList<>();
    private int dynirqBase;
    private final Map<Integer, LinuxIrq> byIrq = new TreeMap<>();
    private final Map<Integer, LinuxIrq> byGsi = new HashMap<>();
    private final LinuxIrq[] byVector = new LinuxIrq[256];
    private int nextVector = FIRST_DYNAMIC_VECTOR;
    private int nrLegacyIrqs = 16;

    /**
     * @param madt the MADT the kernel booted with (for ISA overrides)
     * @param gsiTop one more than the highest GSI of any IO-APIC
     */
    public LinuxIrqTable(final Madt madt, final int gsiTop) {
        this.madt = madt;
        this.gsiTop = Math.max(gsiTop, 16);
    }

    /**
     * {@code mp_register_ioapic} + {@code mp_irqdomain_create}
     * (arch/x86/kernel/apic/io_apic.c@v6.12) for one IO-APIC: a GSI base below 16 makes its domain
     * legacy ({@code acpi_parse_ioapic}, arch/x86/kernel/acpi/boot.c@v6.12), which raises
     * {@code ioapic_dynirq_base} past its last GSI.
     *
     * @param gsiBase its first GSI
     * @param pins its number of pins
     * @return whether it was registered ({@link #registerIoApicPins})
     */
    public boolean registerIoApic(final int gsiBase, final int pins) {
        if (!registerIoApicPins(gsiBase, pins)) {
            return false;
        }
        if (gsiBase < 16) {
            dynirqBase = Math.max(dynirqBase, gsiBase + pins);
        }
        return true;
    }

    /**
     * {@code mp_register_ioapic} (arch/x86/kernel/apic/io_apic.c@v6.12) alone: the IO-APIC's GSIs
     * become known to {@code mp_find_ioapic}, with no irq domain. A Xen PV dom0 stops there: it
     * parses the MADT and registers every IO-APIC (reading its version register through
     * {@code PHYSDEVOP_apic_read}, {@code xen_io_apic_read}, arch/x86/xen/apic.c), but Xen PV skips
     * the interrupt-mode set-up ({@code x86_init.irqs.intr_mode_init} is a no-op,
     * arch/x86/xen/enlighten_pv.c), so {@code setup_IO_APIC} never creates the domains and
     * {@code ioapic_dynirq_base} stays 0. As there, a range that overlaps one already registered is
     * refused ({@code -ENOSPC}), and {@code gsi_top} grows past the last GSI registered.
     *
     * @param gsiBase its first GSI
     * @param pins its number of pins
     * @return whether it was registered
     */
    public boolean registerIoApicPins(final int gsiBase, final int pins) {
        final int gsiEnd = gsiBase + pins - 1;
        for (final int[] r : ioapics) {
            if (gsiBase >= r[0] && gsiBase <= r[1] || gsiEnd >= r[0] && gsiEnd <= r[1]) {
                return false; // "GSI range [...] for new IOAPIC conflicts with GSI[...]": -ENOSPC
            }
        }
        ioapics.add(new int[] {gsiBase, gsiEnd});
        gsiTop = Math.max(gsiTop, gsiEnd + 1);
        return true;
    }


    /**
     * Sets {@code nr_legacy_irqs()}: 16 with the default PIC, 0 once {@code probe_8259A}
     * (arch/x86/kernel/i8259.c@v6.12) found none and switched to {@code null_legacy_pic}.
     *
     * @param n 16 or 0
     */
    public void setNrLegacyIrqs(final int n) {
        if (n != 0 && n != 16) {
            throw new IllegalArgumentException("nr_legacy_irqs() is 16 or 0, not " + n);
        }
        nrLegacyIrqs = n;
    }

    /** @return {@code nr_legacy_irqs()} */
    public int nrLegacyIrqs() {
        return nrLegacyIrqs;
    }

    /** @return {@code arch_dynirq_lower_bound}: {@code ioapic_dynirq_base}, else {@code gsi_top} */
    public int dynirqLowerBound() {
        return dynirqBase != 0 ? dynirqBase : gsiTop;
    }

    /**
     * {@code mp_find_ioapic(gsi) >= 0} (arch/x86/kernel/apic/io_apic.c@v6.12) over the IO-APICs
     * registered here.
     *
     * @param gsi GSI
     * @return whether a registered IO-APIC has a pin for it (true if none was registered: a table
     *     used without the IO-APIC driver, as {@link #inLegacyDomain})
     */
    public boolean hasIoApicPin(final int gsi) {
        return ioapics.isEmpty() || ioapicRange(gsi) != null;
    }

    /**
     * @param gsi GSI
     * @return whether the IO-APIC serving it has a legacy irq domain (true if no IO-APIC was
     *     registered: a table used without the IO-APIC driver numbers irqs like GSIs)
     */
    public boolean inLegacyDomain(final int gsi) {
        if (ioapics.isEmpty()) {
            return true;
        }
        final int[] r = ioapicRange(gsi);
        return r != null && r[0] < 16;
    }

    /** @return the {first, last} GSI of the registered IO-APIC that has {@code gsi}, or {@code null} */
    private int[] ioapicRange(final int gsi) {
        for (final int[] r : ioapics) {
            if (gsi >= r[0] && gsi <= r[1]) {
                return r;
            }
        }
        return null;
    }

    /**
     * The Linux irq for a GSI, allocated on first use ({@code mp_map_gsi_to_irq} &rarr;
     * {@code mp_map_pin_to_irq} &rarr; {@code alloc_irq_from_domain} / {@code alloc_isa_irq_from_domain},
     * arch/x86/kernel/apic/io_apic.c@v6.12). An ISA entry's irq is its ISA number only below
     * {@code nr_legacy_irqs()} ({@code mp_is_legacy_irq}); without a PIC a legacy domain numbers
     * every GSI like itself.
     *
     * @param gsi GSI
     * @return the irq descriptor
     */
    public LinuxIrq mapGsi(final int gsi) {
        final LinuxIrq existing = byGsi.get(gsi);
        if (existing != null) {
            return existing;
        }
        final int isa = MpIrqEntries.isaSource(madt, gsi, this::hasIoApicPin);
        final int irq;
        if (isa >= 0 && isa < nrLegacyIrqs) {
            irq = isa; // mp_is_legacy_irq: alloc_isa_irq_from_domain
        } else if (gsi >= nrLegacyIrqs && inLegacyDomain(gsi)) {
            irq = gsi; // alloc_irq_from_domain, IOAPIC_DOMAIN_LEGACY
        } else {
            irq = firstFreeFrom(dynirqLowerBound()); // IOAPIC_DOMAIN_DYNAMIC: __irq_alloc_descs
        }
        final LinuxIrq d = new LinuxIrq(irq, gsi);
        byGsi.put(gsi, d);
        byIrq.put(irq, d);
        return d;
    }

    /**
     * Makes the irq's number equal to its GSI (the Xen PV convention, {@code xen_allocate_irq_gsi},
     * drivers/xen/events/events_base.c@v6.12).
     *
     * @param gsi GSI
     * @return the irq descriptor numbered {@code gsi}
     */
    public LinuxIrq mapGsiIdentity(final int gsi) {
        final LinuxIrq existing = byGsi.get(gsi);
        if (existing != null) {
            return existing;
        }
        final LinuxIrq d = new LinuxIrq(gsi, gsi);
        byGsi.put(gsi, d);
        byIrq.put(gsi, d);
        return d;
    }

    /**
     * An irq for one PCI MSI vector ({@code msi_domain_alloc_irqs} &rarr; {@code __irq_domain_alloc_irqs},
     * kernel/irq/msi.c@v6.12: a dynamic irq from {@code arch_dynirq_lower_bound}); no GSI. Its vector is
     * assigned by {@link #assignVector} like any other non-ISA irq.
     *
     * @return the irq
     */
    public LinuxIrq allocMsi() {
        final LinuxIrq d = new LinuxIrq(firstFreeFrom(dynirqLowerBound()), -1);
        d.setMsi();
        byIrq.put(d.irq(), d);
        return d;
    }

    private int firstFreeFrom(final int from) {
        int irq = from;
        while (byIrq.containsKey(irq)) {
            irq++;
        }
        return irq;
    }

    /**
     * Forgets an irq ({@code irq_domain_free_irqs} from {@code mp_unmap_irq}): its number, GSI and
     * vector become free.
     *
     * @param d the irq
     */
    public void free(final LinuxIrq d) {
        byIrq.remove(d.irq(), d);
        if (!d.isMsi()) {
            byGsi.remove(d.gsi(), d);
        }
        if (d.vector() >= 0 && byVector[d.vector()] == d) {
            byVector[d.vector()] = null;
        }
    }

    /**
     * Assigns the irq a vector if it has none ({@code x86_vector_activate} &rarr; {@code assign_irq_vector},
     * arch/x86/kernel/apic/vector.c@v6.12; simplified: ISA irqs get {@code ISA_IRQ_VECTOR(irq)}, the
     * others the next free vector from 0x41, not the matrix allocator's spread).
     *
     * @param d irq
     * @return its vector
     */
    public int assignVector(final LinuxIrq d) {
        if (d.vector() >= 0) {
            return d.vector();
        }
        int v;
        if (d.irq() < nrLegacyIrqs) {
            v = ISA_VECTOR_BASE + d.irq();
        } else {
            while (byVector[nextVector] != null) {
                nextVector++;
            }
            v = nextVector++;
        }
        d.setVector(v);
        byVector[v] = d;
        return v;
    }

    /**
     * @param vector vector
     * @return the irq using it, or {@code null}
     */
    public LinuxIrq byVector(final int vector) {
        return vector >= 0 && vector < 256 ? byVector[vector] : null;
    }

    /**
     * @param irq Linux irq
     * @return its descriptor, or {@code null}
     */
    public LinuxIrq byIrq(final int irq) {
        return byIrq.get(irq);
    }

    /**
     * @param gsi GSI
     * @return its descriptor, or {@code null}
     */
    public LinuxIrq byGsi(final int gsi) {
        return byGsi.get(gsi);
    }

    /**
     * @param pirq Xen pirq (PV)
     * @return the irq bound to it, or {@code null}
     */
    public LinuxIrq byPirq(final int pirq) {
        for (final LinuxIrq d : byIrq.values()) {
            if (d.pirq() == pirq) {
                return d;
            }
        }
        return null;
    }

    /** @return every irq, by number */
    public List<LinuxIrq> all() {
        return new ArrayList<>(byIrq.values());
    }
}
