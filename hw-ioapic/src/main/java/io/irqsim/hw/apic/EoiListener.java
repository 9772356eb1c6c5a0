package io.irqsim.hw.apic;

/**
 * Receives EOI messages from the APIC bus: what an IO-APIC does when a local APIC broadcasts an
 * EOI for a level-triggered vector (QEMU {@code ioapic_eoi_broadcast}, Xen {@code vioapic_update_EOI}).
 */
@FunctionalInterface
public interface EoiListener {

    /**
     * An EOI message for {@code vector} arrived.
     *
     * @param vector the vector the local APIC retired
     */
    void eoi(int vector);
}
