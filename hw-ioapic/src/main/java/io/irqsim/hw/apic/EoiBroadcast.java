package io.irqsim.hw.apic;

/**
 * What a local APIC hands its EOI messages to. The LAPIC never calls an IO-APIC directly: the bus
 * (or, in a domain, the hypervisor's vLAPIC EOI path) decides who hears it.
 */
@FunctionalInterface
public interface EoiBroadcast {

    /** Drops every EOI message. */
    EoiBroadcast NONE = vector -> { };

    /**
     * Broadcasts an EOI message for {@code vector} to every IO-APIC.
     *
     * @param vector the vector retired
     */
    void broadcastEoi(int vector);
}
