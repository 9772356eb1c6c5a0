package io.irqsim.hv.irq;

/**
 * How Xen completes a guest-bound IRQ ({@code ACKTYPE_*}, Xen {@code irq.c} {@code irq_acktype}).
 */
public enum AckType {
    /** Edge and unset-up IRQs: nothing to wait for. */
    NONE,
    /** "Old" level ack: the pin is masked (or its EOI deferred to the IO-APIC EOI register) until every guest EOIs. */
    UNMASK,
    /** "New" level ack: the LAPIC EOI is deferred until every guest EOIs. */
    EOI
}
