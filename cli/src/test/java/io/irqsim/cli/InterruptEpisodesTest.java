package io.irqsim.cli;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How records are grouped into interrupts for the Perfetto flows. */
class InterruptEpisodesTest {

    private static final int XEN = TraceFormat.DOMID_XEN;
    private static final long D1 = HwEvent.emulatedFor(1);

    @Test
    void aLineStillAssertedAtTheEoiStartsANewInterruptAndTheGuestsStepsFollowTheirKeys() {
        final VirtualClock clock = new VirtualClock();
        final TraceReader trace;
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 32)) {
            t.record(HwEvent.PCI_INTX, -1, XEN, 0x18, 1, 0);                       // 0 wire
            t.record(HwEvent.LAPIC_ACK, 0, XEN, 0, 0x40, 0);                      // 1
            t.record(HvEvent.DO_IRQ, 0, XEN, 0x40, 16, 1);                        // 2
            t.record(HvEvent.GUEST_IRQ, 0, XEN, 16, 17, 1);                       // 3 d1 pirq 17
            t.record(HwEvent.LAPIC_ACCEPT, 0, 1, D1, 0x41, 1);                    // 4 d1 vector 0x41
            t.record(HvEvent.DPCI_ASSIST, 0, 1, 17, 1, 1);                        // 5
            t.record(GuestEvent.DEVICE_RAISE, 0, XEN, 0x20, 0, 0);                // 6 not a new line: ignored
            t.record(HvEvent.VCPU_INTERRUPT, 0, 1, 0, 0x41, 0);                   // 7
            t.record(HwEvent.LAPIC_EOI, 0, 1, D1, 0x41, 1);                       // 8
            t.record(HvEvent.DPCI_EOI, 0, 1, 36, 17, 0);                          // 9
            t.record(HvEvent.PIRQ_GUEST_EOI, 0, 1, 16, 0, 1);                     // 10
            t.record(HwEvent.IOAPIC_EOI, 0, 1, 0x210, 0x40, 1);                   // 11 still asserted
            t.record(HwEvent.IOAPIC_DELIVER, 0, 1, 0x210, 0xa040, 1);             // 12 the next interrupt
            t.record(HwEvent.LAPIC_ACK, 0, XEN, 0, 0x40, 0);                      // 13
            t.record(HvEvent.PHYS_EOI, 0, 1, 16, 0x40, HvEvent.EOI_IOAPIC_EOIR);  // 14 ends the first
            t.record(HvEvent.DO_IRQ, 0, XEN, 0x40, 16, 1);                        // 15 the second
            trace = t.reader();
        }
        final List<InterruptEpisodes.Episode> eps = InterruptEpisodes.of(trace);
        assertEquals(2, eps.size());
        assertEquals(16, eps.get(0).irq);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 7L, 8L, 9L, 10L, 11L, 14L), eps.get(0).records);
        assertEquals(List.of(12L, 13L, 15L), eps.get(1).records);
    }

    @Test
    void anInterruptNoCpuTookMakesNoFlow() {
        final VirtualClock clock = new VirtualClock();
        final TraceReader trace;
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 8)) {
            t.record(HwEvent.PCI_INTX, -1, XEN, 0x18, 1, 0);
            t.record(HwEvent.IOAPIC_PIN_LEVEL, -1, XEN, 0x210, 0, 1);
            t.record(GuestEvent.DEVICE_RAISE, 0, XEN, 0x18, 0, 0);
            trace = t.reader();
        }
        assertEquals(List.of(), InterruptEpisodes.of(trace));
    }
}
