package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.irq.GuestIrqs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** InterruptDriver: one interrupt at a time from the first passed-through device, as {@code irqsim bench} drives it. */
class InterruptDriverTest {

    // More interrupts than irq_ratelimit lets through in one 10 ms quantum: with idle() between
    // them each one comes INTERRUPT_GAP_NS of virtual time after the last, so the limiter counts, restarts its quantum
    // and never masks the line. With every interrupt at the same instant the 10,001st was dropped.
    @Test
    void moreInterruptsThanTheRateLimitAllowsAtOneInstantAreAllHandled() {
        try (InterruptDriver d = InterruptDriver.boot(Scenario.defaultScenario(), Strategies.byName("pciback-setup-gsi"))) {
            assertTrue(d.isDelivering());
            final long start = d.machine().clock().now();
            final int n = GuestIrqs.IRQ_RATELIMIT_THRESHOLD + 50;
            for (int i = 1; i <= n; i++) {
                d.idle();
                assertTrue(d.raiseAndWait(), "interrupt " + i + " was not handled");
            }
            assertEquals(0, d.xen().guestIrqs().ratelimitedCount());
            assertEquals(n * InterruptDriver.INTERRUPT_GAP_NS, d.machine().clock().now() - start);
        }
    }
}
