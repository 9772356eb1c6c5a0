package io.irqsim.hw.firmware.acpi;

import java.nio.charset.StandardCharsets;

/**
 * One ACPI table: the 36-byte System Description Table Header (ACPI 6.5, 5.2.6) and its body.
 * {@code FACS} and the {@code RSDP} do not carry that header; they are kept by signature only.
 *
 * @param signature four characters, e.g. {@code "APIC"} for the MADT
 * @param bytes the whole table, header included
 */
public record AcpiTable(String signature, byte[] bytes) {

    /** Size of the standard header. */
    public static final int HEADER_LENGTH = 36;

    /** @return whether the table has the standard header (everything but FACS and the RSDP) */
    public boolean hasHeader() {
        return !"FACS".equals(signature) && !"RSDP".equals(signature) && !signature.startsWith("RSD");
    }

    /** @return the header's revision byte (DSDT revision &lt; 2 means 32-bit AML integers) */
    public int revision() {
        return bytes.length > 8 ? bytes[8] & 0xFF : 0;
    }

    /** @return the OEM table id, trailing blanks removed */
    public String oemTableId() {
        return bytes.length >= 24 ? new String(bytes, 16, 8, StandardCharsets.ISO_8859_1).trim() : "";
    }

    /** @return the signature with the OEM table id, e.g. {@code "SSDT (CpuPm)"}, for messages */
    public String label() {
        final String id = oemTableId();
        return id.isEmpty() || !hasHeader() ? signature : signature + " (" + id.replaceAll("[^\\x20-\\x7e]", "?") + ")";
    }

    /** @return whether the bytes sum to zero modulo 256 (ACPI 6.5, 5.2.6: the checksum field) */
    public boolean checksumValid() {
        int sum = 0;
        for (final byte b : bytes) {
            sum += b;
        }
        return (sum & 0xFF) == 0;
    }

    /**
     * @param offset byte offset
     * @param width 1, 2, 4 or 8
     * @param what field name, for the error
     * @return the little-endian unsigned value
     * @throws AcpiInputException if the field runs past the table
     */
    public long read(final int offset, final int width, final String what) {
        if (offset < 0 || offset + width > bytes.length) {
            throw AcpiInputException.at(label(), offset, what + " (" + width + " bytes) runs past the end of the "
                + bytes.length + "-byte table");
        }
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = v << 8 | (bytes[offset + i] & 0xFF);
        }
        return v;
    }
}
