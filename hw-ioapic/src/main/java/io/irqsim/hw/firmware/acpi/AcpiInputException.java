package io.irqsim.hw.firmware.acpi;

/**
 * Input irqsim cannot read as ACPI tables: a malformed {@code acpidump} line, a truncated table, a
 * MADT entry running past its table. The message names the table and the byte offset.
 */
public final class AcpiInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the table and the offset */
    public AcpiInputException(final String message) {
        super(message);
    }

    /**
     * @param table signature (and OEM table id when there are several)
     * @param offset byte offset in the table
     * @param what what is wrong there
     * @return the exception
     */
    public static AcpiInputException at(final String table, final int offset, final String what) {
        return new AcpiInputException(String.format("%s at offset 0x%x: %s", table, offset, what));
    }
}
