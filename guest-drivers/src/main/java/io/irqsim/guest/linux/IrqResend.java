package io.irqsim.guest.linux;

/**
 * {@code check_irq_resend} (kernel/irq/resend.c@v6.12), which {@code irq_startup(desc, IRQ_RESEND, ...)}
 * runs at the end of {@code request_irq}'s start-up and of {@code enable_irq} (kernel/irq/chip.c,
 * manage.c@v6.12): an edge interrupt the flow handler took with no action or while the irq was
 * disabled ({@code IRQS_PENDING}) is sent again through the chip's {@code irq_retrigger}
 * ({@link IrqBackend#retrigger}); a level one ({@code irq_settings_is_level},
 * {@link IrqBackend#settingsIsLevel}) is not, the line is still asserted if it matters.
 *
 * <p>A Xen pirq irq has no {@code IRQ_LEVEL}, so a level pirq is retriggered too, through the
 * xen-pirq chip's {@code retrigger_dynirq} ({@link XenPirqBackend#retrigger}). Its chip masks the
 * channel at {@code disable_irq} (an event then waits in the channel, taken at the unmask), so a
 * pirq irq reaches here with {@code IRQS_PENDING} only after {@code enable_irq} restarted it
 * following its last {@code free_irq} and an interrupt came with no action.
 */
final class IrqResend {

    private IrqResend() {
    }

    /**
     * A level irq: {@code IRQS_PENDING} cleared, nothing sent. An edge irq with {@code IRQS_PENDING}:
     * cleared, and the chip's {@code irq_retrigger}. When that sends nothing (a pirq irq with no event
     * channel) Linux falls back to {@code irq_sw_resend}, the resend tasklet, which is not modelled: no
     * pirq without a channel gets an interrupt to resend.
     * {@code IRQS_REPLAY} (set when the resend went out, cleared by the next flow handler, which
     * makes a second resend in between -EBUSY) is not kept: in irqsim the IPI is in the vCPU's IRR at
     * once, and the irq's next interrupt merges into it, so no flow handler can find the irq pending
     * again before the replayed interrupt is taken.
     *
     * @param k the kernel
     * @param d the irq, just started or enabled
     */
    static void checkIrqResend(final LinuxKernel k, final LinuxIrq d) {
        if (k.backend.settingsIsLevel(d)) {
            d.setPending(false);
            return;
        }
        if (!d.isPending()) {
            return;
        }
        d.setPending(false);
        if (k.backend.retrigger(d)) {
            k.log.log(k.actor, "irq %d: check_irq_resend: the interrupt it missed is sent again", d.irq());
        }
    }
}
