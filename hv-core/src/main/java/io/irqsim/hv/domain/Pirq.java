package io.irqsim.hv.domain;

import io.irqsim.hv.passthrough.PirqDpci;

/**
 * A domain's physical-IRQ handle ({@code struct pirq}, Xen {@code xen/include/xen/irq.h} and
 * {@code asm/irq.h}): the Xen IRQ it maps to, whether a guest EOI is outstanding, the
 * passthrough state, and the event channel a PV guest bound to it.
 */
public final class Pirq {

    /** {@code IRQ_UNBOUND}: no emulated IRQ behind the pirq ({@code arch.hvm.emuirq}). */
    public static final int EMUIRQ_UNBOUND = -1;
    /** {@code IRQ_PT}: an HVM guest bound an event channel to a passed-through pirq. */
    public static final int EMUIRQ_PT = -2;
    /** {@code IRQ_MSI_EMU}: an HVM guest's pirq that stands for an emulated MSI ({@code hvm_inject_msi}). */
    public static final int EMUIRQ_MSI_EMU = -3;
    /** {@code PIRQ_ALLOCATED}: {@code arch.irq} of a pirq {@code PHYSDEVOP_get_free_pirq} handed out. */
    public static final int PIRQ_ALLOCATED = -1;

    private final Domain domain;
    private final int pirq;
    private int irq;
    private boolean masked;
    private boolean evtchnBound;
    private int emuirq = EMUIRQ_UNBOUND;
    private final PirqDpci dpci;

    Pirq(final Domain domain, final int pirq) {
        this.domain = domain;
        this.pirq = pirq;
        this.dpci = new PirqDpci(this);
    }

    /** @return the owning domain */
    public Domain domain() {
        return domain;
    }

    /** @return the pirq number */
    public int pirq() {
        return pirq;
    }

    /** @return {@code arch.irq}: 0 unmapped, &gt; 0 the Xen IRQ, &lt; 0 forced-unbind marker */
    public int irq() {
        return irq;
    }

    /** @param irq new {@code arch.irq} */
    public void setIrq(final int irq) {
        this.irq = irq;
    }

    /** @return whether a guest EOI is outstanding for the last physical interrupt ({@code pirq->masked}) */
    public boolean isMasked() {
        return masked;
    }

    /** @param masked new value */
    public void setMasked(final boolean masked) {
        this.masked = masked;
    }

    /** @return whether a PV guest bound an event channel to it */
    public boolean isEvtchnBound() {
        return evtchnBound;
    }

    /** @param bound new value */
    public void setEvtchnBound(final boolean bound) {
        this.evtchnBound = bound;
    }

    /** @return {@code arch.hvm.emuirq}: {@link #EMUIRQ_UNBOUND}, {@link #EMUIRQ_PT} or an emulated GSI */
    public int emuirq() {
        return emuirq;
    }

    /** @param emuirq new {@code arch.hvm.emuirq} */
    public void setEmuirq(final int emuirq) {
        final int old = this.emuirq;
        this.emuirq = emuirq;
        domain.pirqs().emuirqChanged(pirq, old, emuirq);
    }

    /** @return the passthrough state ({@code pirq->arch.hvm.dpci}) */
    public PirqDpci dpci() {
        return dpci;
    }

    @Override
    public String toString() {
        return "d" + domain.id() + " pirq " + pirq + " -> irq " + irq;
    }
}
