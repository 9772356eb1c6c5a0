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
}
