package io.irqsim.guest.toolstack;

/**
 * The calls a PCI attach makes, in order, as they are named in results and in {@code irqsim
 * compare}'s {@code attach} column (e.g. {@code "irq_permission:-EPERM"}).
 */
public enum AttachStep {
    /** pciback must hold the device ({@code libxl__device_pci_assignable}). */
    PCI_ASSIGNABLE("pci_assignable"),
    /** {@code XEN_DOMCTL_assign_device}. */
    ASSIGN_DEVICE("assign_device"),
    /** Reading {@code /sys/bus/pci/devices/BDF/irq}. */
    SYSFS_IRQ("sysfs_irq"),
    /** Asking privcmd for the device's GSI. */
    PRIVCMD_GSI("privcmd_gsi"),
    /** libxl's {@code xc_physdev_map_pirq} / {@code xc_physdev_map_pirq_gsi}. */
    MAP_PIRQ("map_pirq"),
    /** {@code XEN_DOMCTL_irq_permission}. */
    IRQ_PERMISSION("irq_permission"),
    /** {@code XEN_DOMCTL_gsi_permission}. */
    GSI_PERMISSION("gsi_permission"),
    /** The device model's own {@code map_pirq}. */
    DM_MAP_PIRQ("dm_map_pirq"),
    /** The device model's {@code XEN_DOMCTL_bind_pt_irq}. */
    BIND_PT_IRQ("bind_pt_irq");

    private final String label;

    AttachStep(final String label) {
        this.label = label;
    }

    /** @return the name used in output */
    public String label() {
        return label;
    }
}
