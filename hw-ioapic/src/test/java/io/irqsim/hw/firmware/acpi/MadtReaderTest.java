package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** MADT entry decoding (ACPI 6.5, 5.2.12) and its errors, on tables built byte by byte here. */
class MadtReaderTest {

    private static AcpiTable madt(final int... entryBytes) {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x00, 0x00, (byte) 0xE0, (byte) 0xFE, 0x01, 0x00, 0x00, 0x00});
        for (final int b : entryBytes) {
            body.write(b);
        }
        final byte[] b = body.toByteArray();
        return new AcpiTable("APIC", AcpiDumpReaderTest.table("APIC", 36 + b.length, b));
    }

    @Test
    void everyEntryTypeIrqsimReads() {
        final MadtReader.Madt m = MadtReader.read(madt(
            0, 8, 1, 0, 1, 0, 0, 0,                      // LAPIC uid 1 id 0 enabled
            0, 8, 2, 1, 2, 0, 0, 0,                      // LAPIC uid 2 id 1 online-capable only
            1, 12, 2, 0, 0, 0, (byte) 0xC0, (byte) 0xFE, 0, 0, 0, 0,   // IO-APIC 2 at FEC00000 base 0
            1, 12, 3, 0, 0, 0x10, (byte) 0xC0, (byte) 0xFE, 24, 0, 0, 0, // IO-APIC 3 at FEC01000 base 24
            2, 10, 0, 9, 20, 0, 0, 0, 0x0F, 0,           // ISO IRQ9 -> GSI20 level/low
            3, 8, 0x0D, 0, 5, 0, 0, 0,                   // NMI source GSI 5
            4, 6, (byte) 0xFF, 0x05, 0, 1,               // LAPIC NMI all, LINT1
            9, 16, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, // x2APIC id 256 uid 7
            0x7F, 4, 0, 0));                             // unknown type: skipped
        assertEquals(0xFEE00000L, m.localApicAddress());
        assertEquals(List.of(new MadtReader.LocalApic(1, 0, true, false, false),
            new MadtReader.LocalApic(2, 1, false, true, false),
            new MadtReader.LocalApic(7, 256, true, false, true)), m.localApics());
        assertEquals(List.of(new MadtReader.IoApic(2, 0xFEC00000L, 0), new MadtReader.IoApic(3, 0xFEC01000L, 24)),
            m.ioApics());
        assertEquals(List.of(new InterruptSourceOverride(0, 9, 20, 0x0F)), m.overrides());
        assertEquals(List.of(new MadtReader.NmiSource(0x0D, 5)), m.nmiSources());
        assertEquals(List.of(new MadtReader.LocalApicNmi(0xFF, 5, 1)), m.localApicNmis());
    }

    @Test
    void entryRunningPastTheTableNamesItsOffset() {
        final AcpiInputException e = assertThrows(AcpiInputException.class,
            () -> MadtReader.read(madt(1, 12, 2, 0, 0, 0)));
        assertEquals("APIC (TESTTBL) at offset 0x2c: MADT entry of type 1 and length 12 runs past the end of the 50-byte"
            + " table", e.getMessage());
    }

    @Test
    void entryShorterThanItsTypeNeeds() {
        final AcpiInputException e = assertThrows(AcpiInputException.class, () -> MadtReader.read(madt(2, 6, 0, 0, 0, 0)));
        assertEquals("APIC (TESTTBL) at offset 0x2c: MADT entry of type 2 has length 6, the type needs 10", e.getMessage());
    }

    @Test
    void zeroLengthEntryWouldLoopForever() {
        assertThrows(AcpiInputException.class, () -> MadtReader.read(madt(0, 0, 0, 0)));
    }

    // xen/arch/x86/acpi/boot.c:acpi_parse_madt@RELEASE-4.20.0 (Linux acpi_parse_madt alike): the header's
    // address, when not 0, replaces APIC_DEFAULT_PHYS_BASE; no type-5 entry in this iasl-compiled table
    @Test
    void headerLocalApicAddressIsUsedWithoutAnOverride() {
        final MadtReader.Madt m = MadtReader.read(Fixtures.aml("madt-lapic-header"));
        assertEquals(0xFEE10000L, m.localApicAddress());
        assertEquals(-1, m.localApicAddressOverride());
        assertEquals(0xFEE10000L, m.lapicAddress());
        assertEquals(MadtReader.LapicAddressSource.HEADER, m.lapicAddressSource());
    }

    // acpi_parse_lapic_addr_ovr (xen/arch/x86/acpi/boot.c@RELEASE-4.20.0, Linux arch/x86/kernel/acpi/boot.c):
    // called for every type-5 entry after acpi_parse_madt, so an override wins over the header, the last one
    // over earlier ones
    @Test
    void typeFiveOverrideWinsOverTheHeaderAndTheLastOneWins() {
        final MadtReader.Madt m = MadtReader.read(Fixtures.aml("madt-lapic-override"));
        assertEquals(0xFEE00000L, m.localApicAddress());
        assertEquals(0xFEF10000L, m.localApicAddressOverride());
        assertEquals(0xFEF10000L, m.lapicAddress());
        assertEquals(MadtReader.LapicAddressSource.OVERRIDE, m.lapicAddressSource());
        assertEquals(2, m.localApics().size());
    }

    // the override's address is 64 bits (struct acpi_madt_local_apic_override), read whole
    @Test
    void typeFiveAddressIsSixtyFourBits() {
        final MadtReader.Madt m = MadtReader.read(madt(5, 12, 0, 0, 0, 0, 0xF0, 0xFE, 0x01, 0, 0, 0));
        assertEquals(0x1_FEF0_0000L, m.lapicAddress());
    }

    // acpi_parse_madt: a header address of 0 leaves acpi_lapic_addr at APIC_DEFAULT_PHYS_BASE
    @Test
    void zeroHeaderAddressMeansTheDefault() {
        final byte[] b = {0, 0, 0, 0, 1, 0, 0, 0};
        final MadtReader.Madt m = MadtReader.read(new AcpiTable("APIC", AcpiDumpReaderTest.table("APIC", 44, b)));
        assertEquals(0, m.localApicAddress());
        assertEquals(0xFEE00000L, m.lapicAddress());
        assertEquals(MadtReader.LapicAddressSource.DEFAULT, m.lapicAddressSource());
    }

    // xen/include/xen/acpi.h:BAD_MADT_ENTRY@RELEASE-4.20.0 in acpi_parse_lapic_addr_ovr: a type-5 entry shorter
    // than its 12-byte structure is -EINVAL ("Invalid BIOS MADT, disabling ACPI"); irqsim refuses the table
    @Test
    void truncatedTypeFiveEntryIsAnErrorNamingTableAndOffset() {
        final AcpiInputException e = assertThrows(AcpiInputException.class,
            () -> MadtReader.read(madt(0, 8, 1, 0, 1, 0, 0, 0, 5, 10, 0, 0, 0, 0, 0xE0, 0xFE, 0, 0)));
        assertEquals("APIC (TESTTBL) at offset 0x34: MADT entry of type 5 has length 10, the type needs 12",
            e.getMessage());
        final AcpiInputException cut = assertThrows(AcpiInputException.class,
            () -> MadtReader.read(madt(5, 12, 0, 0, 0, 0, 0xE0, 0xFE)));
        assertEquals("APIC (TESTTBL) at offset 0x2c: MADT entry of type 5 and length 12 runs past the end of the 52-byte"
            + " table", cut.getMessage());
    }
}
