package io.irqsim.guest.linux;

import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flow handler a pirq irq runs (drivers/xen/events/events_base.c@v6.12: {@code handle_fasteoi_irq}
 * for a shareable, level GSI; {@code handle_edge_irq} for an edge one, whose {@code irq_ack} is
 * {@code eoi_pirq}), and where the event channel's pending bit is cleared ({@code event_handler_exit}):
 * the 2-level upcall handler leaves it set while the handlers run, and Xen merges an event sent then
 * into it ({@code evtchn_2l_set_pending}, xen/common/event_2l.c@RELEASE-4.20.0).
 */
class XenPirqFlowTest {

    private static final int LEVEL_GSI = DefaultPlatform.NIC_GSI;
    /** A legacy GSI whose boot irq (pci_xen_initial_domain) is edge. */
    private static final int EDGE_GSI = 10;

    private static TestRig pvDom0() {
        return TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_20, DomainType.PV, PcistubVariants.ENABLE_ONLY,
            List.of());
    }

    /** A handler that, the first time it runs, has Xen send its pirq's event again, as a second interrupt would. */
    private static IrqHandler resendingOnce(final TestRig r, final int pirq, final List<String> order) {
        final boolean[] sent = {false};
        return IrqHandler.sync(irq -> {
            order.add("handler (pending " + r.d0.isPirqEventPending(pirq) + ")");
            if (!sent[0]) {
                sent[0] = true;
                r.d0.sendPirqEvent(pirq);
            }
            return true;
        });
    }

    // handle_fasteoi_irq: handlers, then irq_eoi (eoi_pirq) clears the pending bit: an event sent during the
    // handler found the bit still set, was merged into it, and is lost
    @Test
    void aLevelPirqsEventSentDuringItsHandlerIsMergedAndLost() {
        final TestRig r = pvDom0();
        assertTrue(r.dom0.backend().registerGsi(LEVEL_GSI, true, true) > 0);
        final List<String> order = new ArrayList<>();
        assertEquals(0, r.dom0.requestIrq(LEVEL_GSI, "lvl", resendingOnce(r, LEVEL_GSI, order)));
        final LinuxIrq irq = r.dom0.irqs().byGsi(LEVEL_GSI);
        assertTrue(irq.isLevel());
        r.d0.sendPirqEvent(LEVEL_GSI);
        r.xen.drain();
        assertEquals(List.of("handler (pending true)"), order, "one run: the second event was merged");
        assertEquals(1, irq.handledCount());
        assertFalse(r.d0.isPirqEventPending(LEVEL_GSI), "cleared by eoi_pirq after the handler");
    }

    // handle_edge_irq: irq_ack (eoi_pirq) first clears the pending bit and sends PHYSDEVOP_eoi before the handler;
    // an event sent during the handler sets the bit again and runs the handler a second time
    @Test
    void anEdgePirqIsAckedBeforeItsHandlerSoAnEventDuringItRunsAgain() {
        final TestRig r = pvDom0();
        final List<String> order = new ArrayList<>();
        assertEquals(0, r.dom0.requestIrq(EDGE_GSI, "edge", resendingOnce(r, EDGE_GSI, order)));
        final LinuxIrq irq = r.dom0.irqs().byGsi(EDGE_GSI);
        assertFalse(irq.isLevel(), "the boot binding's edge");
        r.d0.sendPirqEvent(EDGE_GSI);
        r.xen.drain();
        assertEquals(List.of("handler (pending false)", "handler (pending false)"), order);
        assertEquals(2, irq.handledCount());
        assertFalse(r.d0.isPirqEventPending(EDGE_GSI));
    }

    // with Xen's pin level (the device's setup_gsi) the edge-bound irq needs PHYSDEVOP_eoi, and sends it before
    // its handler runs
    @Test
    void anEdgeBoundPirqOnALevelPinSendsItsEoiBeforeTheHandler() {
        final TestRig r = pvDom0();
        r.dom0.backend().registerGsi(EDGE_GSI, true, false);   // setup_gsi: Xen's pin level; Linux's irq stays edge
        final long[] eoisWhenHandled = {-1};
        final long mark = r.mark();
        assertEquals(0, r.dom0.requestIrq(EDGE_GSI, "dev", IrqHandler.sync(i -> {
            eoisWhenHandled[0] = eois(r, mark);
            return true;
        })));
        final long bound = eois(r, mark);
        r.d0.sendPirqEvent(EDGE_GSI);
        r.xen.drain();
        assertEquals(bound + 1, eoisWhenHandled[0], "PHYSDEVOP_eoi came before the handler");
        assertEquals(bound + 1, eois(r, mark), "and none after it");
    }

    private static long eois(final TestRig r, final long mark) {
        long n = 0;
        for (final TraceRecord t : r.recordsSince(mark, HvEvent.HYPERCALL)) {
            if (t.a() == HypercallOp.PHYSDEVOP_EOI.code()) {
                n++;
            }
        }
        return n;
    }
}
