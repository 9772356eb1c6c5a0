package io.irqsim.guest.linux;

/** The handler the irq tests request when all they need is how often it ran. */
final class CountingHandler {

    private CountingHandler() {
    }

    /**
     * @param runs {@code runs[0]} counts the calls
     * @return a synchronous handler that counts its call and says the interrupt was its device's
     */
    static IrqHandler counting(final int[] runs) {
        return IrqHandler.sync(irq -> {
            runs[0]++;
            return true;
        });
    }
}
