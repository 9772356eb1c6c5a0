package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;

/**
 * The privcmd driver's calls that turn a device into its GSI for the toolstack
 * ({@code drivers/xen/privcmd.c}): the seed series' earlier form, which translates dom0's Linux irq
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
     * The seed series' "gsi from irq": the GSI behind dom0's Linux irq for the device.
     *
     * @param bdf device
     * @return the GSI, or -EINVAL if dom0 has no irq for it
     */
    public int gsiFromIrq(final Bdf bdf) {
        final LinuxKernel.PciDev dev = dom0.dev(bdf);
        final LinuxIrq irq = dev == null ? null : dom0.irqs().byIrq(dev.irq());
        final int rc = irq == null ? -Errno.EINVAL : irq.gsi();
        dom0.xen().trace().event(GuestEvent.PRIVCMD_GET_GSI, bdf.sbdf(), rc, 0);
        return rc;
    }

    /**
     * {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}: pciback's record of the device's GSI.
     *
     * @param bdf device
     * @return the GSI, -ENODEV (not a pciback device) or -ENOENT (no GSI recorded)
     */
    public int pcidevGetGsi(final Bdf bdf) {
        final int rc = dom0.pciback().gsiFromSbdf(bdf);
        dom0.xen().trace().event(GuestEvent.PRIVCMD_GET_GSI, bdf.sbdf(), rc, 1);
        return rc;
    }
}
