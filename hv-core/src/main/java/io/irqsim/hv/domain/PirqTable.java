package io.irqsim.hv.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A domain's pirq space: {@code pirq -> irq} (Xen {@code domain_pirq_to_irq}) and
 * {@code irq -> pirq} ({@code domain_irq_to_pirq}), with the pirq structs created on demand.
 */
public final class PirqTable {

    private final Domain domain;
    private final Pirq[] pirqs;
    private final int[] irqToPirq;
    /** {@code arch.hvm.emuirq_pirq}: emulated GSI to pirq, -1 where none (Xen keeps a radix tree). */
    private final int[] emuirqToPirq;
    /** The pirq under the {@code IRQ_MSI_EMU} key of {@code emuirq_pirq}, or {@link Pirq#EMUIRQ_UNBOUND}. */
    private int msiEmuPirq = Pirq.EMUIRQ_UNBOUND;

    PirqTable(final Domain domain, final int nrPirqs, final int nrIrqs) {
        this.domain = domain;
        this.pirqs = new Pirq[nrPirqs];
        this.irqToPirq = new int[nrIrqs];
        this.emuirqToPirq = new int[nrIrqs];
        java.util.Arrays.fill(emuirqToPirq, Pirq.EMUIRQ_UNBOUND);
    }

    /** @return {@code d->nr_pirqs} */
    public int nrPirqs() {
        return pirqs.length;
    }

    /**
     * @param pirq pirq number
     * @return its struct, or {@code null} ({@code pirq_info})
     */
    public Pirq get(final int pirq) {
        return pirq >= 0 && pirq < pirqs.length ? pirqs[pirq] : null;
    }

    /**
     * @param pirq pirq number, in range
     * @return its struct, created if needed ({@code pirq_get_info})
     */
    public Pirq getOrCreate(final int pirq) {
        Pirq p = pirqs[pirq];
        if (p == null) {
            p = new Pirq(domain, pirq);
            pirqs[pirq] = p;
        }
        return p;
    }

    /**
     * @param pirq pirq number
     * @return the Xen IRQ it maps to, 0 if none ({@code domain_pirq_to_irq})
     */
    public int pirqToIrq(final int pirq) {
        final Pirq p = get(pirq);
        return p == null ? 0 : p.irq();
    }

    /**
     * @param irq Xen IRQ
     * @return the pirq mapped to it, 0 if none, {@code -pirq} after a forced unbind ({@code domain_irq_to_pirq})
     */
    public int irqToPirq(final int irq) {
        return irq > 0 && irq < irqToPirq.length ? irqToPirq[irq] : 0;
    }

    /**
     * Records {@code pirq <-> irq} both ways.
     *
     * @param pirq pirq
     * @param irq irq
     */
    public void link(final int pirq, final int irq) {
        getOrCreate(pirq).setIrq(irq);
        irqToPirq[irq] = pirq;
    }

    /**
     * Removes the mapping of {@code pirq} ({@code unmap_domain_pirq}, xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0).
     * After a forced unbind Xen keeps negative markers both ways, {@code arch.irq = -irq} and
     * {@code irq_pirq[irq] = -pirq}, until {@code pirq_guest_unbind} clears them
     * ({@link #clearForcedUnbind}): meanwhile {@code domain_irq_to_pirq} gives {@code -pirq}.
     *
     * @param pirq pirq
     * @param forcedUnbind whether a guest binding had to be forced off
     */
    public void unlink(final int pirq, final boolean forcedUnbind) {
        final Pirq p = get(pirq);
        if (p == null) {
            return;
        }
        final int irq = p.irq();
        final boolean marker = forcedUnbind && irq > 0;
        if (irq > 0 && irq < irqToPirq.length && irqToPirq[irq] == pirq) {
            irqToPirq[irq] = marker ? -pirq : 0;
        }
        p.setIrq(marker ? -irq : 0);
    }

    /**
     * {@code pirq_guest_unbind} of a pirq whose binding {@code unmap_domain_pirq} forced off
     * (xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0: no descriptor behind {@code arch.irq < 0}, so
     * {@code clear_domain_irq_pirq} and {@code cleanup_domain_irq_pirq}): both markers go.
     *
     * @param pirq pirq
     */
    public void clearForcedUnbind(final int pirq) {
        final Pirq p = get(pirq);
        if (p == null || p.irq() >= 0) {
            return;
        }
        final int irq = -p.irq();
        if (irq < irqToPirq.length && irqToPirq[irq] == -pirq) {
            irqToPirq[irq] = 0;
        }
        p.setIrq(0);
    }

    /** @return mapped pirqs (irq &gt; 0), in pirq order */
    public List<Pirq> mapped() {
        final List<Pirq> out = new ArrayList<>();
        for (final Pirq p : pirqs) {
            if (p != null && p.irq() > 0) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * {@code domain_emuirq_to_pirq} ({@code xen/arch/x86/include/asm/irq.h}@RELEASE-4.18.0): the pirq an HVM
     * guest mapped to stand for an emulated IRQ. One array load: it runs on every emulated GSI assert of a
     * guest with pirqs.
     *
     * @param emuirq the emulated GSI
     * @return the pirq, or {@link Pirq#EMUIRQ_UNBOUND}
     */
    public int emuirqToPirq(final int emuirq) {
        if (emuirq == Pirq.EMUIRQ_MSI_EMU) {
            return msiEmuPirq;
        }
        return emuirq >= 0 && emuirq < emuirqToPirq.length ? emuirqToPirq[emuirq] : Pirq.EMUIRQ_UNBOUND;
    }

    /** @return {@code nr_irqs}: emulated IRQs are below it ({@code map_domain_emuirq_pirq}) */
    public int nrIrqs() {
        return irqToPirq.length;
    }

    /**
     * Keeps {@link #emuirqToPirq} in step with a pirq's {@code emuirq}: real emulated IRQs, and
     * {@code IRQ_MSI_EMU}, which is one more key of Xen's {@code emuirq_pirq} radix tree (so one pirq
     * holds it at a time; {@code map_domain_emuirq_pirq@RELEASE-4.18.0/4.20.0}); not {@code IRQ_PT}.
     */
    void emuirqChanged(final int pirq, final int oldEmuirq, final int newEmuirq) {
        if (oldEmuirq == Pirq.EMUIRQ_MSI_EMU && msiEmuPirq == pirq) {
            msiEmuPirq = Pirq.EMUIRQ_UNBOUND;
        }
        if (newEmuirq == Pirq.EMUIRQ_MSI_EMU) {
            msiEmuPirq = pirq;
        }
        if (oldEmuirq >= 0 && oldEmuirq < emuirqToPirq.length && emuirqToPirq[oldEmuirq] == pirq) {
            emuirqToPirq[oldEmuirq] = Pirq.EMUIRQ_UNBOUND;
        }
        if (newEmuirq >= 0 && newEmuirq < emuirqToPirq.length) {
            emuirqToPirq[newEmuirq] = pirq;
        }
    }
}
