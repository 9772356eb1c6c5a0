package io.irqsim.hw.firmware.acpi;

/**
 * The parts of the Fixed ACPI Description Table (signature {@code FACP}; ACPI 6.5, 5.2.9) that
 * interrupt routing needs: {@code SCI_INT} (offset 46, two bytes: the SCI's ISA IRQ, or its GSI on
 * a system without the 8259 pair) and {@code IAPC_BOOT_ARCH} (offset 109, two bytes, FADT revision
 * 2 and later).
 *
 * @param sciInt SCI interrupt
 * @param bootArch IA-PC boot architecture flags, 0 when the table is too old to have them
 * @param revision FADT major revision
 */
public record Fadt(int sciInt, int bootArch, int revision) {

    /** Offset of {@code SCI_INT}. */
    static final int SCI_INT = 46;
    /** Offset of {@code IAPC_BOOT_ARCH}. */
    static final int IAPC_BOOT_ARCH = 109;

    /**
     * @param t the {@code FACP} table
     * @return the fields
     * @throws AcpiInputException if the table is too short for {@code SCI_INT}
     */
    public static Fadt read(final AcpiTable t) {
        final int sci = (int) t.read(SCI_INT, 2, "SCI_INT");
        final int arch = t.bytes().length >= IAPC_BOOT_ARCH + 2 && t.revision() >= 2
            ? (int) t.read(IAPC_BOOT_ARCH, 2, "IAPC_BOOT_ARCH") : 0;
        return new Fadt(sci, arch, t.revision());
    }

    /** @return the IA-PC boot flags that are set, by their ACPI 6.5 table 5.11 names */
    public java.util.List<String> bootArchFlags() {
        final String[] names = {"LEGACY_DEVICES", "8042", "VGA Not Present", "MSI Not Supported",
            "PCIe ASPM Controls", "CMOS RTC Not Present"};
        final java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if ((bootArch & 1 << i) != 0) {
                out.add(names[i]);
            }
        }
        return out;
    }
}
