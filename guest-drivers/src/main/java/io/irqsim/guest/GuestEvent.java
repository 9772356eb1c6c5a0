package io.irqsim.guest;

/**
 * Trace event codes of the guest layer (128..191): what the Linux models, pciback, privcmd, the
 * toolstack and the device model did. Numbered after {@link io.irqsim.hv.trace.HvEvent}.
 */
public final class GuestEvent {

    /** Linux {@code acpi_pci_irq_enable}: a = BDF, b = GSI (-1 none), c = Linux irq. */
    public static final int PCI_IRQ_ENABLE = 128;
    /** Linux {@code acpi_register_gsi}: a = GSI, b = trigger &lt;&lt; 1 | polarity (Xen encoding), c = Linux irq or errno. */
    public static final int REGISTER_GSI = 129;
    /** Linux {@code request_irq}: a = Linux irq, b = GSI, c = result. */
    public static final int REQUEST_IRQ = 130;
    /** A Linux interrupt handler ran: a = Linux irq, b = vector, c = 1 handled / 0 none. */
    public static final int IRQ_HANDLED = 131;
    /** An interrupt no handler claimed: a = vector, b = Linux irq (-1 none). */
    public static final int IRQ_UNHANDLED = 132;
    /** pciback seized a device: a = BDF. */
    public static final int PCIBACK_SEIZE = 133;
    /** A toolstack or device-model step returned: a = {@link io.irqsim.guest.toolstack.AttachStep} ordinal, b = argument, c = result. */
    public static final int TOOLSTACK_STEP = 134;
    /** A simulated device raised an interrupt: a = BDF, b = 1 if it coalesced into a pending one. */
    public static final int DEVICE_RAISE = 135;
    /** A driver acknowledged a device interrupt through its BAR: a = BDF. */
    public static final int DEVICE_ACK = 136;
    /** pciback called {@code unmask_irq} on a device's irq (the RFC patch): a = BDF, b = Linux irq. */
    public static final int PCIBACK_UNMASK = 137;
    /** privcmd {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}: a = SBDF, b = result. */
    public static final int PRIVCMD_GET_GSI = 138;
    /**
     * Linux {@code free_irq}: a = Linux irq, b = GSI (-1 none), c = 1 if its last action went and the
     * irq was shut down, 0 if other actions remain, -1 if the handler was not installed
     * ("Trying to free already-free IRQ").
     */
    public static final int FREE_IRQ = 139;

    private GuestEvent() {
    }

    /**
     * @param event code
     * @return its name, or {@code null} if it is not a guest event
     */
    public static String name(final int event) {
        switch (event) {
            case PCI_IRQ_ENABLE: return "acpi_pci_irq_enable";
            case REGISTER_GSI: return "acpi_register_gsi";
            case REQUEST_IRQ: return "request_irq";
            case IRQ_HANDLED: return "irq_handler";
            case IRQ_UNHANDLED: return "irq_unhandled";
            case PCIBACK_SEIZE: return "pcistub_seize";
            case TOOLSTACK_STEP: return "toolstack_step";
            case DEVICE_RAISE: return "device_raise";
            case DEVICE_ACK: return "device_ack";
            case PCIBACK_UNMASK: return "pciback_unmask_irq";
            case PRIVCMD_GET_GSI: return "privcmd_pcidev_get_gsi";
            case FREE_IRQ: return "free_irq";
            default: return null;
        }
    }
}
