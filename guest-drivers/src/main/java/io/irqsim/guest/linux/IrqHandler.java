package io.irqsim.guest.linux;

import java.util.function.IntPredicate;

/**
 * A driver's interrupt handler ({@code irq_handler_t}). A handler that touches a device behind a
 * device model may have to wait for its answers, so it reports its result through {@link Done}
 * rather than a return value; the vCPU is stalled until it does, and the EOI follows.
 */
@FunctionalInterface
public interface IrqHandler {

    /** The handler's result. */
    @FunctionalInterface
    interface Done {
        /**
         * @param mine {@code IRQ_HANDLED} (true) or {@code IRQ_NONE} (not my device)
         */
        void handled(boolean mine);
    }

    /**
     * Handles one interrupt; must call {@code done} exactly once, now or later.
     *
     * @param irq the Linux irq
     * @param done where the result goes
     */
    void handle(int irq, Done done);

    /**
     * A handler that decides at once.
     *
     * @param handler returns {@code true} for {@code IRQ_HANDLED}
     * @return the handler
     */
    static IrqHandler sync(final IntPredicate handler) {
        return (irq, done) -> done.handled(handler.test(irq));
    }
}
