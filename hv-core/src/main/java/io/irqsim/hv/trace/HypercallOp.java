package io.irqsim.hv.trace;

/**
 * Hypercalls as they appear in trace records ({@link HvEvent#HYPERCALL} argument a). The codes are
 * irqsim's own and stable in trace files; they are not Xen's sub-op numbers.
 */
public enum HypercallOp {
    /** {@code PHYSDEVOP_map_pirq}. */
    PHYSDEVOP_MAP_PIRQ(1, "physdev_map_pirq"),
    /** {@code PHYSDEVOP_unmap_pirq}. */
    PHYSDEVOP_UNMAP_PIRQ(2, "physdev_unmap_pirq"),
    /** {@code PHYSDEVOP_setup_gsi}. */
    PHYSDEVOP_SETUP_GSI(3, "physdev_setup_gsi"),
    /** {@code PHYSDEVOP_eoi}. */
    PHYSDEVOP_EOI(4, "physdev_eoi"),
    /** {@code PHYSDEVOP_get_free_pirq}. */
    PHYSDEVOP_GET_FREE_PIRQ(5, "physdev_get_free_pirq"),
    /** {@code PHYSDEVOP_irq_status_query}. */
    PHYSDEVOP_IRQ_STATUS_QUERY(6, "physdev_irq_status_query"),
    /** {@code PHYSDEVOP_apic_read}. */
    PHYSDEVOP_APIC_READ(7, "physdev_apic_read"),
    /** {@code PHYSDEVOP_alloc_irq_vector}. */
    PHYSDEVOP_ALLOC_IRQ_VECTOR(8, "physdev_alloc_irq_vector"),
    /** {@code XEN_DOMCTL_irq_permission}. */
    DOMCTL_IRQ_PERMISSION(16, "domctl_irq_permission"),
    /** {@code XEN_DOMCTL_gsi_permission}. */
    DOMCTL_GSI_PERMISSION(17, "domctl_gsi_permission"),
    /** {@code XEN_DOMCTL_bind_pt_irq}. */
    DOMCTL_BIND_PT_IRQ(18, "domctl_bind_pt_irq"),
    /** {@code XEN_DOMCTL_unbind_pt_irq}. */
    DOMCTL_UNBIND_PT_IRQ(19, "domctl_unbind_pt_irq"),
    /** {@code XEN_DOMCTL_assign_device}. */
    DOMCTL_ASSIGN_DEVICE(20, "domctl_assign_device"),
    /** {@code XEN_DOMCTL_deassign_device}. */
    DOMCTL_DEASSIGN_DEVICE(21, "domctl_deassign_device"),
    /** {@code XEN_DOMCTL_test_assign_device}. */
    DOMCTL_TEST_ASSIGN_DEVICE(22, "domctl_test_assign_device"),
    /** {@code XEN_DMOP_set_pci_intx_level}. */
    DMOP_SET_PCI_INTX_LEVEL(32, "dm_op_set_pci_intx_level"),
    /** {@code XEN_DMOP_set_isa_irq_level}. */
    DMOP_SET_ISA_IRQ_LEVEL(33, "dm_op_set_isa_irq_level"),
    /** {@code XEN_DMOP_set_pci_link_route}. */
    DMOP_SET_PCI_LINK_ROUTE(34, "dm_op_set_pci_link_route"),
    /** {@code XEN_DMOP_inject_msi}. */
    DMOP_INJECT_MSI(35, "dm_op_inject_msi");

    private final int code;
    private final String label;

    HypercallOp(final int code, final String label) {
        this.code = code;
        this.label = label;
    }

    /** @return the stable trace code */
    public int code() {
        return code;
    }

    /** @return the name used in decoded traces */
    public String label() {
        return label;
    }

    /**
     * @param code a trace code
     * @return the op, or {@code null}
     */
    public static HypercallOp ofCode(final int code) {
        for (final HypercallOp op : values()) {
            if (op.code == code) {
                return op;
            }
        }
        return null;
    }
}
