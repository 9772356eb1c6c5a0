package io.irqsim.hw.wire;

/**
 * The electrical behaviour of an interrupt line.
 */
public enum WireKind {

    /**
     * A PCI INTx line: shared, open-drain, active-low. A pull-up holds it high; any device that
     * asserts its INTx output pulls it low (PCI Local Bus Specification 2.2.6, "Interrupt Pins").
     */
    PCI_INTX,

    /**
     * An ISA IRQ line: driven active-high by one device.
     */
    ISA;

    /**
     * Electrical level of the line given how many drivers assert it.
     *
     * @param asserting drivers asserting the line
     * @return {@code true} for electrically high
     */
    public boolean electricalHigh(final int asserting) {
        return this == PCI_INTX ? asserting == 0 : asserting > 0;
    }
}
