package io.irqsim.hw.firmware.acpi;

/**
 * AML the interpreter cannot parse or evaluate; the message names the table and the byte offset.
 * Caught by whoever started the evaluation: it becomes a warning, never a crash.
 */
public final class AmlException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message names the table and offset */
    public AmlException(final String message) {
        super(message);
    }
}
