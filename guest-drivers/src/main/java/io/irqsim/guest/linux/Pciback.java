package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * xen-pciback's PCI stub (drivers/xen/xen-pciback/pci_stub.c@v6.12): seizes devices for
 * passthrough. {@code pcistub_init_device} enables the device ("HACK: force device (&amp; ACPI) to
 * determine what IRQ it's on"), then does what the design in force adds
 * ({@link PcistubVariant}), then resets it ({@code xen_pcibk_reset_device} &rarr;
 * {@code pci_disable_device} &rarr; {@code acpi_pci_irq_disable} &rarr; {@code acpi_unregister_gsi}:
 * in a PVH dom0 that frees the irq it just allocated). It never requests the irq: nothing in
 * dom0 activates it or unmasks the pin.
 */
public final class Pciback {

    /** A seized device ({@code struct pcistub_device}). */
    public static final class Psdev {
        private final Bdf bdf;
        private int gsi = -1;

        Psdev(final Bdf bdf) {
            this.bdf = bdf;
        }

        /** @return the device */
        public Bdf bdf() {
            return bdf;
        }

        /** @return the GSI pciback recorded ({@code psdev->gsi}), -1 if none */
        public int gsi() {
            return gsi;
        }

        /** @param gsi the GSI looked up from ACPI */
        public void setGsi(final int gsi) {
            this.gsi = gsi;
        }
    }

    private final LinuxDom0 dom0;
    private final PcistubVariant variant;
    private final Map<Bdf, Psdev> devices = new LinkedHashMap<>();

    /**
     * @param dom0 the dom0 kernel
     * @param variant what the design adds to {@code pcistub_init_device}
     */
    public Pciback(final LinuxDom0 dom0, final PcistubVariant variant) {
        this.dom0 = dom0;
        this.variant = variant;
    }

    /**
     * {@code pcistub_seize} + {@code pcistub_init_device} (drivers/xen/xen-pciback/pci_stub.c@v6.12):
     * {@code pci_enable_device}, the variant's step, then on success {@code xen_pcibk_reset_device}
     * (drivers/xen/xen-pciback/pciback_ops.c@v6.12: an enabled endpoint is
     * {@code pci_disable_device}d). On failure it goes to {@code config_release}: the device is
     * left enabled.
     *
     * @param bdf the device (on the {@code xen-pciback.hide} list)
     * @return 0, -ENODEV (no such device), or the variant's error (probe fails)
     */
    public int seize(final Bdf bdf) {
        final LinuxKernel.PciDev dev = dom0.dev(bdf);
        if (dev == null) {
            return -Errno.ENODEV;
        }
        dom0.xen().trace().event(GuestEvent.PCIBACK_SEIZE, bdf.sbdf(), 0, 0);
        dom0.timeline().log("pciback", "seizing device %s", bdf);
        final Psdev psdev = new Psdev(bdf);
        int rc = dom0.pciEnableDevice(bdf);
        if (rc == 0) {
            rc = variant.afterEnable(this, dom0, dev, psdev);
        }
        if (rc != 0) {
            dom0.timeline().log("pciback", "%s: pcistub_init_device failed: %s", bdf, Errno.name(rc));
            return rc;
        }
        resetDevice(dev);
        devices.put(bdf, psdev);
        return 0;
    }

    /**
     * {@code xen_pcibk_reset_device} (drivers/xen/xen-pciback/pciback_ops.c@v6.12) for an
     * endpoint: {@code pci_disable_device} if it is enabled (bus mastering off, ACPI releases its
     * GSI). No fake ISR is installed for an HVM guest.
     */
    private void resetDevice(final LinuxKernel.PciDev dev) {
        if (!dev.function().isBridge() && dev.isEnabled()) {
            dom0.timeline().log("pciback", "%s: reset device: pci_disable_device", dev.function().bdf());
            dom0.pciDisableDevice(dev.function().bdf());
        }
    }

    /**
     * @param bdf device
     * @return the seized device, or {@code null}
     */
    public Psdev psdev(final Bdf bdf) {
        return devices.get(bdf);
    }

    /**
     * {@code pcistub_get_gsi_from_sbdf} (drivers/xen/xen-pciback/pci_stub.c@v6.12).
     *
     * @param bdf device
     * @return the GSI, -ENODEV if pciback does not hold it, or {@code psdev->gsi} as recorded:
     *     -1 (which the ioctl returns as -EPERM) if no GSI was recorded (a PV dom0)
     */
    public int gsiFromSbdf(final Bdf bdf) {
        final Psdev p = devices.get(bdf);
        if (p == null) {
            return -Errno.ENODEV;
        }
        return p.gsi();
    }

    /** @return the variant in force */
    public PcistubVariant variant() {
        return variant;
    }
}
