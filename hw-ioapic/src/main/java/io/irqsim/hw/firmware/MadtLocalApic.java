package io.irqsim.hw.firmware;

/**
 * MADT Processor Local APIC structure (ACPI 6.5, 5.2.12.2).
 *
 * @param processorUid ACPI processor UID
 * @param apicId the CPU's local APIC ID
 * @param enabled flags bit 0
 */
public record MadtLocalApic(int processorUid, int apicId, boolean enabled) {
}
