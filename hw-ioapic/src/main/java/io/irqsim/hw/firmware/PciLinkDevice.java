package io.irqsim.hw.firmware;

import java.util.List;

/**
 * A PCI interrupt link device (ACPI 6.5, 6.2.13.1; {@code PNP0C0F}), e.g. {@code LNKA}: a
 * programmable router between a PCI interrupt line and an interrupt input, described by
 * {@code _PRS} (possible interrupts, with one trigger/polarity/sharing description for all),
 * {@code _CRS} (current setting, 0 = disabled), {@code _SRS} (choose one) and {@code _DIS}.
 *
 * <p>It is firmware: what the AML says. Whether the interrupt it reports is where the line really
 * goes is the platform's real wiring, which can disagree.
 */
public final class PciLinkDevice {

    private final String name;
    private final List<Integer> possible;
    private final IrqTrigger trigger;
    private final IrqPolarity polarity;
    private final boolean shareable;
    private final boolean extended;
    private final int initialIrq;
    private int current;
    private int srsCalls;

    /**
     * @param name ACPI name, e.g. {@code "LNKA"}
     * @param possible {@code _PRS} interrupts, in descriptor order
     * @param trigger trigger mode the descriptor gives
     * @param polarity polarity the descriptor gives
     * @param shareable the descriptor's sharing flag
     * @param extended {@code true} for an Extended Interrupt descriptor (GSIs), {@code false} for an IRQ descriptor (ISA IRQs 0..15)
     * @param current initial {@code _CRS} interrupt, 0 = disabled
     */
    public PciLinkDevice(final String name, final List<Integer> possible, final IrqTrigger trigger,
                         final IrqPolarity polarity, final boolean shareable, final boolean extended,
                         final int current) {
        if (name == null || name.isEmpty() || name.length() > 4) {
            throw new IllegalArgumentException("link device name '" + name + "' must be 1..4 characters");
        }
        if (possible.isEmpty()) {
            throw new IllegalArgumentException(name + ": _PRS lists no interrupt");
        }
        for (final int irq : possible) {
            if (irq < 0 || (!extended && irq > 15)) {
                throw new IllegalArgumentException(name + ": _PRS interrupt " + irq
                    + (extended ? " is negative" : " does not fit an IRQ descriptor (0..15); use an extended descriptor"));
            }
        }
        if (current != 0 && !possible.contains(current)) {
            throw new IllegalArgumentException(name + ": _CRS " + current + " is not in _PRS " + possible);
        }
        this.name = name;
        this.possible = List.copyOf(possible);
        this.trigger = trigger;
        this.polarity = polarity;
        this.shareable = shareable;
        this.extended = extended;
        this.initialIrq = current;
        this.current = current;
    }

    /** @return the ACPI name */
    public String name() {
        return name;
    }

    /** @return {@code _PRS}: the possible interrupts */
    public List<Integer> prs() {
        return possible;
    }

    /** @return {@code _CRS}: the current interrupt, 0 if disabled */
    public int crs() {
        return current;
    }

    /**
     * {@code _SRS}: selects an interrupt.
     *
     * @param irq the interrupt
     * @return {@code false} (and no change) if {@code irq} is not in {@code _PRS}
     */
    public boolean srs(final int irq) {
        if (!possible.contains(irq)) {
            return false;
        }
        current = irq;
        srsCalls++;
        return true;
    }

    /** {@code _DIS}: disables the link. */
    public void dis() {
        current = 0;
    }

    /** Restores the boot-time {@code _CRS}. */
    public void reset() {
        current = initialIrq;
        srsCalls = 0;
    }

    /** @return how many times {@code _SRS} succeeded */
    public int srsCalls() {
        return srsCalls;
    }

    /** @return trigger mode from the resource descriptor */
    public IrqTrigger trigger() {
        return trigger;
    }

    /** @return polarity from the resource descriptor */
    public IrqPolarity polarity() {
        return polarity;
    }

    /** @return whether the descriptor says shareable */
    public boolean shareable() {
        return shareable;
    }

    /** @return whether the descriptor is an Extended Interrupt descriptor */
    public boolean extended() {
        return extended;
    }

    @Override
    public String toString() {
        return name + " _PRS=" + possible + " _CRS=" + current + " " + trigger.label() + "/" + polarity.label()
            + (shareable ? " shared" : "");
    }
}
