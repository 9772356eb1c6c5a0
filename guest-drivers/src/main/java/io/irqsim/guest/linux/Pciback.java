package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * xen-pciback's PCI stub ({@code drivers/xen/xen-pciback/pci_stub.c}): seizes devices for
 * passthrough. {@code pcistub_init_device} enables the device ("HACK: force device (&amp; ACPI) to
 * determine what IRQ it's on"), then does what the design in force adds
 * ({@link PcistubVariant}), then resets it (disables it). It never requests the irq: nothing in
 * dom0 unmasks the pin.
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
     * {@code pcistub_seize} + {@code pcistub_init_device}.
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
        // xen_pcibk_reset_device: disable the device again; no fake ISR for an HVM guest
        final int cmd = dev.function().configRead(PciConfigRegisters.COMMAND, 2);
        dev.function().configWrite(PciConfigRegisters.COMMAND, 2,
            cmd & ~(PciConfigRegisters.COMMAND_MEMORY | PciConfigRegisters.COMMAND_MASTER));
        if (rc != 0) {
            dom0.timeline().log("pciback", "%s: pcistub_init_device failed: %s", bdf, Errno.name(rc));
            return rc;
        }
        devices.put(bdf, psdev);
        return 0;
    }

    /**
     * @param bdf device
     * @return the seized device, or {@code null}
     */
    public Psdev psdev(final Bdf bdf) {
        return devices.get(bdf);
    }

    /**
     * {@code pcistub_get_gsi_from_sbdf}.
     *
     * @param bdf device
     * @return the GSI, -ENODEV if pciback does not hold it, -ENOENT if it recorded no GSI
     */
    public int gsiFromSbdf(final Bdf bdf) {
        final Psdev p = devices.get(bdf);
        if (p == null) {
            return -Errno.ENODEV;
        }
        return p.gsi() < 0 ? -Errno.ENOENT : p.gsi();
    }

    /** @return the variant in force */
    public PcistubVariant variant() {
        return variant;
    }
}
