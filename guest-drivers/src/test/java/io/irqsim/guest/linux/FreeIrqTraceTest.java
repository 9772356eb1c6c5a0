package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code free_irq} (kernel/irq/manage.c, {@code __free_irq}) leaves a trace record as
 * {@code request_irq} does, so a timeline shows an irq's shutdown: which handler went, whether it
 * was the last one, and a free of a handler that was never installed.
 */
class FreeIrqTraceTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    // __free_irq: removing one of two actions leaves the irq running (c 0); removing the last shuts
    // it down (c 1); a handler the irq does not have is "Trying to free already-free IRQ" (c -1)
    @Test
    void freeIrqRecordsWhetherTheLastActionWentOrTheHandlerWasNeverThere() {
        final TestRig r = TestRig.withNicEnabled(XenConfig.XEN_4_20, DomainType.PV);
        final IrqHandler a = IrqHandler.sync(i -> true);
        final IrqHandler b = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "a", a));
        assertEquals(0, r.dom0.requestIrq(GSI, "b", b));
        final long mark = r.mark();
        r.dom0.freeIrq(GSI, a);
        r.dom0.freeIrq(GSI, b);
        r.dom0.freeIrq(GSI, b);
        final List<TraceRecord> frees = r.recordsSince(mark, GuestEvent.FREE_IRQ);
        assertEquals(3, frees.size());
        assertEquals(List.of(0L, 1L, -1L), List.of(frees.get(0).c(), frees.get(1).c(), frees.get(2).c()));
        for (final TraceRecord f : frees) {
            assertEquals(GSI, f.a());
            assertEquals(GSI, f.b());
        }
    }
}
