package io.irqsim.guest.linux;

/**
 * Variation point 5 of the seed thread: what {@code pcistub_init_device} does after
 * {@code pci_enable_device} for a device it seizes.
 */
public interface PcistubVariant {

    /**
     * @param pciback pciback
     * @param dom0 the dom0 kernel
     * @param dev the device (enabled)
     * @param psdev pciback's record of it
     * @return 0, or a negative errno that fails the probe
     */
    int afterEnable(Pciback pciback, LinuxDom0 dom0, LinuxKernel.PciDev dev, Pciback.Psdev psdev);

    /** @return a short description */
    String describe();
}
