package io.irqsim.guest.linux;

import io.irqsim.hw.pci.PciFunction;

import java.util.ArrayList;
import java.util.List;

/**
 * A Linux interrupt ({@code struct irq_desc} with the IO-APIC chip data or the Xen pirq), as the
 * models need it: which GSI and pin it is, its vector, its trigger/polarity, the routing entry the
 * IO-APIC driver keeps for it ({@code struct mp_chip_data}: {@code entry}, {@code count}), the
 * handlers requested on it, its masked / disabled state, and {@code note_interrupt}'s counters.
 */
public final class LinuxIrq {

    /** {@code note_interrupt}: interrupts per detection window (kernel/irq/spurious.c@v6.12). */
    public static final int SPURIOUS_WINDOW = 100_000;
    /** {@code note_interrupt}: more unhandled than this in a window disables the irq. */
    public static final int SPURIOUS_LIMIT = 99_900;
    /** {@code note_interrupt}: an unhandled interrupt this long after the last one restarts the count ({@code HZ/10}). */
    public static final long UNHANDLED_AGING_NS = 100_000_000L;

    private final int irq;
    private final int gsi;
    private boolean level;
    private boolean activeLow;
    private int vector = -1;
    private int pirq = -1;
    private boolean pirqNeedsEoi;
    private final List<IrqHandler> handlers = new ArrayList<>(1);
    private final List<String> names = new ArrayList<>(1);
    private boolean started;
    private boolean evtchnBound;
    private long handled;
    private long unhandled;
    private long entry;
    private boolean activated;
    private boolean masked = true;
    private boolean spuriousDisabled;
    private int depth;
    private int count;
    private int irqCount;
    private int irqsUnhandled;
    private long lastUnhandledNs = Long.MIN_VALUE;
    private long maskedWithoutAction;
    /** {@code IRQS_PENDING}: the flow handler found it with no action or disabled (kernel/irq/chip.c). */
    private boolean pending;
    private boolean msi;
    private long msixEntry = -1;
    private PciFunction msiMaskFunction;
    private int msiMaskPos = -1;
    private int msiMaskBits;

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

    /** @return whether it is a PCI MSI irq (no GSI, no IO-APIC pin) */
    public boolean isMsi() {
        return msi;
    }

    /**
     * @return whether it is an MSI the kernel's own vector domain set up (no pirq): its chip is the
     *     PCI-MSI one ({@link PciMsi#mask}, {@link PciMsi#unmask}), not the back end's
     */
    public boolean isNativeMsi() {
        return msi && pirq < 0;
    }

    void setMsi() {
        this.msi = true;
    }

    /** @return the guest-physical address of its MSI-X table entry, -1 if it is not an MSI-X irq */
    public long msixEntry() {
        return msixEntry;
    }

    void setMsixEntry(final long gpa) {
        this.msixEntry = gpa;
    }

    /** @return the function whose MSI mask register masks this irq, or null (no per-vector mask, or Xen's) */
    PciFunction msiMaskFunction() {
        return msiMaskFunction;
    }

    /** @return {@code desc->pci.mask_pos}, -1 if none */
    int msiMaskPos() {
        return msiMaskPos;
    }

    /** @return {@code desc->pci.msi_mask} as written at set-up */
    int msiMaskBits() {
        return msiMaskBits;
    }

    void setMsiMask(final PciFunction f, final int pos, final int bits) {
        this.msiMaskFunction = f;
        this.msiMaskPos = pos;
        this.msiMaskBits = bits;
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

    /**
     * @return {@code PIRQ_NEEDS_EOI} in the irq's {@code u.pirq.flags}, as {@code pirq_query_unmask}
     *     (drivers/xen/events/events_base.c@v6.12) last copied it from Xen's {@code XENIRQSTAT_needs_eoi}
     */
    public boolean pirqNeedsEoi() {
        return pirqNeedsEoi;
    }

    void setPirqNeedsEoi(final boolean needsEoi) {
        this.pirqNeedsEoi = needsEoi;
    }

    /** @return handlers requested */
    public List<IrqHandler> handlers() {
        return handlers;
    }

    /** @return names given to {@code request_irq} */
    public List<String> names() {
        return names;
    }

    /**
     * @return whether the irq was started ({@code IRQD_IRQ_STARTED}: set by {@code __irq_startup}
     *     whatever the chip's startup did, cleared by {@code irq_shutdown})
     */
    public boolean isStarted() {
        return started;
    }

    void setStarted(final boolean on) {
        this.started = on;
    }

    /**
     * @return whether a Xen pirq irq has an event channel ({@code VALID_EVTCHN(info->evtchn)}): bound
     *     by {@code __startup_pirq}, closed by {@code shutdown_pirq}; a started pirq whose bind failed
     *     has none
     */
    public boolean isEvtchnBound() {
        return evtchnBound;
    }

    void setEvtchnBound(final boolean on) {
        this.evtchnBound = on;
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

    /**
     * @return the routing entry the IO-APIC driver keeps ({@code mp_chip_data.entry}): prepared by
     *     {@code mp_preconfigure_entry} at allocation (vector 0, destination 0), completed with the
     *     vector and destination at activation
     */
    public long entry() {
        return entry;
    }

    void setEntry(final long rte) {
        this.entry = rte;
    }

    /** @return whether {@code irq_domain_activate_irq} ran ({@code request_irq}): vector assigned, entry written */
    public boolean isActivated() {
        return activated;
    }

    void setActivated(final boolean on) {
        this.activated = on;
    }

    /** @return {@code IRQD_IRQ_MASKED}: set from allocation ({@code desc_set_defaults}) until an unmask */
    public boolean isMasked() {
        return masked;
    }

    void setMasked(final boolean on) {
        this.masked = on;
    }

    /**
     * @return whether the flow handler treats the irq as disabled ({@code irqd_irq_disabled}): not
     *     started yet, or disabled ({@code disable_irq}, or {@code note_interrupt}'s "nobody cared")
     *     and not enabled again
     */
    public boolean isDisabled() {
        return !started || depth > 0;
    }

    /**
     * @return {@code desc->depth} (kernel/irq/manage.c@v6.12): nested {@code disable_irq} calls not
     *     yet undone by {@code enable_irq}; {@code note_interrupt}'s disable and {@code irq_shutdown}
     *     count one too, {@code irq_startup} sets it to 0
     */
    public int disableDepth() {
        return depth;
    }

    void setDisableDepth(final int d) {
        this.depth = d;
    }

    /** @return whether {@code note_interrupt} disabled the irq ({@code IRQS_SPURIOUS_DISABLED}) */
    public boolean isSpuriousDisabled() {
        return spuriousDisabled;
    }

    /** @return {@code mp_chip_data.count}: how many {@code acpi_register_gsi} calls hold the irq */
    public int mapCount() {
        return count;
    }

    void setMapCount(final int n) {
        this.count = n;
    }

    /**
     * @return interrupts the flow handler took with no action or while disabled: it masked the
     *     line and EOI'd ({@code handle_fasteoi_irq}, {@code handle_edge_irq}), running no handler
     */
    public long maskedWithoutActionCount() {
        return maskedWithoutAction;
    }

    void recordMaskedWithoutAction() {
        maskedWithoutAction++;
        unhandled++;
    }

    /** @return {@code IRQS_PENDING}: an interrupt the flow handler masked and did not run */
    public boolean isPending() {
        return pending;
    }

    void setPending(final boolean newPending) {
        pending = newPending;
    }

    /**
     * {@code note_interrupt} (kernel/irq/spurious.c@v6.12), the part that decides whether Linux
     * gives up on an irq: an unhandled interrupt more than {@code HZ/10} after the previous
     * unhandled one restarts the unhandled count at 1; every interrupt counts towards a window of
     * 100,000; at the end of a window more than 99,900 unhandled ones disable the irq ("nobody
     * cared", {@code IRQS_SPURIOUS_DISABLED}, {@code irq_disable}); the counts then restart. The
     * {@code irqpoll}/{@code irqfixup} polling and threaded-handler accounting are not modelled.
     *
     * @param claimed whether a handler returned {@code IRQ_HANDLED}
     * @param nowNs virtual time
     * @return whether this interrupt made Linux disable the irq
     */
    boolean noteInterrupt(final boolean claimed, final long nowNs) {
        if (!claimed) {
            if (lastUnhandledNs == Long.MIN_VALUE || nowNs - lastUnhandledNs > UNHANDLED_AGING_NS) {
                irqsUnhandled = 1;
            } else {
                irqsUnhandled++;
            }
            lastUnhandledNs = nowNs;
        }
        if (++irqCount < SPURIOUS_WINDOW) {
            return false;
        }
        irqCount = 0;
        final boolean stuck = irqsUnhandled > SPURIOUS_LIMIT;
        if (stuck) {
            spuriousDisabled = true;
            depth++; // note_interrupt (spurious.c): desc->depth++, then irq_disable
        }
        irqsUnhandled = 0;
        return stuck;
    }

    @Override
    public String toString() {
        return "irq " + irq + (msi ? " (PCI-MSI, " : " (GSI " + gsi + ", ") + (level ? "level" : "edge") + "/" + (activeLow ? "low" : "high")
            + (vector >= 0 ? String.format(", vector 0x%02x", vector) : "") + (pirq >= 0 ? ", pirq " + pirq : "") + ")";
    }
}
