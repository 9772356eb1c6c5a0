package io.irqsim.hw.firmware;

/**
 * One {@code _PRT} package (ACPI 6.5, 6.2.13): interrupt pin {@code pin} (0 = INTA) of device
 * {@code device} on the bus the table belongs to is routed either to a GSI ({@code source} empty,
 * {@code sourceIndex} = the GSI) or to index {@code sourceIndex} of the link device named
 * {@code source}.
 *
 * @param device PCI device number (the address field's high word; the function word is 0xFFFF)
 * @param pin 0..3 = INTA..INTD
 * @param source link device name, or empty for a hard-wired GSI
 * @param sourceIndex the GSI, or the index into the link's resources
 */
public record PrtEntry(int device, int pin, String source, int sourceIndex) {

    /** Validates the fields. */
    public PrtEntry {
        if (device < 0 || device > 31) {
            throw new IllegalArgumentException("_PRT device " + device + " is not 0..31");
        }
        if (pin < 0 || pin > 3) {
            throw new IllegalArgumentException("_PRT pin " + pin + " is not 0..3 (INTA..INTD)");
        }
        source = source == null ? "" : source;
        if (sourceIndex < 0) {
            throw new IllegalArgumentException("_PRT source index " + sourceIndex + " is negative");
        }
    }

    /**
     * @param device device
     * @param pin 0..3
     * @param gsi GSI
     * @return a hard-wired entry
     */
    public static PrtEntry toGsi(final int device, final int pin, final int gsi) {
        return new PrtEntry(device, pin, "", gsi);
    }

    /**
     * @param device device
     * @param pin 0..3
     * @param link link device name
     * @return an entry routed through index 0 of a link device
     */
    public static PrtEntry toLink(final int device, final int pin, final String link) {
        return new PrtEntry(device, pin, link, 0);
    }

    /** @return whether the entry names a link device */
    public boolean isLink() {
        return !source.isEmpty();
    }

    /** @return the ACPI address field: device in the high word, 0xFFFF (any function) in the low */
    public int address() {
        return device << 16 | 0xFFFF;
    }
}
