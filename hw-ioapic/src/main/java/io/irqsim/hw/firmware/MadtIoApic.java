package io.irqsim.hw.firmware;

/**
 * MADT I/O APIC structure (ACPI 6.5, 5.2.12.3).
 *
 * @param id I/O APIC ID
 * @param address physical base address of its MMIO window
 * @param gsiBase global system interrupt number of its pin 0
 */
public record MadtIoApic(int id, long address, int gsiBase) {
}
