package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.Madt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Linux irq numbers and vectors for GSIs ({@code mp_map_gsi_to_irq} with {@code IOAPIC_MAP_ALLOC},
 * the x86 vector allocator). ISA GSIs keep their ISA irq numbers (through MADT overrides: with
 * IRQ0&rarr;GSI2, GSI 2 is irq 0); every other GSI gets the next free number from {@code gsi_top}
 * up, first come first served, which is why a Linux irq is not a GSI in general ("gsi 38 may come
 * before gsi 28", the seed series' cover letter). Vectors: ISA irqs use 0x30 + irq
 * ({@code ISA_IRQ_VECTOR}); the others are handed out upward from 0x41.
 */
public final class LinuxIrqTable {

    /** Vector of ISA irq 0 ({@code ISA_IRQ_VECTOR(0)}). */
    public static final int ISA_VECTOR_BASE = 0x30;
    /** First vector for non-ISA irqs. */
    public static final int FIRST_DYNAMIC_VECTOR = 0x41;

    private final Madt madt;
    private final int gsiTop;
    private final Map<Integer, LinuxIrq> byIrq = new TreeMap<>();
    private final Map<Integer, LinuxIrq> byGsi = new HashMap<>();
    private final LinuxIrq[] byVector = new LinuxIrq[256];
    private int nextDynamicIrq;
    private int nextVector = FIRST_DYNAMIC_VECTOR;

    /**
     * @param madt the MADT the kernel booted with (for ISA overrides)
     * @param gsiTop one more than the highest GSI of any IO-APIC
     */
    public LinuxIrqTable(final Madt madt, final int gsiTop) {
        this.madt = madt;
        this.gsiTop = Math.max(gsiTop, 16);
        this.nextDynamicIrq = this.gsiTop;
    }

    /**
     * The Linux irq for a GSI, allocated on first use.
     *
     * @param gsi GSI
     * @return the irq descriptor
     */
    public LinuxIrq mapGsi(final int gsi) {
        final LinuxIrq existing = byGsi.get(gsi);
        if (existing != null) {
            return existing;
        }
        final int isa = isaIrqFor(gsi);
        final int irq = isa >= 0 ? isa : nextDynamicIrq++;
        final LinuxIrq d = new LinuxIrq(irq, gsi);
        byGsi.put(gsi, d);
        byIrq.put(irq, d);
        return d;
    }

    /**
     * Makes the irq's number equal to its GSI (the Xen PV convention, {@code xen_allocate_irq_gsi}).
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

    private int isaIrqFor(final int gsi) {
        if (gsi >= 16) {
            return -1;
        }
        final InterruptSourceOverride to = madt.overrideTo(gsi);
        if (to != null) {
            return to.source();
        }
        final InterruptSourceOverride from = madt.overrideFor(gsi);
        // an ISA irq moved elsewhere leaves its own GSI without an ISA irq
        return from != null && from.gsi() != gsi ? -1 : gsi;
    }

    /**
     * Assigns the irq a vector if it has none.
     *
     * @param d irq
     * @return its vector
     */
    public int assignVector(final LinuxIrq d) {
        if (d.vector() >= 0) {
            return d.vector();
        }
        int v;
        if (d.irq() < 16) {
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
