package io.irqsim.hv.irq;

/** The {@code hw_irq_controller} an IRQ descriptor uses (Xen {@code io_apic.c}, {@code irq.c}, {@code msi.c}). */
public enum HandlerType {
    /** {@code no_irq_type}: never set up; nothing programs, acks or ends it. */
    NONE("none"),
    /** {@code ioapic_edge_type}: "IO-APIC-edge". */
    IOAPIC_EDGE("IO-APIC-edge"),
    /** {@code ioapic_level_type}: "IO-APIC-level". */
    IOAPIC_LEVEL("IO-APIC-level"),
    /** {@code pci_msi_type}: "PCI-MSI". */
    MSI("PCI-MSI");

    private final String label;

    HandlerType(final String label) {
        this.label = label;
    }

    /** @return the name Xen prints */
    public String label() {
        return label;
    }
}
