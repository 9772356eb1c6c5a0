package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.domain.Vcpu;

/**
 * A Linux kernel's interrupt entry and flow handlers: {@code common_interrupt}
 * (arch/x86/kernel/irq.c@v6.12) for a vector, the upcall for a pirq event, then
 * {@code handle_fasteoi_irq} / {@code handle_edge_irq} (kernel/irq/chip.c@v6.12) through the irq's
 * chip, which the kernel's {@link IrqBackend} stands for.
 */
final class FlowHandler {

    private final LinuxKernel k;
    private long spuriousVectors;

    FlowHandler(final LinuxKernel k) {
        this.k = k;
    }

    /** @return interrupts with no irq behind their vector */
    long spuriousVectors() {
        return spuriousVectors;
    }

    /**
     * Interrupt entry: {@code common_interrupt} finds the irq by vector (a vector with none is
     * acknowledged at the LAPIC), then the flow handler. With no action or on a disabled irq the
     * flow marks it {@code IRQS_PENDING} ({@link IrqResend}), masks it and EOIs, running nothing
     * ({@code mask_ack_irq} for edge, {@code mask_irq} then {@code irq_eoi} for fasteoi); otherwise
     * the handlers run one after the other, each possibly waiting on its device, and the vCPU stays
     * stalled until the last one is done, {@code note_interrupt} has counted it and it is EOI'd; or,
     * for an irq whose edge flow the backend acknowledges first ({@link IrqBackend#acksBeforeHandlers}:
     * a native edge irq or MSI, a Xen edge or MSI pirq), acknowledged before the first handler and
     * not EOI'd after the last.
     *
     * @param vcpu the vCPU taking it
     * @param d the irq, or {@code null} for a vector nobody owns
     * @param vector the vector (native), -1 for a pirq event
     */
    void dispatch(final Vcpu vcpu, final LinuxIrq d, final int vector) {
        final IrqBackend backend = k.backend;
        if (d == null) {
            spuriousVectors++;
            k.xen.trace().event(GuestEvent.IRQ_UNHANDLED, vector, -1, 0);
            backend.eoi(null, vector);
            return;
        }
        if (d.handlers().isEmpty() || d.isDisabled()) {
            if (d.maskedWithoutActionCount() == 0) {
                k.log.log(k.actor, "irq %d: %s: masked and EOI'd, no handler runs", d.irq(),
                    d.handlers().isEmpty() ? "no action" : "disabled");
            }
            d.recordMaskedWithoutAction();
            d.setPending(true);
            k.xen.trace().event(GuestEvent.IRQ_UNHANDLED, vector, d.irq(), 0);
            k.irqMask(d);
            backend.eoi(d, vector);
            return;
        }
        d.setPending(false);    // handle_irq_event (kernel/irq/handle.c@v6.12) clears IRQS_PENDING first
        vcpu.block();
        final boolean ackedFirst = backend.acksBeforeHandlers(d);
        if (ackedFirst) {
            backend.ack(d);   // handle_edge_irq: irq_ack, then the handlers, no EOI after them
        }
        new HandlerChain(vcpu, d, vector, ackedFirst).next(false);
    }

    /** The handlers of one interrupt in flight. */
    private final class HandlerChain {
        private final Vcpu vcpu;
        private final LinuxIrq irq;
        private final int vector;
        private final boolean ackedFirst;
        private int index;

        HandlerChain(final Vcpu vcpu, final LinuxIrq irq, final int vector, final boolean ackedFirst) {
            this.vcpu = vcpu;
            this.irq = irq;
            this.vector = vector;
            this.ackedFirst = ackedFirst;
        }

        void next(final boolean claimedSoFar) {
            if (index < irq.handlers().size()) {
                irq.handlers().get(index++).handle(irq.irq(), mine -> next(claimedSoFar | mine));
                return;
            }
            irq.record(claimedSoFar);
            k.xen.trace().event(claimedSoFar ? GuestEvent.IRQ_HANDLED : GuestEvent.IRQ_UNHANDLED,
                claimedSoFar ? irq.irq() : vector, claimedSoFar ? vector : irq.irq(), claimedSoFar ? 1 : 0);
            if (irq.noteInterrupt(claimedSoFar, k.xen.platform().clock().now())) {
                // __report_bad_irq, then irq_disable: the chip's irq_disable if it has one (the
                // xen-pirq chip's masks the event channel now); the IO-APIC chip has none, so its
                // line is masked lazily, by the next interrupt's flow handler
                k.log.log(k.actor, "irq %d: nobody cared; disabling IRQ #%d", irq.irq(), irq.irq());
                k.backend.disable(irq);
            }
            if (!ackedFirst) {
                k.backend.eoi(irq, vector);
            }
            vcpu.unblock();
        }
    }
}
