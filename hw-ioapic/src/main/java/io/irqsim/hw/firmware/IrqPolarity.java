package io.irqsim.hw.firmware;

/** Interrupt polarity as ACPI resource descriptors and MADT flags describe it. */
public enum IrqPolarity {
    /** Active high. */
    ACTIVE_HIGH,
    /** Active low. */
    ACTIVE_LOW;

    /** @return Xen's encoding ({@code PHYSDEVOP_setup_gsi}): 0 active high, 1 active low; also RTE bit 13 */
    public int xenEncoding() {
        return this == ACTIVE_LOW ? 1 : 0;
    }

    /** @param low RTE bit 13 / Xen encoding @return the polarity */
    public static IrqPolarity ofLow(final boolean low) {
        return low ? ACTIVE_LOW : ACTIVE_HIGH;
    }

    /** @return {@code "high"} or {@code "low"}, as used in scenario files and output */
    public String label() {
        return this == ACTIVE_LOW ? "low" : "high";
    }
}
