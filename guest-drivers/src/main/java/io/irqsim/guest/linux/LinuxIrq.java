package io.irqsim.guest.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * A Linux interrupt ({@code struct irq_desc} with the IO-APIC chip data or the Xen pirq), as the
 * models need it: which GSI and pin it is, its vector, its trigger/polarity, the handlers
 * requested on it, and what happened to its interrupts.
 */
public final class LinuxIrq {

    private final int irq;
    private final int gsi;
    private boolean level;
    private boolean activeLow;
    private int vector = -1;
    private int pirq = -1;
    private final List<IrqHandler> handlers = new ArrayList<>(1);
    private final List<String> names = new ArrayList<>(1);
    private boolean started;
    private long handled;
    private long unhandled;

    LinuxIrq(final int irq, final int gsi) {
        this.irq = irq;
        this.gsi = gsi;
    }

    /** @return the Linux irq number (what {@code /proc/interrupts} and sysfs show) */
    public int irq() {
        return irq;
    }

    /** @return the GSI */
    public int gsi() {
        return gsi;
    }

    /** @return level-triggered */
    public boolean isLevel() {
        return level;
    }

    /** @return active low */
    public boolean isActiveLow() {
        return activeLow;
    }

    void configure(final boolean newLevel, final boolean newActiveLow) {
        this.level = newLevel;
        this.activeLow = newActiveLow;
    }

    /** @return the vector (native IO-APIC path), or -1 */
    public int vector() {
        return vector;
    }

    void setVector(final int v) {
        this.vector = v;
    }

    /** @return the Xen pirq (PV path), or -1 */
    public int pirq() {
        return pirq;
    }

    void setPirq(final int p) {
        this.pirq = p;
    }

    /** @return handlers requested */
    public List<IrqHandler> handlers() {
        return handlers;
    }

    /** @return names given to {@code request_irq} */
    public List<String> names() {
        return names;
    }

    /** @return whether the irq was started (its line unmasked or event channel bound) */
    public boolean isStarted() {
        return started;
    }

    void setStarted(final boolean on) {
        this.started = on;
    }

    /** @return interrupts a handler claimed */
    public long handledCount() {
        return handled;
    }

    /**
     * @return interrupts no handler claimed: none was requested, or every one said "not mine"
     *     ({@code note_interrupt}'s unhandled count)
     */
    public long unhandledCount() {
        return unhandled;
    }

    /**
     * Records how one interrupt went ({@code handle_irq_event} + {@code note_interrupt}).
     *
     * @param claimed whether a handler claimed it
     */
    void record(final boolean claimed) {
        if (claimed) {
            handled++;
        } else {
            unhandled++;
        }
    }

    @Override
    public String toString() {
        return "irq " + irq + " (GSI " + gsi + ", " + (level ? "level" : "edge") + "/" + (activeLow ? "low" : "high")
            + (vector >= 0 ? String.format(", vector 0x%02x", vector) : "") + (pirq >= 0 ? ", pirq " + pirq : "") + ")";
    }
}
