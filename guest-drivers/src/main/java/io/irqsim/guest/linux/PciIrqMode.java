package io.irqsim.guest.linux;

/** Which interrupt a PCI driver asks for: its INTx pin, one MSI vector, or one MSI-X vector. */
public enum PciIrqMode {
    /** The INTx pin ({@code pci_enable_device}'s GSI). */
    INTX,
    /** {@code pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSI)}. */
    MSI,
    /** {@code pci_alloc_irq_vectors(dev, 1, 1, PCI_IRQ_MSIX)}. */
    MSIX
}
