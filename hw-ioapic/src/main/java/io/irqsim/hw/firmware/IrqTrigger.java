package io.irqsim.hw.firmware;

/** Interrupt trigger mode as ACPI resource descriptors and MADT flags describe it. */
public enum IrqTrigger {
    /** Edge-triggered. */
    EDGE,
    /** Level-triggered. */
    LEVEL;

    /** @return Xen's encoding ({@code PHYSDEVOP_setup_gsi}, {@code mp_register_gsi}): 0 edge, 1 level; also RTE bit 15 */
    public int xenEncoding() {
        return this == LEVEL ? 1 : 0;
    }

    /** @param level RTE bit 15 / Xen encoding @return the trigger mode */
    public static IrqTrigger ofLevel(final boolean level) {
        return level ? LEVEL : EDGE;
    }

    /** @return lower-case name as used in scenario files and output */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
