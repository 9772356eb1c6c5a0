package io.irqsim.hv.domain;

import java.util.BitSet;

/**
 * A domain's IRQ capability rangeset ({@code d->irq_caps}; Xen {@code iocap.h}:
 * {@code irq_permit_access}, {@code irq_deny_access}, {@code irq_access_permitted}).
 */
public final class IrqCaps {

    private final BitSet irqs = new BitSet();

    /**
     * @param irq Xen IRQ number
     * @return whether the domain may use it
     */
    public boolean permitted(final int irq) {
        return irq >= 0 && irqs.get(irq);
    }

    /** @param irq Xen IRQ number to grant */
    public void permit(final int irq) {
        irqs.set(irq);
    }

    /**
     * @param from first IRQ
     * @param to last IRQ (inclusive)
     */
    public void permitRange(final int from, final int to) {
        irqs.set(from, to + 1);
    }

    /** @param irq Xen IRQ number to revoke */
    public void deny(final int irq) {
        irqs.clear(irq);
    }

    /** Revokes everything. */
    public void clear() {
        irqs.clear();
    }

    /** @return number of IRQs granted */
    public int count() {
        return irqs.cardinality();
    }

    @Override
    public String toString() {
        return irqs.toString();
    }
}
