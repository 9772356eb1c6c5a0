package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RFC's pciback unmask end to end: dom0's entry carries vector 0 (never activated,
 * arch/x86/kernel/apic/io_apic.c@v6.12), Xen's vLAPIC drops it ({@code vlapic_set_irq},
 * xen/arch/x86/hvm/vlapic.c@RELEASE-4.18.0), so dom0 never EOIs its share of the GSI and the guest
 * gets each physical EOI only from {@code irq_guest_eoi_timer_fn} 1 ms later (xen/arch/x86/irq.c).
 */
class Dom0NeverEoisThrottlingTest {

    private static final RunResult RUN = ScenarioRunner.run(Scenario.defaultScenario(), Strategies.byName("pciback-unmask"));

    private static List<RunResult.TimelineLine> lines(final String fragment) {
        return RUN.timeline().stream().filter(l -> l.text().contains(fragment)).toList();
    }

    @Test
    void dom0TakesNoneOfTheGuestsInterrupts() {
        assertEquals(0, RUN.spurious(), "dom0's Linux never saw one: vector 0 is dropped before it");
        assertTrue(RUN.devices().get(0).boundToDom0());
    }

    @Test
    void theEoiTimerForcesEachPhysicalEoiAMillisecondApart() {
        final List<RunResult.TimelineLine> forced = lines("forcing the physical EOI");
        assertTrue(forced.size() >= 2, "irq_guest_eoi_timer_fn fired for every interrupt dom0 left in flight");
        assertEquals(1_000_000L, forced.get(0).timeNs());
        assertEquals(1_000_000L, forced.get(1).timeNs() - forced.get(0).timeNs());
    }

    @Test
    void theGuestIsThrottledNotDeliveredOneForOne() {
        // 100 interrupts raised in 1 ms: one before the first forced EOI, one after, the rest coalesced
        assertEquals(100, RUN.fired());
        assertEquals(2, RUN.delivered());
        assertEquals("ok", RUN.attach());
    }
}
