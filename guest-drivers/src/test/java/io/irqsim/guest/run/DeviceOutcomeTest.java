package io.irqsim.guest.run;

import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a device's delivery reads: one for one, or throttled by coalescing and Xen's 1 ms forced EOI. */
class DeviceOutcomeTest {

    private static DeviceOutcome outcome(final long fired, final long delivered, final long coalesced,
                                         final long forced, final long mean, final long max) {
        return new DeviceOutcome(new Bdf(0, 3, 0), "domU", "ok", false, 16, fired, delivered, coalesced, forced, mean,
            max, "level", "low", "level", "low", true);
    }

    @Test
    void oneForOneDeliveryIsNotThrottledAndShowsItsLatency() {
        final DeviceOutcome d = outcome(100, 100, 0, 0, 12_500, 13_000);
        assertFalse(d.throttled());
        assertEquals("100 of 100 delivered; latency mean 12.5 us, max 13.0 us", d.delivery());
    }

    @Test
    void deliveryPacedByXensGuestEoiTimerShowsCoalescedForcedEoisAndMillisecondLatency() {
        // dom0 never EOIs a GSI it shares with the guest: irq_guest_eoi_timer_fn EOIs it after 1 ms, so the
        // device's raises in between coalesce into one pending interrupt
        final DeviceOutcome d = outcome(100, 10, 90, 10, 1_000_000, 1_004_500);
        assertTrue(d.throttled());
        assertEquals("10 of 100 delivered, 90 coalesced, 10 physical EOI(s) forced by Xen's 1 ms timer; "
            + "latency mean 1.000 ms, max 1.005 ms", d.delivery());
    }

    @Test
    void forcedEoisAloneMeanThrottled() {
        assertTrue(outcome(5, 5, 0, 5, 1_000_000, 1_000_000).throttled());
        assertTrue(outcome(5, 4, 1, 0, 10, 10).throttled());
    }

    @Test
    void nothingDeliveredHasNoLatency() {
        assertEquals("0 of 100 delivered", outcome(100, 0, 0, 0, 0, 0).delivery());
    }

    @Test
    void aDeviceNobodyAcknowledgesCoalescesButIsNotThrottled() {
        // a failed attach: the first raise stays pending, the other 99 fold into it; nothing was delivered
        final DeviceOutcome d = outcome(100, 0, 99, 0, 0, 0);
        assertFalse(d.throttled());
        assertEquals("0 of 100 delivered, 99 coalesced", d.delivery());
    }

    @Test
    void nanosecondsReadInTheirUnit() {
        assertEquals("999 ns", DeviceOutcome.ns(999));
        assertEquals("1.0 us", DeviceOutcome.ns(1_000));
        assertEquals("999.9 us", DeviceOutcome.ns(999_949));
        assertEquals("1.000 ms", DeviceOutcome.ns(1_000_000));
    }
}
