package io.irqsim.hw.pci;

/**
 * A PCI bus/device/function address in segment 0, written {@code BB:DD.F} (hex) as Linux and Xen print it.
 *
 * @param bus bus number 0..255
 * @param device device (slot) number 0..31
 * @param function function number 0..7
 */
public record Bdf(int bus, int device, int function) implements Comparable<Bdf> {

    /**
     * @throws IllegalArgumentException if a field is out of range
     */
    public Bdf {
        if (bus < 0 || bus > 0xFF || device < 0 || device > 0x1F || function < 0 || function > 7) {
            throw new IllegalArgumentException(String.format(
                "invalid PCI address bus=%d device=%d function=%d (bus 0..255, device 0..31, function 0..7)",
                bus, device, function));
        }
    }

    /**
     * Parses {@code BB:DD.F} or {@code SSSS:BB:DD.F} (segment must be 0).
     *
     * @param text the address
     * @return the BDF
     * @throws IllegalArgumentException with the reason if the text is not a PCI address
     */
    public static Bdf parse(final String text) {
        if (text == null) {
            throw new IllegalArgumentException("PCI address missing");
        }
        String s = text.trim();
        final String[] parts = s.split(":");
        if (parts.length == 3) {
            final int segment;
            try {
                segment = Integer.parseInt(parts[0], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text
                    + "' is not a PCI address: fields must be hex, e.g. 0000:00:03.0", e);
            }
            if (segment != 0) {
                throw new IllegalArgumentException("'" + text + "': only PCI segment 0 is modelled");
            }
            s = parts[1] + ":" + parts[2];
        } else if (parts.length != 2) {
            throw new IllegalArgumentException("'" + text + "' is not a PCI address: expected BB:DD.F, e.g. 00:03.0");
        }
        final int colon = s.indexOf(':');
        final int dot = s.indexOf('.', colon);
        if (colon < 1 || dot < colon + 2 || dot == s.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not a PCI address: expected BB:DD.F, e.g. 00:03.0");
        }
        try {
            return new Bdf(Integer.parseInt(s.substring(0, colon), 16),
                Integer.parseInt(s.substring(colon + 1, dot), 16),
                Integer.parseInt(s.substring(dot + 1), 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a PCI address: fields must be hex, e.g. 00:03.0", e);
        }
    }

    /**
     * @param sbdf Linux/Xen SBDF encoding: segment 31:16, bus 15:8, device 7:3, function 2:0
     * @return the BDF (segment must be 0)
     */
    public static Bdf fromSbdf(final int sbdf) {
        if ((sbdf >>> 16) != 0) {
            throw new IllegalArgumentException(String.format("SBDF 0x%x: only PCI segment 0 is modelled", sbdf));
        }
        return new Bdf((sbdf >>> 8) & 0xFF, (sbdf >>> 3) & 0x1F, sbdf & 7);
    }

    /** @return the SBDF / devfn encoding {@code bus << 8 | device << 3 | function} */
    public int sbdf() {
        return bus << 8 | device << 3 | function;
    }

    /** @return {@code device << 3 | function} */
    public int devfn() {
        return device << 3 | function;
    }

    @Override
    public int compareTo(final Bdf o) {
        return Integer.compare(sbdf(), o.sbdf());
    }

    @Override
    public String toString() {
        return String.format("%02x:%02x.%x", bus, device, function);
    }
}
