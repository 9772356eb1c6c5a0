package io.irqsim.guest.linux;

/**
 * A driver's interrupt handler ({@code irq_handler_t}).
 */
@FunctionalInterface
public interface IrqHandler {

    /**
     * @param irq the Linux irq
     * @return {@code true} for {@code IRQ_HANDLED}, {@code false} for {@code IRQ_NONE} (not my device)
     */
    boolean handle(int irq);
}
