package io.irqsim.guest.trace;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.trace.TraceRecord;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** GuestText: the sentences of the guest layer's records. */
class GuestTextTest {

    // a pirq taken as an event channel reaches its handler with no vector (-1): said as such, not
    // printed as the 64-bit two's complement 0xffffffffffffffff
    @Test
    void aHandlerRunForAnEventChannelHasNoVector() {
        assertEquals("Linux irq 40 handled (event channel, no vector)",
            GuestText.describe(new TraceRecord(0, GuestEvent.IRQ_HANDLED, 0, 1, 40, -1, 1)));
        assertEquals("Linux irq 36 handled (vector 0x61)",
            GuestText.describe(new TraceRecord(0, GuestEvent.IRQ_HANDLED, 0, 1, 36, 0x61, 1)));
        // an event with no irq behind it (FlowHandler, from LinuxKernel.pirqEvent): no vector either
        assertEquals("Linux: no irq for event channel, no vector",
            GuestText.describe(new TraceRecord(0, GuestEvent.IRQ_UNHANDLED, 0, 1, -1, -1, 0)));
        assertEquals("Linux: no irq for vector 0x61",
            GuestText.describe(new TraceRecord(0, GuestEvent.IRQ_UNHANDLED, 0, 1, 0x61, -1, 0)));
    }
}
