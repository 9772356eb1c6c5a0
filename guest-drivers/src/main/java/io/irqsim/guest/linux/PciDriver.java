package io.irqsim.guest.linux;

import io.irqsim.hw.pci.Bdf;

/** A guest driver bound to a PCI device: which device, the irq it requested, the interrupts it handled. */
public interface PciDriver {

    /** @return the device */
    Bdf bdf();

    /** @return the irq it requested, 0 if none */
    int irq();

    /** @return interrupts it handled */
    long handled();
}
