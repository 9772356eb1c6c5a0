package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;

/**
 * The privcmd driver's calls that turn a device into its GSI for the toolstack
 * (drivers/xen/privcmd.c@v6.12): the seed series' earlier form, which translates dom0's Linux irq
 * of the device, and the upstream {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}, which asks pciback.
 */
public final class Privcmd {

    private final LinuxDom0 dom0;

    /**
     * @param dom0 the dom0 kernel
     */
    public Privcmd(final LinuxDom0 dom0) {
        this.dom0 = dom0;
    }

    /**
     * The seed series' "gsi from irq": the GSI behind dom0's Linux irq for the device. The seed
     * does not show its implementation; the thread shows it answered after pciback had reset the
     * device (the toolstack went on to {@code irq_permission}), although in a PVH dom0 that reset
     * frees the IO-APIC irq ({@code acpi_pci_irq_disable} &rarr; {@code mp_unmap_irq}). So irqsim
     * answers the GSI ACPI registered for the device's {@code dev->irq}, which the release does
     * not change.
     *
     * @param bdf device
     * @return the GSI, or -EINVAL if ACPI never gave the device an irq
     */
    public int gsiFromIrq(final Bdf bdf) {
        final LinuxKernel.PciDev dev = dom0.dev(bdf);
        final int rc = dev == null || dev.irq() <= 0 || dev.gsi() < 0 ? -Errno.EINVAL : dev.gsi();
        dom0.xen().trace().event(GuestEvent.PRIVCMD_GET_GSI, bdf.sbdf(), rc, 0);
        return rc;
    }

    /**
     * {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI} ({@code privcmd_ioctl_pcidev_get_gsi},
     * drivers/xen/privcmd.c@v6.12): pciback's record of the device's GSI, any negative value
     * returned as the error. In 6.12 a device with no GSI recorded gives -1, i.e. -EPERM (a later
     * kernel changed it to -ENOENT).
     *
     * @param bdf device
     * @return the GSI, -ENODEV (not a pciback device) or -EPERM (no GSI recorded)
     */
    public int pcidevGetGsi(final Bdf bdf) {
        final int rc = dom0.pciback().gsiFromSbdf(bdf);
        dom0.xen().trace().event(GuestEvent.PRIVCMD_GET_GSI, bdf.sbdf(), rc, 1);
        return rc;
    }
}
