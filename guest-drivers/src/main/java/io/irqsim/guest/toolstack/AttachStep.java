package io.irqsim.guest.toolstack;

/**
 * The calls a PCI attach makes, as they are named in results and in {@code irqsim compare}'s
 * {@code attach} column (e.g. {@code "irq_permission:-EPERM"}). The constant's ordinal is its code
 * in {@code toolstack_step} trace records, so new calls are appended; the order in which
 * {@link Libxl#pciAttach} makes them is upstream's (see there).
 */
public enum AttachStep {
    /** pciback must hold the device ({@code libxl_pci_assignable}). */
    PCI_ASSIGNABLE("pci_assignable"),
    /** {@code XEN_DOMCTL_assign_device} ({@code xc_assign_device}, the last call of {@code pci_add_dm_done}). */
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
    /** The device model's own {@code map_pirq} ({@code xen_pt_realize}). */
    DM_MAP_PIRQ("dm_map_pirq"),
    /** The device model's {@code XEN_DOMCTL_bind_pt_irq} ({@code xc_domain_bind_pt_pci_irq}). */
    BIND_PT_IRQ("bind_pt_irq"),
    /** {@code XEN_DOMCTL_test_assign_device}: is the device free to give to this guest. */
    TEST_ASSIGN_DEVICE("test_assign_device"),
    /** The device model's {@code xc_physdev_unmap_pirq} after its bind failed. */
    DM_UNMAP_PIRQ("dm_unmap_pirq"),
    /** QMP {@code device_add}: the device model could not open the host device (its irq or GSI). */
    DEVICE_ADD("device_add");

    private final String label;

    AttachStep(final String label) {
        this.label = label;
    }

    /** @return the name used in output */
    public String label() {
        return label;
    }

    /** @return whether the device model (QEMU) makes this call, rather than libxl */
    public boolean byDeviceModel() {
        return this == DM_MAP_PIRQ || this == BIND_PT_IRQ || this == DM_UNMAP_PIRQ || this == DEVICE_ADD;
    }
}
