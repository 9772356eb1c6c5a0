package io.irqsim.hw.ioapic;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Level-interrupt storm guard: QEMU ioapic_eoi_broadcast (SUCCESSIVE_IRQ_MAX_COUNT, 10 ms timer)
 * and KVM IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT: after 10,000 back-to-back EOI re-deliveries the next
 * one waits STORM_DEFER_NS of virtual time, with delivery status set meanwhile.
 */
class IoApicStormGuardTest {

    private static final int PIN = 10;
    private static final int VEC = 0x70;

    private final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));

    /** The CPU takes the interrupt and EOIs it with the line still asserted: one re-delivery. */
    private void ackAndEoi() {
        assertEquals(VEC, rig.ack(0));
        rig.eoi(0);
    }

    private void stuckLine() {
        rig.writeEntry(PIN, level(VEC));
        rig.line(PIN, true);
        assertEquals(1, rig.ioapic.deliveredCount());
    }

    // QEMU ioapic_eoi_broadcast: the 10,001st successive re-delivery is deferred by 10 ms of virtual time
    @Test
    void redeliveryAfterMaxSuccessiveIsDeferredWithDeliveryStatusSet() {
        stuckLine();
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        assertEquals(1 + IoApic.STORM_MAX_SUCCESSIVE, rig.ioapic.deliveredCount());
        assertEquals(0, rig.ioapic.stormDeferrals());
        ackAndEoi(); // one more: deferred
        assertEquals(1 + IoApic.STORM_MAX_SUCCESSIVE, rig.ioapic.deliveredCount());
        assertEquals(1, rig.ioapic.stormDeferrals());
        final long e = rig.readEntry(PIN);
        assertTrue(Rte.isDeliveryPending(e), "delivery status set while deferred");
        assertFalse(Rte.remoteIrr(e));
        assertFalse(rig.lapic(0).irr(VEC));
        final RecordingHwTrace.Event ev = rig.trace.last(HwEvent.IOAPIC_STORM_DEFER);
        assertEquals(PIN, ev.a() & 0xFF);
        assertEquals(VEC, ev.b());
        assertEquals(IoApic.STORM_DEFER_NS, ev.c());
        assertEquals(rig.clock.now() + IoApic.STORM_DEFER_NS, rig.clock.nextDeadline());
    }

    // QEMU delayed_ioapic_service_timer: advancing the virtual clock by the deferral delivers it
    @Test
    void advancingTheClockDeliversTheDeferredInterrupt() {
        stuckLine();
        for (int i = 0; i <= IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        final long delivered = rig.ioapic.deliveredCount();
        rig.clock.advanceBy(IoApic.STORM_DEFER_NS - 1);
        assertEquals(delivered, rig.ioapic.deliveredCount());
        assertTrue(rig.deliveryStatus(PIN));
        rig.clock.advanceBy(1);
        assertEquals(delivered + 1, rig.ioapic.deliveredCount());
        final long e = rig.readEntry(PIN);
        assertFalse(Rte.isDeliveryPending(e));
        assertTrue(Rte.remoteIrr(e));
        assertTrue(rig.lapic(0).irr(VEC));
        // the counter restarted: another full run of re-deliveries goes through undeferred
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        assertEquals(1, rig.ioapic.stormDeferrals());
        ackAndEoi();
        assertEquals(2, rig.ioapic.stormDeferrals());
    }

    // 82093AA 3.2.4 bit 12 read-only: software cannot clear delivery status while the guard holds the message
    @Test
    void deliveryStatusIsReadOnlyWhileDeferred() {
        stuckLine();
        for (int i = 0; i <= IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        final long delivered = rig.ioapic.deliveredCount();
        rig.writeLow(PIN, level(VEC)); // bit 12 written as 0
        assertTrue(rig.deliveryStatus(PIN));
        assertEquals(delivered, rig.ioapic.deliveredCount(), "still held until the timer");
        rig.clock.advanceBy(IoApic.STORM_DEFER_NS);
        assertEquals(delivered + 1, rig.ioapic.deliveredCount());
    }

    // QEMU ioapic_mem_write: any redirection-entry write resets the pin's successive-EOI counter
    @Test
    void rteWriteResetsTheCounter() {
        stuckLine();
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 1; i++) {
            ackAndEoi();
        }
        rig.writeReg(IoApicRegisters.redtblHigh(PIN), 0); // same destination, still an RTE write
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        assertEquals(0, rig.ioapic.stormDeferrals());
        ackAndEoi();
        assertEquals(1, rig.ioapic.stormDeferrals());
    }

    // QEMU ioapic_eoi_broadcast (irq_eoi = 0 when not re-delivered): a deasserted line at EOI resets the counter
    @Test
    void eoiWithLineDeassertedResetsTheCounter() {
        stuckLine();
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE - 1; i++) {
            ackAndEoi();
        }
        assertEquals(VEC, rig.ack(0));
        rig.line(PIN, false);
        rig.eoi(0);
        rig.line(PIN, true); // a fresh assertion, not a re-delivery
        for (int i = 0; i < IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        assertEquals(0, rig.ioapic.stormDeferrals());
    }

    // IoApic.reset: a pending deferral is cancelled with the rest of the state
    @Test
    void resetCancelsAPendingDeferral() {
        stuckLine();
        for (int i = 0; i <= IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        assertEquals(1, rig.clock.armedTimers());
        rig.ioapic.reset();
        assertEquals(0, rig.clock.armedTimers());
        assertEquals(Rte.RESET, rig.readEntry(PIN));
        final long delivered = rig.ioapic.deliveredCount();
        rig.clock.advanceBy(2 * IoApic.STORM_DEFER_NS);
        assertEquals(delivered, rig.ioapic.deliveredCount());
    }

    // QEMU: the guard is per pin; another pin's interrupts flow while one pin is deferred
    @Test
    void deferralIsPerPin() {
        stuckLine();
        for (int i = 0; i <= IoApic.STORM_MAX_SUCCESSIVE; i++) {
            ackAndEoi();
        }
        rig.writeEntry(11, level(0x71));
        rig.line(11, true);
        assertTrue(rig.remoteIrr(11));
        assertEquals(0x71, rig.ack(0));
        assertTrue(rig.deliveryStatus(PIN));
    }
}
