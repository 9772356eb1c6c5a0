package io.irqsim.hw.firmware;

/**
 * MADT Interrupt Source Override (ACPI 6.5, 5.2.12.5): ISA IRQ {@code source} is GSI {@code gsi},
 * with MPS INTI flags: bits 1:0 polarity (00 conforms to the bus, 01 active high, 11 active low),
 * bits 3:2 trigger (00 conforms, 01 edge, 11 level). ISA conforms to edge / active high.
 *
 * @param bus 0 (ISA)
 * @param source ISA IRQ
 * @param gsi global system interrupt
 * @param flags MPS INTI flags
 */
public record InterruptSourceOverride(int bus, int source, int gsi, int flags) {

    /** Polarity / trigger "conforms to the bus". */
    public static final int CONFORMS = 0;
    /** Polarity bits 01: active high. */
    public static final int POLARITY_HIGH = 1;
    /** Polarity bits 11: active low. */
    public static final int POLARITY_LOW = 3;
    /** Trigger bits 01: edge. */
    public static final int TRIGGER_EDGE = 1 << 2;
    /** Trigger bits 11: level. */
    public static final int TRIGGER_LEVEL = 3 << 2;

    /**
     * @param source ISA IRQ
     * @param gsi GSI
     * @param trigger trigger, or {@code null} to conform
     * @param polarity polarity, or {@code null} to conform
     * @return the override
     */
    public static InterruptSourceOverride of(final int source, final int gsi, final IrqTrigger trigger,
                                             final IrqPolarity polarity) {
        int flags = 0;
        if (polarity != null) {
            flags |= polarity == IrqPolarity.ACTIVE_LOW ? POLARITY_LOW : POLARITY_HIGH;
        }
        if (trigger != null) {
            flags |= trigger == IrqTrigger.LEVEL ? TRIGGER_LEVEL : TRIGGER_EDGE;
        }
        return new InterruptSourceOverride(0, source, gsi, flags);
    }

    /** @return the trigger mode, ISA's edge when the flags conform */
    public IrqTrigger trigger() {
        return ((flags >>> 2) & 3) == 3 ? IrqTrigger.LEVEL : IrqTrigger.EDGE;
    }

    /** @return the polarity, ISA's active high when the flags conform */
    public IrqPolarity polarity() {
        return (flags & 3) == 3 ? IrqPolarity.ACTIVE_LOW : IrqPolarity.ACTIVE_HIGH;
    }
}
