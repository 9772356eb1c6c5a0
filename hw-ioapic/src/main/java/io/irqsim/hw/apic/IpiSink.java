package io.irqsim.hw.apic;

/**
 * Where a local APIC sends the inter-processor interrupts it is told to send by an ICR write.
 */
@FunctionalInterface
public interface IpiSink {

    /** ICR bits 19:18 = 00: use the destination field. */
    int SHORTHAND_NONE = 0;
    /** ICR bits 19:18 = 01: self. */
    int SHORTHAND_SELF = 1;
    /** ICR bits 19:18 = 10: all including self. */
    int SHORTHAND_ALL = 2;
    /** ICR bits 19:18 = 11: all excluding self. */
    int SHORTHAND_ALL_BUT_SELF = 3;

    /** Drops every IPI (a LAPIC not connected to a bus). */
    IpiSink NONE = (from, vector, mode, logical, destination, shorthand) -> 0;

    /**
     * Sends an IPI.
     *
     * @param from the sending LAPIC
     * @param vector vector
     * @param deliveryMode delivery mode
     * @param logical logical destination mode
     * @param destination ICR destination field (bits 63:56)
     * @param shorthand one of the {@code SHORTHAND_*} values
     * @return how many LAPICs accepted it
     */
    int sendIpi(LocalApic from, int vector, int deliveryMode, boolean logical, int destination, int shorthand);

    /**
     * Picks the target of a lowest-priority IPI without sending it, moving the round-robin cursor as
     * the pick does: Xen's {@code vlapic_ipi} picks before it refuses a vector below 16. Nothing by
     * default (a sink without a lowest-priority cursor).
     *
     * @param from the sending LAPIC
     * @param logical logical destination mode
     * @param destination ICR destination field
     * @param shorthand one of the {@code SHORTHAND_*} values
     */
    default void pickLowestPriority(LocalApic from, boolean logical, int destination, int shorthand) {
    }
}
