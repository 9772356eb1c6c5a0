package io.irqsim.hv;

import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.irq.GuestIrqs;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The injection benchmarks do the whole path on every call, far past the point where Xen's
 * {@code irq_ratelimit} ({@code xen/arch/x86/irq.c:do_IRQ@RELEASE-4.20.0}) would throttle an IRQ
 * that fired more than 10,000 times in one 10 ms quantum.
 */
class InjectionBenchmarkTest {

    /** Three quanta's worth of the rate limiter's threshold. */
    private static final int N = 3 * GuestIrqs.IRQ_RATELIMIT_THRESHOLD + 7;

    @Test
    void everyRoundTripCallIsHandledByTheGuest() {
        final InjectionBenchmark b = new InjectionBenchmark();
        final InjectionBenchmark.Passthrough s = new InjectionBenchmark.Passthrough();
        s.trace = "off";
        s.setup();
        try {
            s.startIteration();
            final long before = s.guest.handled;
            long last = 0;
            for (int i = 0; i < N; i++) {
                last = b.roundTrip(s);
            }
            assertEquals(before + N, last, "the guest handled one interrupt per call");
            assertEquals(0, s.machine.xen.guestIrqs().ratelimitedCount());
            final long rte = s.phys.rte(DefaultPlatform.NIC_GSI - s.phys.gsiBase());
            assertFalse(Rte.isMasked(rte) || Rte.remoteIrr(rte), Rte.toString(rte));
            s.verifyIteration();
        } finally {
            s.tearDown();
        }
    }

    /** @return the one-level assert benchmark's state, booted, trace off, at the start of an iteration */
    private static InjectionBenchmark.PendingInIrr emulatedAssertState() {
        final InjectionBenchmark.PendingInIrr s = new InjectionBenchmark.PendingInIrr();
        s.trace = "off";
        s.setup();
        s.startIteration();
        return s;
    }

    @Test
    void everyEmulatedAssertCallPutsTheVectorInIrrAndTheEoiClearsRemoteIrr() {
        final InjectionBenchmark b = new InjectionBenchmark();
        final InjectionBenchmark.PendingInIrr s = emulatedAssertState();
        try {
            final int pin = HvmIrq.pciIntxGsi(BenchMachine.GUEST_SLOT, 0) - s.vioapic.gsiBase();
            final long accepted = s.vlapic.acceptedCount();
            final long eois = s.vlapic.eoiCount();
            for (int i = 0; i < N; i++) {
                assertEquals(BenchMachine.GUEST_VECTOR, b.assertToIrr(s), "call " + i);
                assertTrue(Rte.remoteIrr(s.vioapic.rte(pin)), "level entry in flight, call " + i);
                s.complete();
                assertFalse(Rte.remoteIrr(s.vioapic.rte(pin)), "EOI cleared Remote IRR, call " + i);
                assertEquals(-1, s.vlapic.pendingVector(), "nothing pending after the completion, call " + i);
            }
            assertEquals(accepted + N, s.vlapic.acceptedCount(), "one vLAPIC accept per call");
            assertEquals(eois + N, s.vlapic.eoiCount(), "one vLAPIC EOI per completion");
            s.verifyIteration();
        } finally {
            s.tearDown();
        }
    }

    @Test
    void emulatedAssertWithoutCompletionFailsTheIterationCheck() {
        final InjectionBenchmark b = new InjectionBenchmark();
        final InjectionBenchmark.PendingInIrr s = emulatedAssertState();
        try {
            assertEquals(BenchMachine.GUEST_VECTOR, b.assertToIrr(s));
            s.vlapic.acknowledge(); // the vector leaves IRR before the completion looks
            s.complete();
            assertThrows(IllegalStateException.class, s::verifyIteration);
        } finally {
            s.tearDown();
        }
    }

    @Test
    void everyPassthroughAssertCallPutsTheVectorInIrr() {
        final InjectionBenchmark b = new InjectionBenchmark();
        final InjectionBenchmark.PassthroughPendingInIrr s = new InjectionBenchmark.PassthroughPendingInIrr();
        s.trace = "off";
        s.setup();
        try {
            s.startIteration();
            for (int i = 0; i < N; i++) {
                assertEquals(BenchMachine.GUEST_VECTOR, b.passthroughAssertToIrr(s), "call " + i);
                s.complete();
            }
            assertEquals(0, s.machine.xen.guestIrqs().ratelimitedCount());
            s.verifyIteration();
        } finally {
            s.tearDown();
        }
    }

    /**
     * What the benchmarks guard against: with no virtual time passing, do_IRQ's rate limiter masks
     * the pin at the 10,001st interrupt of the quantum, and from then on an assert does nothing;
     * the per-iteration check reports it.
     */
    @Test
    void withoutTimePassingTheRateLimiterStopsTheRoundTripAndTheIterationCheckFails() {
        final InjectionBenchmark.Passthrough s = new InjectionBenchmark.Passthrough();
        s.trace = "off";
        s.setup(); // 1,000 round trips at 5 us spacing: virtual time is 5 ms, inside the first quantum
        try {
            s.startIteration();
            final long before = s.guest.handled;
            for (int i = 0; i < N; i++) {
                s.calls++;
                s.nic.setInterruptRequest(true);
                s.machine.xen.drain();
            }
            assertEquals(GuestIrqs.IRQ_RATELIMIT_THRESHOLD - 1_000, s.guest.handled - before,
                "10,000 interrupts in the quantum, 1,000 of them during set-up");
            assertEquals(1, s.machine.xen.guestIrqs().ratelimitedCount(),
                "the 10,001st is dropped and the pin masked; later asserts never reach do_IRQ");
            assertTrue(Rte.isMasked(s.phys.rte(DefaultPlatform.NIC_GSI - s.phys.gsiBase())));
            assertThrows(IllegalStateException.class, s::verifyIteration);
        } finally {
            s.tearDown();
        }
    }
}
