package io.irqsim.hw.firmware.acpi;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code acpidump} text reader and the binary ({@code acpixtract}) reader. */
class AcpiDumpReaderTest {

    /** A 36-byte header-only table with a correct checksum. */
    static byte[] table(final String sig, final int length, final byte... body) {
        final byte[] t = new byte[length];
        System.arraycopy(sig.getBytes(StandardCharsets.US_ASCII), 0, t, 0, 4);
        t[4] = (byte) length;
        t[5] = (byte) (length >>> 8);
        t[8] = 2;
        System.arraycopy("IRQSIMTESTTBL".getBytes(StandardCharsets.US_ASCII), 0, t, 10, 13);
        System.arraycopy(body, 0, t, 36, body.length);
        int sum = 0;
        for (final byte b : t) {
            sum += b;
        }
        t[9] = (byte) -sum;
        return t;
    }

    /** @return the bytes as acpidump prints them */
    static String dump(final String sig, final byte[] t) {
        final StringBuilder sb = new StringBuilder(sig + " @ 0x0000000000000000\n");
        for (int off = 0; off < t.length; off += 16) {
            sb.append(String.format("    %04X:", off));
            final StringBuilder ascii = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                if (off + i < t.length) {
                    sb.append(String.format(" %02X", t[off + i] & 0xFF));
                    final char c = (char) (t[off + i] & 0xFF);
                    ascii.append(c >= 0x20 && c < 0x7F ? c : '.');
                } else {
                    sb.append("   ");
                }
            }
            sb.append("  ").append(ascii).append('\n');
        }
        return sb.append('\n').toString();
    }

    @Test
    void textDumpWithSeveralTablesAndAnAsciiColumnThatLooksLikeHex() {
        final byte[] a = table("SSDT", 40, (byte) 0x41, (byte) 0x42, (byte) 0x20, (byte) 0x43);
        final byte[] b = table("APIC", 44);
        final String text = "\nbanner line from a wrapper script\n" + dump("SSDT", a) + dump("APIC", b);
        final AcpiDumpReader.Result r = AcpiDumpReader.parse(text.getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("SSDT", "APIC"), r.tables().stream().map(AcpiTable::signature).toList());
        assertArrayEquals(a, r.tables().get(0).bytes());
        assertArrayEquals(b, r.tables().get(1).bytes());
        assertTrue(r.warnings().isEmpty());
    }

    @Test
    void binaryTablesBackToBack() {
        final byte[] a = table("DSDT", 36);
        final byte[] b = table("SSDT", 38);
        final byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        final AcpiDumpReader.Result r = AcpiDumpReader.parse(both);
        assertEquals(List.of("DSDT", "SSDT"), r.tables().stream().map(AcpiTable::signature).toList());
    }

    @Test
    void badChecksumIsAWarningNamingTheTable() {
        final byte[] t = table("APIC", 44);
        t[40] ^= 1;
        final AcpiDumpReader.Result r = AcpiDumpReader.parse(dump("APIC", t).getBytes(StandardCharsets.US_ASCII));
        assertEquals(1, r.tables().size());
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).startsWith("APIC (TESTTBL): checksum"), r.warnings().get(0));
    }

    @Test
    void truncatedTableNamesTableAndOffset() {
        final String text = dump("FACP", table("FACP", 120));
        final String cut = text.substring(0, text.indexOf("    0040:"));
        final AcpiInputException e = assertThrows(AcpiInputException.class,
            () -> AcpiDumpReader.parse(cut.getBytes(StandardCharsets.US_ASCII)));
        assertEquals("FACP at offset 0x40: truncated: the header says 120 bytes, the dump has 64", e.getMessage());
    }

    @Test
    void missingLineNamesTheOffsetExpected() {
        final String text = dump("FACP", table("FACP", 120));
        final String gap = text.replaceFirst("    0020:[^\\n]*\\n", "");
        final AcpiInputException e = assertThrows(AcpiInputException.class,
            () -> AcpiDumpReader.parse(gap.getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().startsWith("FACP at offset 0x20: line 4 starts at offset 0x30, expected 0x20"),
            e.getMessage());
    }

    @Test
    void malformedHexByte() {
        final String text = dump("APIC", table("APIC", 44)).replaceFirst("0010: ([0-9A-F]{2})", "0010: ZZ");
        final AcpiInputException e = assertThrows(AcpiInputException.class,
            () -> AcpiDumpReader.parse(text.getBytes(StandardCharsets.US_ASCII)));
        assertEquals("APIC at offset 0x10: line 3: 'ZZ' is not a hex byte", e.getMessage());
    }

    @Test
    void binaryTableShorterThanItsLengthIsTruncatedNotAText() {
        final byte[] t = table("DSDT", 36);
        t[4] = 100;
        final AcpiInputException e = assertThrows(AcpiInputException.class, () -> AcpiDumpReader.parse(t));
        assertTrue(e.getMessage().startsWith("no ACPI table found"), e.getMessage());
    }

    @Test
    void nothingThatLooksLikeTablesIsAnError() {
        assertThrows(AcpiInputException.class, () -> AcpiDumpReader.parse("hello\n".getBytes(StandardCharsets.US_ASCII)));
    }

    // a missing file and a file of garbage name the file once, with the reason
    @Test
    void aFileThatCannotBeReadOrHoldsNoTableIsNamedWithTheReason(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws java.io.IOException {
        final java.nio.file.Path missing = dir.resolve("nosuch.acpi");
        assertEquals(missing + ": cannot read the file: no such file",
            assertThrows(AcpiInputException.class, () -> AcpiDumpReader.read(missing)).getMessage());
        final java.nio.file.Path garbage = java.nio.file.Files.writeString(dir.resolve("garbage.acpi"), "hello\n");
        assertTrue(assertThrows(AcpiInputException.class, () -> AcpiDumpReader.read(garbage)).getMessage()
            .startsWith(garbage + ": no ACPI table found"));
    }

    // an error found after the tables are read (here: no MADT) names the file as well
    @Test
    void aDumpWithoutAMadtNamesTheFile(@org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir)
        throws java.io.IOException {
        final java.nio.file.Path f = java.nio.file.Files.writeString(dir.resolve("noapic.acpi"),
            dump("DSDT", table("DSDT", 36)));
        assertTrue(assertThrows(AcpiInputException.class, () -> AcpiFirmware.read(f, java.util.Map.of(), java.util.Map.of()))
            .getMessage().startsWith(f + ": the dump has no MADT"));
    }
}
