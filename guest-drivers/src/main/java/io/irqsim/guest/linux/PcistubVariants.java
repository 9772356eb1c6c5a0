package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;

/**
 * The answers the seed thread gives to "what should pciback do when it seizes a device".
 */
public final class PcistubVariants {

    /** Linux at the time of the thread: enable the device, nothing more. */
    public static final PcistubVariant ENABLE_ONLY = new PcistubVariant() {
        @Override
        public int afterEnable(final Pciback pciback, final LinuxDom0 dom0, final LinuxKernel.PciDev dev,
                               final Pciback.Psdev psdev) {
            return 0;
        }

        @Override
        public String describe() {
            return "enable only";
        }
    };

    /**
     * Roger Pau Monn&eacute;'s question "why not simply call pcibios_enable_device() from pciback?":
     * it is already called (through {@code pci_enable_device}); calling it again finds the irq set up
     * and does nothing, and the pin stays masked.
     */
    public static final PcistubVariant PCIBIOS_ENABLE_DEVICE = new PcistubVariant() {
        @Override
        public int afterEnable(final Pciback pciback, final LinuxDom0 dom0, final LinuxKernel.PciDev dev,
                               final Pciback.Psdev psdev) {
            dom0.timeline().log("pciback", "%s: pcibios_enable_device", dev.function().bdf());
            return dom0.acpiPciIrqEnable(dev);
        }

        @Override
        public String describe() {
            return "pcibios_enable_device";
        }
    };

    /** The RFC patch under review: {@code unmask_irq(irq_to_desc(dev->irq))} in a PVH dom0. */
    public static final PcistubVariant UNMASK_IRQ = new PcistubVariant() {
        @Override
        public int afterEnable(final Pciback pciback, final LinuxDom0 dom0, final LinuxKernel.PciDev dev,
                               final Pciback.Psdev psdev) {
            if (!dom0.isPvh() || dev.irq() <= 0) {
                return 0;
            }
            dom0.xen().trace().event(GuestEvent.PCIBACK_UNMASK, dev.function().bdf().sbdf(), dev.irq(), 0);
            dom0.timeline().log("pciback", "%s: unmask_irq(irq_to_desc(%d)) (RFC patch)", dev.function().bdf(),
                dev.irq());
            dom0.unmaskWithoutHandler(dev.irq());
            return 0;
        }

        @Override
        public String describe() {
            return "unmask the irq (RFC patch)";
        }
    };

    /**
     * Jiqian Chen's alternative in the thread: look the GSI up in ACPI
     * ({@code xen_pvh_get_gsi_info}: {@code acpi_pci_irq_lookup} + {@code acpi_pci_link_allocate_irq}),
     * then {@code PHYSDEVOP_map_pirq} for dom0 itself and {@code PHYSDEVOP_setup_gsi}.
     */
    public static final PcistubVariant MAP_PIRQ_AND_SETUP_GSI = new PcistubVariant() {
        @Override
        public int afterEnable(final Pciback pciback, final LinuxDom0 dom0, final LinuxKernel.PciDev dev,
                               final Pciback.Psdev psdev) {
            if (!dom0.isPvh()) {
                return 0;
            }
            final AcpiPciIrq.Routing r = gsiInfo(dom0, dev);
            if (r == null) {
                return -Errno.EINVAL;
            }
            final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI,
                r.gsi(), r.gsi());
            int rc = dom0.xen().physdev().mapPirq(dom0.domain(), map);
            dom0.timeline().log("pciback", "xen_pvh_map_pirq: PHYSDEVOP_map_pirq(DOMID_SELF, gsi %d) = %s", r.gsi(),
                Errno.name(rc));
            if (rc != 0) {
                return rc;
            }
            rc = setupGsi(dom0, r);
            psdev.setGsi(r.gsi());
            return rc;
        }

        @Override
        public String describe() {
            return "ACPI lookup, map_pirq to dom0 + setup_gsi";
        }
    };

    /**
     * The direction upstream took (Roger's preference, {@code pcistub_init_device},
     * drivers/xen/xen-pciback/pci_stub.c@v6.12):
     * {@code xen_acpi_get_gsi_info} then {@code xen_pvh_setup_gsi} only; the GSI is recorded for
     * privcmd's {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}.
     */
    public static final PcistubVariant SETUP_GSI = new PcistubVariant() {
        @Override
        public int afterEnable(final Pciback pciback, final LinuxDom0 dom0, final LinuxKernel.PciDev dev,
                               final Pciback.Psdev psdev) {
            if (!dom0.isPvh()) {
                return 0;
            }
            final AcpiPciIrq.Routing r = gsiInfo(dom0, dev);
            if (r == null) {
                return -Errno.EINVAL;
            }
            final int rc = setupGsi(dom0, r);
            if (rc == 0) {
                psdev.setGsi(r.gsi());
            }
            return rc;
        }

        @Override
        public String describe() {
            return "ACPI lookup, setup_gsi only";
        }
    };

    private PcistubVariants() {
    }

    /**
     * {@code xen_acpi_get_gsi_info} (drivers/xen/acpi.c@v6.12) / {@code xen_pvh_get_gsi_info} (RFC): the device's GSI and its
     * trigger/polarity from ACPI ({@code acpi_pci_irq_lookup} + {@code acpi_pci_link_allocate_irq}).
     */
    static AcpiPciIrq.Routing gsiInfo(final LinuxDom0 dom0, final LinuxKernel.PciDev dev) {
        final AcpiPciIrq.Routing r = dom0.acpi().resolve(dev.function());
        if (r == null) {
            dom0.timeline().log("pciback", "%s: Fail to get gsi info!", dev.function().bdf());
        }
        return r;
    }

    /**
     * {@code xen_pvh_setup_gsi} (arch/x86/xen/enlighten_pvh.c@v6.12): {@code PHYSDEVOP_setup_gsi};
     * {@code -EEXIST} is "Already setup the GSI", success.
     */
    static int setupGsi(final LinuxDom0 dom0, final AcpiPciIrq.Routing r) {
        final int rc = dom0.xen().physdev().setupGsi(dom0.domain(), r.gsi(), r.trigger() == IrqTrigger.LEVEL ? 1 : 0,
            r.polarity() == IrqPolarity.ACTIVE_LOW ? 1 : 0);
        dom0.timeline().log("pciback", "xen_pvh_setup_gsi: PHYSDEVOP_setup_gsi(gsi %d, %s, %s) = %s%s", r.gsi(),
            r.trigger().label(), r.polarity().label(), Errno.name(rc),
            rc == -Errno.EEXIST ? " (\"Already setup the GSI\")" : "");
        return rc == -Errno.EEXIST ? 0 : rc;
    }
}
