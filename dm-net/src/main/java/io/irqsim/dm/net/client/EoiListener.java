package io.irqsim.dm.net.client;

/**
 * Told when the guest EOIs a level interrupt the model raised (needs feature EOI_NOTICE), on the
 * client's I/O thread; must not block. A level source that still has work can raise its line again.
 */
@FunctionalInterface
public interface EoiListener {

    /**
     * @param device the PCI function whose INTx it was, or 0 for an ISA IRQ line
     * @param gsi the guest GSI
     */
    void eoi(int device, int gsi);
}
