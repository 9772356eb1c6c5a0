package io.irqsim.hw.ioapic;

/**
 * Callbacks a hypervisor attaches to an IO-APIC register model to virtualise it; the physical
 * IO-APIC uses {@link #NONE}. This is the only difference between the two uses of {@link IoApic}
 * besides where its messages go ("one register model, two uses").
 *
 * <p>Called on the machine thread, after the model's own state change; a hook may call back into
 * the same IO-APIC.
 */
public interface IoApicHooks {

    /** No hooks: a physical IO-APIC. */
    IoApicHooks NONE = new IoApicHooks() {
    };

    /**
     * A redirection-table dword was written (Xen {@code vioapic_write_redirent}, after its own
     * table update and re-delivery).
     *
     * @param ioapic the IO-APIC
     * @param pin the entry
     * @param oldRte the entry before the write
     * @param newRte the entry after it (read-only bits restored, Remote IRR cleared for edge)
     * @param topWord whether the high dword was written
     */
    default void rteWritten(IoApic ioapic, int pin, long oldRte, long newRte, boolean topWord) {
    }

    /**
     * An EOI for the pin's vector arrived and Remote IRR was cleared; called before the model
     * re-delivers a still-asserted level line (Xen {@code vioapic_update_EOI} calls
     * {@code hvm_dpci_eoi} at this point, which may deassert the line).
     *
     * @param ioapic the IO-APIC
     * @param pin the pin whose vector matched
     * @param oldRte the entry before Remote IRR was cleared
     */
    default void eoiReceived(IoApic ioapic, int pin, long oldRte) {
    }
}
