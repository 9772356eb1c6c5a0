package io.irqsim.hw.trace;

/**
 * Event codes reported through {@link HwTrace} by the hardware models. The codes are stable:
 * they are stored in binary trace files. Codes 1..63 belong to the hardware layer; the
 * hypervisor core numbers its own events from 64.
 *
 * <p>The argument columns (a, b, c) of each event are documented next to its code.
 */
public final class HwEvent {

    /** MMIO read nobody decodes: a = address, b = size, c = value returned (all ones). */
    public static final int MMIO_UNMAPPED_READ = 1;
    /** MMIO write nobody decodes, dropped: a = address, b = size, c = value. */
    public static final int MMIO_UNMAPPED_WRITE = 2;
    /** Access refused by the bus (size not accepted, misaligned, crossing the range end):
     *  a = address, b = size | (1 &lt;&lt; 8 if write), c = value (writes) or 0. */
    public static final int MMIO_REJECTED = 3;

    /** IO-APIC RTE written: a = (apic id &lt;&lt; 8) | pin, b = old RTE, c = new RTE. */
    public static final int IOAPIC_RTE_WRITE = 4;
    /** IO-APIC pin electrical level changed: a = (apic id &lt;&lt; 8) | pin, b = level (0/1), c = asserted (0/1). */
    public static final int IOAPIC_PIN_LEVEL = 5;
    /** IO-APIC sent an interrupt message: a = (apic id &lt;&lt; 8) | pin, b = RTE, c = CPUs that accepted. */
    public static final int IOAPIC_DELIVER = 6;
    /** IO-APIC cleared Remote IRR for an EOI: a = (apic id &lt;&lt; 8) | pin, b = vector, c = 1 if re-delivered. */
    public static final int IOAPIC_EOI = 7;
    /** IO-APIC deferred a re-delivery (storm guard): a = (apic id &lt;&lt; 8) | pin, b = vector, c = delay ns. */
    public static final int IOAPIC_STORM_DEFER = 8;
    /** An edge on a masked pin was dropped: a = (apic id &lt;&lt; 8) | pin, b = RTE. */
    public static final int IOAPIC_MASKED_EDGE = 9;
    /** Guest-visible IO-APIC access with no effect (reserved index, read-only register,
     *  EOI register on a version without one): a = offset | (index &lt;&lt; 16), b = size | (1 &lt;&lt; 8 if write), c = value. */
    public static final int IOAPIC_IGNORED_ACCESS = 10;

    /**
     * LAPIC accepted a message: a = APIC id, b = vector | (delivery mode &lt;&lt; 8), c = bit 0 set if
     * level, {@link #LAPIC_ACCEPT_NMI_ABSORBED} set for an NMI absorbed into the one already pending.
     */
    public static final int LAPIC_ACCEPT = 16;
    /** Bit of {@link #LAPIC_ACCEPT}'s c: an NMI that found one already pending and was absorbed into it. */
    public static final int LAPIC_ACCEPT_NMI_ABSORBED = 2;
    /** CPU acknowledged an interrupt: a = APIC id, b = vector (or spurious), c = 1 if spurious. */
    public static final int LAPIC_ACK = 17;
    /** EOI written: a = APIC id, b = vector retired (-1 if ISR was empty), c = 1 if an EOI message was broadcast. */
    public static final int LAPIC_EOI = 18;
    /** EOI message on the APIC bus: a = vector. */
    public static final int APIC_BUS_EOI = 19;
    /** Interrupt message nobody accepted: a = destination, b = vector | (delivery mode &lt;&lt; 8), c = 1 if logical. */
    public static final int APIC_BUS_NO_TARGET = 20;
    /** MSI write decoded: a = address, b = data, c = CPUs that accepted. */
    public static final int APIC_BUS_MSI = 21;

    /** PCI function changed its INTx output: a = BDF, b = asserted (0/1), c = 1 if masked by INTx-disable. */
    public static final int PCI_INTX = 24;

    /** Highest code the hardware layer uses. */
    public static final int LAST_HW_EVENT = 63;

    /**
     * Set in argument a of an IO-APIC, LAPIC or APIC-bus event when the device is an emulated one
     * a hypervisor gives a guest (a vIO-APIC, a vLAPIC), not the machine's: the hardware models
     * are the same classes, so without it a guest's "IO-APIC 0 pin 36" would read like the
     * physical chip's. Bits 40..55 of a then hold the guest's domain id ({@link #emulatedFor}).
     * The device's own value (APIC id and pin, vector, address) stays in bits 0..31.
     */
    public static final long EMULATED = 1L << 32;
    private static final int DOMAIN_SHIFT = 40;

    /**
     * @param domid the guest the emulated device belongs to
     * @return the bits to OR into argument a of that device's events
     */
    public static long emulatedFor(final int domid) {
        return EMULATED | ((long) (domid & 0xFFFF) << DOMAIN_SHIFT);
    }

    /**
     * @param a argument a of an IO-APIC, LAPIC or APIC-bus event
     * @return whether it came from a guest's emulated device
     */
    public static boolean isEmulated(final long a) {
        return (a & EMULATED) != 0;
    }

    /**
     * @param a argument a of an emulated device's event
     * @return the domain id it carries
     */
    public static int emulatedDomain(final long a) {
        return (int) ((a >>> DOMAIN_SHIFT) & 0xFFFF);
    }

    /**
     * @param a argument a of an IO-APIC, LAPIC or APIC-bus event
     * @return the device's own value in it, without the {@link #EMULATED} tag
     */
    public static long device(final long a) {
        return a & 0xFFFF_FFFFL;
    }

    private HwEvent() {
    }

    /**
     * Short name of a hardware event code, for decoders.
     *
     * @param event event code
     * @return its name, or {@code null} if the code is not a hardware event
     */
    public static String name(final int event) {
        switch (event) {
            case MMIO_UNMAPPED_READ: return "mmio_unmapped_read";
            case MMIO_UNMAPPED_WRITE: return "mmio_unmapped_write";
            case MMIO_REJECTED: return "mmio_rejected";
            case IOAPIC_RTE_WRITE: return "ioapic_rte_write";
            case IOAPIC_PIN_LEVEL: return "ioapic_pin_level";
            case IOAPIC_DELIVER: return "ioapic_deliver";
            case IOAPIC_EOI: return "ioapic_eoi";
            case IOAPIC_STORM_DEFER: return "ioapic_storm_defer";
            case IOAPIC_MASKED_EDGE: return "ioapic_masked_edge";
            case IOAPIC_IGNORED_ACCESS: return "ioapic_ignored_access";
            case LAPIC_ACCEPT: return "lapic_accept";
            case LAPIC_ACK: return "lapic_ack";
            case LAPIC_EOI: return "lapic_eoi";
            case APIC_BUS_EOI: return "apic_bus_eoi";
            case APIC_BUS_NO_TARGET: return "apic_bus_no_target";
            case APIC_BUS_MSI: return "apic_bus_msi";
            case PCI_INTX: return "pci_intx";
            default: return null;
        }
    }
}
