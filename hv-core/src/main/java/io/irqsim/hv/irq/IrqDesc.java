package io.irqsim.hv.irq;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.time.Timer;

/**
 * A Xen IRQ descriptor ({@code struct irq_desc} with its {@code irq_guest_action_t}): the
 * controller handling it, its vector, its IO-APIC pin, and the guests bound to it.
 */
public final class IrqDesc {

    /** Most guests that can share one IRQ ({@code irq_max_guests} default). */
    public static final int MAX_GUESTS = 32;

    private final int irq;
    private HandlerType handler = HandlerType.NONE;
    private int vector = -1;
    private int ioapic = -1;
    private int pin = -1;
    private boolean disabled = true;
    /**
     * {@code IRQ_PENDING}: set by {@code do_IRQ} for an interrupt that found no {@code IRQ_GUEST}
     * ({@code xen/arch/x86/irq.c@RELEASE-4.20.0}); only a Xen-internal handler's loop clears it,
     * and irqsim has none, so it stays set.
     */
    boolean irqPending;
    private boolean guest;
    /**
     * The name of Xen's own {@code struct irqaction} on the descriptor ({@code desc->action} without
     * {@code IRQ_GUEST}), or {@code null}: in irqsim only IRQ 0's "timer"
     * ({@code xen/arch/x86/time.c:early_time_init@RELEASE-4.20.0}).
     */
    private String xenAction;
    /** The function of that action ({@code desc->action->handler}, which {@code dump_irqs} prints), or {@code null}. */
    private String xenHandler;

    // guest action
    private final Domain[] guests = new Domain[MAX_GUESTS];
    private int nrGuests;
    private int inFlight;
    private boolean shareable;
    private AckType ackType = AckType.NONE;
    private int ackCpu = -1;
    private Timer eoiTimer;
    /** {@code desc->arch.creator_domid}: the domain {@code create_irq} granted the IRQ to, or {@code null}. */
    private Domain creator;

    // irq_ratelimit (struct irq_desc rl_cnt, rl_quantum_start, rl_link)
    int rlCnt;
    long rlQuantumStart;
    boolean rlListed;
    IrqDesc rlNext;

    IrqDesc(final int irq) {
        this.irq = irq;
    }

    /** @return the Xen IRQ number */
    public int irq() {
        return irq;
    }

    /**
     * @return the domain {@code create_irq} granted this dynamic IRQ to ({@code creator_domid}), whose
     *     access {@code destroy_irq} takes away again; {@code null} for none
     */
    public Domain creator() {
        return creator;
    }

    void setCreator(final Domain d) {
        creator = d;
    }

    /** @return the controller */
    public HandlerType handler() {
        return handler;
    }

    void setHandler(final HandlerType handler) {
        this.handler = handler;
    }

    /** @return the vector, or -1 if none is assigned */
    public int vector() {
        return vector;
    }

    void setVector(final int vector) {
        this.vector = vector;
    }

    /** @return IO-APIC index of its pin, or -1 */
    public int ioapic() {
        return ioapic;
    }

    /** @return IO-APIC pin, or -1 */
    public int pin() {
        return pin;
    }

    void setPin(final int ioapicIndex, final int ioapicPin) {
        this.ioapic = ioapicIndex;
        this.pin = ioapicPin;
    }

    /** @return {@code IRQ_DISABLED} */
    public boolean isDisabled() {
        return disabled;
    }

    void setDisabled(final boolean disabled) {
        this.disabled = disabled;
    }

    /**
     * @return the name of Xen's own action on this IRQ ({@code desc->action->name}, e.g. "timer"), or
     *     {@code null} if Xen has none (an IRQ free for guests, or bound to them)
     */
    public String xenAction() {
        return xenAction;
    }

    /** @return the function of Xen's own action ({@code timer_interrupt} for IRQ 0), or {@code null} */
    public String xenHandler() {
        return xenHandler;
    }

    void setXenAction(final String name, final String handlerFunction) {
        this.xenAction = name;
        this.xenHandler = handlerFunction;
    }

    /** @return {@code IRQ_GUEST}: bound to guests */
    public boolean isGuest() {
        return guest;
    }

    void setGuest(final boolean guest) {
        this.guest = guest;
    }

    /** @return guests bound */
    public int nrGuests() {
        return nrGuests;
    }

    /**
     * @param i index below {@link #nrGuests()}
     * @return that guest
     */
    public Domain guest(final int i) {
        return guests[i];
    }

    boolean isBound(final Domain d) {
        for (int i = 0; i < nrGuests; i++) {
            if (guests[i] == d) {
                return true;
            }
        }
        return false;
    }

    void addGuest(final Domain d) {
        guests[nrGuests++] = d;
    }

    void removeGuest(final Domain d) {
        for (int i = 0; i < nrGuests; i++) {
            if (guests[i] == d) {
                System.arraycopy(guests, i + 1, guests, i, nrGuests - i - 1);
                guests[--nrGuests] = null;
                return;
            }
        }
    }

    /** @return guests that have not yet EOI'd the interrupt in flight */
    public int inFlight() {
        return inFlight;
    }

    void setInFlight(final int inFlight) {
        this.inFlight = inFlight;
    }

    /** @return whether more than one guest may bind */
    public boolean isShareable() {
        return shareable;
    }

    void setShareable(final boolean shareable) {
        this.shareable = shareable;
    }

    /** @return how guest EOIs complete the IRQ */
    public AckType ackType() {
        return ackType;
    }

    void setAckType(final AckType ackType) {
        this.ackType = ackType;
    }

    /** @return CPU whose LAPIC EOI is deferred (new ack mode), or -1 */
    int ackCpu() {
        return ackCpu;
    }

    void setAckCpu(final int cpu) {
        this.ackCpu = cpu;
    }

    Timer eoiTimer() {
        return eoiTimer;
    }

    void setEoiTimer(final Timer timer) {
        this.eoiTimer = timer;
    }

    /** @return whether {@code irq_ratelimit} has this IRQ disabled until its timer ({@code rl_link} on the list) */
    public boolean isRateLimited() {
        return rlListed;
    }

    @Override
    public String toString() {
        return String.format("irq %d: %s vector %s pin %s%s%s%s guests=%d inflight=%d ack=%s", irq, handler.label(),
            vector < 0 ? "-" : String.format("0x%02x", vector), pin < 0 ? "-" : ioapic + "/" + pin,
            disabled ? " disabled" : "", guest ? " guest" : "", xenAction == null ? "" : " action=" + xenAction,
            nrGuests, inFlight, ackType);
    }
}
