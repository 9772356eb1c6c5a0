package io.irqsim.hv.domain;

/**
 * The guest code running in a domain, as the hypervisor sees it: something it injects
 * interrupts into. Implemented by the guest-driver models (Linux dom0, an HVM domU kernel).
 *
 * <p>Called on the machine thread. The guest reacts by accessing its devices and vLAPIC through
 * {@link Vcpu#mmioRead} / {@link Vcpu#mmioWrite} and by making hypercalls; those calls do not
 * nest interrupts (an interrupt raised meanwhile is injected after this call returns).
 */
public interface GuestKernel {

    /**
     * An HVM or PVH vCPU takes an external interrupt: the vector has been acknowledged from the
     * vLAPIC's IRR into its ISR, as at VM entry; the guest's handler runs and should EOI.
     *
     * @param vcpu the vCPU
     * @param vector the vector
     */
    default void interrupt(final Vcpu vcpu, final int vector) {
    }

    /**
     * A PV guest's event channel for a pirq fired ({@code send_guest_pirq}).
     *
     * @param vcpu the vCPU notified
     * @param pirq the pirq
     */
    default void pirqEvent(final Vcpu vcpu, final int pirq) {
    }

    /**
     * Whether the guest clears a pirq event's pending bit itself, from its irq chip, rather than as
     * it takes the event. Xen's 2-level upcall handler in Linux ({@code evtchn_2l_handle_events},
     * drivers/xen/events/events_2l.c@v6.12) leaves the bit set; the xen-pirq chip's ack (edge flow,
     * before the handlers) or EOI (fasteoi flow, after them) clears it ({@code event_handler_exit}),
     * so a second event sent while the bit is still set is merged into it
     * ({@code evtchn_2l_set_pending}). A guest answering {@code false} (the default: a minimal test
     * kernel) has the bit cleared by the vCPU just before {@link #pirqEvent}.
     *
     * @return whether the guest clears the pending bit itself ({@link Domain#clearPirqEvent})
     */
    default boolean clearsPirqEventInItsChip() {
        return false;
    }
}
