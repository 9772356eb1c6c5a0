package io.irqsim.hv.irq;

import java.util.Arrays;

/**
 * Every Xen IRQ descriptor and the vector-to-IRQ table ({@code irq_desc[]}, {@code per_cpu(vector_irq)};
 * one table serves all CPUs because irqsim targets every physical IRQ at CPU 0).
 *
 * <p>IRQ numbers: 0..{@link #nrIrqsGsi()}-1 are GSI IRQs (Xen uses IRQ = GSI for them, ISA IRQs
 * being the exception only through MADT overrides); the rest are dynamic (MSI) IRQs created on
 * demand, up to {@link #nrIrqs()}.
 */
public final class IrqDescTable {

    /** Dynamic IRQs available beyond the GSIs. */
    public static final int DYNAMIC_IRQS = 64;

    private final IrqDesc[] descs;
    private final int nrIrqsGsi;
    private final int[] vectorIrq = new int[256];

    /**
     * @param gsiCount GSIs the platform has
     */
    public IrqDescTable(final int gsiCount) {
        this.nrIrqsGsi = Math.max(gsiCount, 16);
        this.descs = new IrqDesc[nrIrqsGsi + DYNAMIC_IRQS];
        for (int i = 0; i < descs.length; i++) {
            descs[i] = new IrqDesc(i);
        }
        Arrays.fill(vectorIrq, -1);
    }

    /** @return {@code nr_irqs_gsi}: IRQs numbered like GSIs */
    public int nrIrqsGsi() {
        return nrIrqsGsi;
    }

    /** @return {@code nr_irqs} */
    public int nrIrqs() {
        return descs.length;
    }

    /**
     * @param irq IRQ number
     * @return its descriptor, or {@code null} if out of range ({@code irq_to_desc})
     */
    public IrqDesc desc(final int irq) {
        return irq >= 0 && irq < descs.length ? descs[irq] : null;
    }

    /**
     * @param vector vector
     * @return the IRQ it is assigned to, or -1
     */
    public int irqForVector(final int vector) {
        return vector >= 0 && vector < 256 ? vectorIrq[vector] : -1;
    }

    void bindVector(final int vector, final int irq) {
        vectorIrq[vector] = irq;
    }

    /**
     * Allocates a dynamic IRQ ({@code xen/arch/x86/irq.c:create_irq@RELEASE-4.18.0/4.20.0}): the
     * lowest one from {@code nr_irqs_gsi} up that is unused (Xen's {@code desc->arch.used}, here
     * a descriptor with no handler type), so an IRQ {@code destroy_irq} gave back is the next one
     * handed out.
     *
     * @return the IRQ, or -ENOSPC as a negative number
     */
    public int createIrq() {
        for (int irq = nrIrqsGsi; irq < descs.length; irq++) {
            if (descs[irq].handler() == HandlerType.NONE) {
                return irq;
            }
        }
        return -io.irqsim.hv.Errno.ENOSPC;
    }
}
