package io.irqsim.hw.ioapic;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The EOI storm guard, which only QEMU ({@code hw/intc/ioapic.c@v9.2.0}
 * {@code ioapic_eoi_broadcast}, {@code SUCCESSIVE_IRQ_MAX_COUNT}, a 10 ms virtual-clock timer) and
 * KVM ({@code arch/x86/kvm/ioapic.c@v6.12} {@code kvm_ioapic_update_eoi_one},
 * {@code IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT}, {@code HZ / 100}) have: the re-delivery that brings the
 * per-pin count of back-to-back EOI re-deliveries to 10,000 is deferred by 10 ms, without
 * delivery status. Physical parts and Xen's {@code vioapic_update_EOI} have no such guard.
 */
class IoApicStormGuardTest {

    private static final int PIN = 10;
    private static final int VEC = 0x70;

    static Stream<Arguments> guarded() {
        return Stream.of(Arguments.of(IoApicModel.qemu(24)), Arguments.of(IoApicModel.kvm(24)));
    }

    static Stream<Arguments> unguarded() {
        return Stream.of(Arguments.of(IoApicModel.ich(24)), Arguments.of(IoApicModel.i82093aa(24)),
            Arguments.of(IoApicModel.xenVioapic(48)));
    }

    /** The CPU takes the interrupt and EOIs it with the line still asserted: one re-delivery. */
    private static void ackAndEoi(final IoApicRig rig) {
        assertEquals(VEC, rig.ack(0));
        rig.eoi(0);
    }

    private static void stuckLine(final IoApicRig rig) {
        rig.writeEntry(PIN, level(VEC));
        rig.line(PIN, true); // level() is active high: asserted under both input kinds
        assertEquals(1, rig.ioapic.deliveredCount());
    }

    /** Runs the storm until the guard has just deferred one re-delivery. */
    private static void stormUntilDeferred(final IoApicRig rig) {
        stuckLine(rig);
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi(rig);
        }
        assertEquals(1, rig.ioapic.stormDeferrals());
    }

    // QEMU ioapic_eoi_broadcast: ++irq_eoi >= 10000 defers that re-delivery by NANOSECONDS_PER_SECOND / 100
    @ParameterizedTest
    @MethodSource("guarded")
    void theTenThousandthSuccessiveRedeliveryIsDeferredByTenMillisecondsWithoutDeliveryStatus(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stuckLine(rig);
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 1; i++) {
            ackAndEoi(rig);
        }
        assertEquals(IoApic.STORM_MAX_SUCCESSIVE, rig.ioapic.deliveredCount(), "9,999 re-deliveries plus the first");
        assertEquals(0, rig.ioapic.stormDeferrals());
        ackAndEoi(rig); // the 10,000th: deferred
        assertEquals(10_000, rig.ioapic.deliveredCount());
        assertEquals(1, rig.ioapic.stormDeferrals());
        final long e = rig.readEntry(PIN);
        assertFalse(Rte.isDeliveryPending(e), "neither QEMU nor KVM sets delivery status while deferring");
        assertFalse(Rte.remoteIrr(e));
        assertFalse(rig.lapic(0).irr(VEC));
        final RecordingHwTrace.Event ev = rig.trace.last(HwEvent.IOAPIC_STORM_DEFER);
        assertEquals(PIN, ev.a() & 0xFF);
        assertEquals(VEC, ev.b());
        assertEquals(10_000_000L, ev.c());
        assertEquals(rig.clock.now() + 10_000_000L, rig.clock.nextDeadline());
    }

    // QEMU delayed_ioapic_service_cb / KVM kvm_ioapic_eoi_inject_work: the timer services the pin again
    @ParameterizedTest
    @MethodSource("guarded")
    void theDeferredInterruptIsDeliveredWhenTheTimerFires(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stormUntilDeferred(rig);
        final long delivered = rig.ioapic.deliveredCount();
        rig.clock.advanceBy(10_000_000L - 1);
        assertEquals(delivered, rig.ioapic.deliveredCount());
        rig.clock.advanceBy(1);
        assertEquals(delivered + 1, rig.ioapic.deliveredCount());
        assertTrue(Rte.remoteIrr(rig.readEntry(PIN)));
        assertTrue(rig.lapic(0).irr(VEC));
        // the counter restarted at the deferral: another 9,999 go through, the 10,000th waits
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 1; i++) {
            ackAndEoi(rig);
        }
        assertEquals(1, rig.ioapic.stormDeferrals());
        ackAndEoi(rig);
        assertEquals(2, rig.ioapic.stormDeferrals());
    }

    // QEMU ioapic_mem_write -> ioapic_service: an RTE write while deferred delivers the asserted line at once
    @ParameterizedTest
    @MethodSource("guarded")
    void aRedirectionEntryWriteWhileDeferredDeliversAtOnce(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stormUntilDeferred(rig);
        final long delivered = rig.ioapic.deliveredCount();
        rig.writeLow(PIN, level(VEC));
        assertEquals(delivered + 1, rig.ioapic.deliveredCount());
        assertTrue(rig.remoteIrr(PIN));
        rig.clock.advanceBy(10_000_000L);
        assertEquals(delivered + 1, rig.ioapic.deliveredCount(), "Remote IRR holds the timer's service off");
    }

    // QEMU ioapic_mem_write (irq_eoi[index] = 0): any redirection-entry write resets the pin's count
    @ParameterizedTest
    @MethodSource("guarded")
    void aRedirectionEntryWriteResetsTheCount(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stuckLine(rig);
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 1; i++) {
            ackAndEoi(rig);
        }
        rig.writeReg(IoApicRegisters.redtblHigh(PIN), 0); // same destination, still an RTE write
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 1; i++) {
            ackAndEoi(rig);
        }
        assertEquals(0, rig.ioapic.stormDeferrals());
        ackAndEoi(rig);
        assertEquals(1, rig.ioapic.stormDeferrals());
    }

    // QEMU ioapic_eoi_broadcast (irq_eoi = 0 when not re-delivered): a deasserted line at EOI resets the count
    @ParameterizedTest
    @MethodSource("guarded")
    void anEoiWithTheLineDeassertedResetsTheCount(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stuckLine(rig);
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 2; i++) {
            ackAndEoi(rig);
        }
        assertEquals(VEC, rig.ack(0));
        rig.line(PIN, false);
        rig.eoi(0);
        rig.line(PIN, true); // a fresh assertion, not a re-delivery
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 1; i++) {
            ackAndEoi(rig);
        }
        assertEquals(0, rig.ioapic.stormDeferrals());
    }

    // IoApic.reset: a pending deferral is cancelled with the rest of the state
    @ParameterizedTest
    @MethodSource("guarded")
    void resetCancelsAPendingDeferral(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stormUntilDeferred(rig);
        assertEquals(1, rig.clock.armedTimers());
        rig.ioapic.reset();
        assertEquals(0, rig.clock.armedTimers());
        assertEquals(Rte.RESET, rig.readEntry(PIN));
        final long delivered = rig.ioapic.deliveredCount();
        rig.clock.advanceBy(20_000_000L);
        assertEquals(delivered, rig.ioapic.deliveredCount());
    }

    // QEMU irq_eoi[] / KVM irq_eoi[] are per pin: another pin's interrupts flow while one is deferred
    @ParameterizedTest
    @MethodSource("guarded")
    void theDeferralIsPerPin(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stormUntilDeferred(rig);
        rig.writeEntry(11, level(0x71));
        rig.line(11, true);
        assertTrue(rig.remoteIrr(11));
        assertEquals(0x71, rig.ack(0));
        assertFalse(rig.remoteIrr(PIN));
    }

    // 82093AA / ICH datasheets, Xen vioapic_update_EOI@RELEASE-4.20.0: no guard, every EOI re-delivers at once
    @ParameterizedTest
    @MethodSource("unguarded")
    void physicalPartsAndXensVioapicRedeliverOnEveryEoiWithoutAGuard(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model);
        stuckLine(rig);
        for (int i = 0; i < 2 * IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi(rig);
        }
        assertEquals(1 + 2 * IoApic.STORM_MAX_SUCCESSIVE, rig.ioapic.deliveredCount());
        assertEquals(0, rig.ioapic.stormDeferrals());
        assertEquals(0, rig.clock.armedTimers());
        assertEquals(0, rig.trace.count(HwEvent.IOAPIC_STORM_DEFER));
    }
}
