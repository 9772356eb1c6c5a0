package io.irqsim.guest.linux;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Linux side of a pirq's life in a PV dom0 (drivers/xen/events/events_base.c, the
 * {@code xen_pirq_chip}, read at Kingxukai/linux@9b44fff6) against Xen's event channels and guest
 * IRQs (xen/common/event_channel.c, xen/arch/x86/irq.c@RELEASE-4.20.0): the bind and its trailing
 * EOI, the shutdown on the last {@code free_irq}, and {@code disable_irq} / {@code enable_irq}.
 */
class XenPirqLifecycleTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    private static TestRig pvDom0() {
        return TestRig.withNicEnabled(XenConfig.XEN_4_20, DomainType.PV);
    }

    // __startup_pirq: bind, do_unmask, then do_eoi_pirq: event_handler_exit clears the channel's
    // pending bit and, as pirq_check_eoi_map says the level pin needs it, PHYSDEVOP_eoi. The line was
    // asserted when pirq_guest_bind unmasked the pin: that interrupt's event is dropped, and Xen,
    // which waited for its EOI with the pin masked, unmasks it and takes the line again; the handler
    // runs for that second interrupt, after the EOI (request_irq runs with interrupts off)
    @Test
    void startupPirqEoisTheInterruptXenRaisedAtTheBind() {
        final TestRig r = pvDom0();
        final PciFunction f = r.nic();
        f.setInterruptRequest(true);
        final long mark = r.mark();
        final long[] eoiLoggedWhenHandled = {-1};
        final int[] ran = {0};
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> {
            ran[0]++;
            eoiLoggedWhenHandled[0] = r.linesContaining("startup_pirq: PHYSDEVOP_eoi(pirq 16) = 0");
            f.setInterruptRequest(false);
            return true;
        })));
        assertEquals(1, ran[0]);
        assertEquals(1, eoiLoggedWhenHandled[0], "the trailing eoi_pirq came before the handler");
        assertEquals(2, r.recordsSince(mark, HvEvent.GUEST_IRQ).size(),
            "the interrupt at the bind, then the line again after the trailing EOI");
        assertFalse(r.d0.isPirqEventPending(GSI));
    }

    // __startup_pirq's do_eoi_pirq with nothing pending: pirq_check_eoi_map has the level pin's bit
    // (pirq_guest_bind set it), so PHYSDEVOP_eoi is issued; Xen's pirq_guest_eoi finds nothing owed
    @Test
    void startupPirqIssuesPhysdevopEoiWhenTheEoiMapSaysSo() {
        final TestRig r = pvDom0();
        final long mark = r.mark();
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> true)));
        assertEquals(1, r.linesContaining("startup_pirq: PHYSDEVOP_eoi(pirq 16) = 0"));
        assertEquals(0, r.recordsSince(mark, HvEvent.PIRQ_GUEST_EOI).size(), "nothing was in flight");
    }

    // shutdown_pirq, the xen-pirq chip's irq_shutdown, run by __free_irq -> irq_shutdown when the last
    // action goes: do_mask sets the channel's mask bit, xen_evtchn_close issues EVTCHNOP_close, and
    // Xen's evtchn_close -> pirq_guest_unbind takes dom0, the IRQ's only guest, off it. The irq can be
    // requested again: startup_pirq binds a new channel (without the close, EVTCHNOP_bind_pirq
    // would find the pirq bound, -EEXIST)
    @Test
    void shutdownPirqClosesTheChannelWhenTheLastHandlerIsFreed() {
        final TestRig r = pvDom0();
        final IrqHandler h = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", h));
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        final int xenIrq = r.d0.pirqs().get(GSI).irq();
        assertTrue(r.xen.irqDescs().desc(xenIrq).isGuest());
        assertFalse(irq.isMasked());
        assertEquals("t", r.dom0.freeIrq(GSI, h));
        assertEquals(1, r.linesContaining("free_irq(16, \"t\")"));
        assertEquals(1, r.linesContaining("shutdown_pirq: EVTCHNOP_close(pirq 16) = 0"));
        assertTrue(r.d0.isPirqEventMasked(GSI), "do_mask before the close");
        assertTrue(irq.isMasked(), "irq_shutdown: IRQD_IRQ_MASKED set");
        assertFalse(r.d0.pirqs().get(GSI).isEvtchnBound());
        assertFalse(r.xen.irqDescs().desc(xenIrq).isGuest(), "pirq_guest_unbind: no guest left");
        assertFalse(irq.isStarted());
        assertEquals(0, r.dom0.requestIrq(GSI, "t2", h));
        assertEquals(2, r.linesContaining("startup_pirq: EVTCHNOP_bind_pirq(pirq 16, shareable) = 0"));
    }

    // kernel/irq/manage.c:__enable_irq@v6.12: at depth 1 irq_startup(IRQ_START_FORCE) starts an irq that is not
    // started, so enable_irq after the last free_irq binds the pirq's channel again (startup_pirq), with no action:
    // the next interrupt is masked and EOI'd, no handler runs
    @Test
    void enableIrqAfterTheLastFreeIrqStartsThePirqAgainWithNoAction() {
        final TestRig r = pvDom0();
        final int[] runs = {0};
        final IrqHandler h = CountingHandler.counting(runs);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", h));
        assertEquals("t", r.dom0.freeIrq(GSI, h));
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        assertEquals(1, irq.disableDepth(), "irq_shutdown left depth 1");
        assertFalse(irq.isEvtchnBound(), "shutdown_pirq closed the channel");
        assertEquals(0, r.dom0.enableIrq(GSI));
        assertTrue(irq.isStarted());
        assertTrue(irq.isEvtchnBound());
        assertEquals(0, irq.disableDepth());
        assertEquals(2, r.linesContaining("startup_pirq: EVTCHNOP_bind_pirq(pirq 16, shareable) = 0"));
        assertTrue(r.d0.pirqs().get(GSI).isEvtchnBound());
        r.nic().setInterruptRequest(true);
        r.xen.drain();
        assertEquals(0, runs[0], "the freed handler is gone");
        assertEquals(1, irq.maskedWithoutActionCount(), "no action: masked and EOI'd");
        assertEquals(-Errno.EINVAL, r.dom0.enableIrq(GSI), "depth 0 now: unbalanced");
    }

    // kernel/irq/manage.c:__setup_irq@v6.12: the first action runs irq_startup(IRQ_RESEND, IRQ_START_COND),
    // which on an irq already started (kernel/irq/chip.c:irq_startup) is irq_enable: the pirq's channel,
    // masked by the flow handler while the irq had no action, is unmasked (enable_pirq), and the event
    // the still-asserted level line left pending reaches the new handler
    @Test
    void requestIrqOnAnIrqEnableIrqRestartedUnmasksItsChannelAndTheNewHandlerRuns() {
        final TestRig r = pvDom0();
        final IrqHandler gone = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", gone));
        r.dom0.freeIrq(GSI, gone);
        assertEquals(0, r.dom0.enableIrq(GSI));
        r.nic().setInterruptRequest(true);
        r.xen.drain();
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        assertEquals(1, irq.maskedWithoutActionCount());
        final int[] runs = {0};
        assertEquals(0, r.dom0.requestIrq(GSI, "t2", IrqHandler.sync(i -> {
            runs[0]++;
            r.nic().setInterruptRequest(false);
            return true;
        })));
        r.xen.drain();
        assertEquals(1, runs[0], "the interrupt the line still raises reaches the new handler");
        assertEquals(0, irq.disableDepth());
    }

    // kernel/irq/resend.c:check_irq_resend and drivers/xen/events/events_base.c:retrigger_dynirq@v6.12: an
    // edge pirq's interrupt that found the irq with no action (enable_irq had restarted it) is gone from
    // the channel (eoi_pirq cleared its pending bit) and the line raises no other; at the next request_irq,
    // irq_startup's check_irq_resend retriggers it: set_evtchn, then the unmask takes it
    @Test
    void anEdgePirqInterruptWithNoActionIsRetriggeredAtTheNextRequestIrq() {
        final TestRig r = pvDom0();
        final int edgeGsi = 4;      // an ISA line, edge and active high
        final IoApic phys = r.xen.platform().ioapicForGsi(edgeGsi);
        final IrqHandler gone = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(edgeGsi, "t", gone));
        final LinuxIrq irq = r.dom0.irqs().byGsi(edgeGsi);
        assertFalse(irq.isLevel());
        r.dom0.freeIrq(edgeGsi, gone);
        assertEquals(0, r.dom0.enableIrq(edgeGsi));
        phys.setInput(edgeGsi - phys.gsiBase(), true);
        phys.setInput(edgeGsi - phys.gsiBase(), false);
        r.xen.drain();
        assertEquals(1, irq.maskedWithoutActionCount());
        assertTrue(irq.isPending(), "IRQS_PENDING");
        assertFalse(r.d0.isPirqEventPending(irq.pirq()), "eoi_pirq cleared the channel's bit");
        final int[] runs = {0};
        assertEquals(0, r.dom0.requestIrq(edgeGsi, "t2", CountingHandler.counting(runs)));
        r.xen.drain();
        assertEquals(1, runs[0], "retrigger_dynirq sent it again");
        assertEquals(1, r.linesContaining("retrigger_dynirq: pirq " + irq.pirq()));
        assertEquals(1, r.linesContaining("check_irq_resend: the interrupt it missed is sent again"));
        assertFalse(irq.isPending());
        assertFalse(r.d0.isPirqEventMasked(irq.pirq()));
    }

    // kernel/irq/resend.c:check_irq_resend@v6.12 leaves an irq alone only if irq_settings_is_level, and no pirq
    // irq of a GSI from 16 has IRQ_LEVEL (xen_bind_pirq_gsi_to_irq sets chip and flow handler only): a level
    // pirq left IRQS_PENDING by an interrupt with no action is retriggered too. enable_irq runs irq_enable and
    // the resend with interrupts off, so the event its unmask lets through and the retrigger's set_evtchn
    // are one pending bit, taken once afterwards (again with no action: pending, masked, EOI'd)
    @Test
    void aLevelPirqIsRetriggeredTooItHasNoIrqLevelFlag() {
        final TestRig r = pvDom0();
        final IrqHandler gone = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", gone));
        r.dom0.freeIrq(GSI, gone);
        assertEquals(0, r.dom0.enableIrq(GSI));
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        r.nic().setInterruptRequest(true);
        r.xen.drain();
        assertTrue(r.d0.isPirqEventPending(GSI), "the line still asserted: Xen sent the event again, channel masked");
        r.nic().setInterruptRequest(false);
        assertEquals(0, r.dom0.disableIrq(GSI));
        assertEquals(0, r.dom0.enableIrq(GSI));
        r.xen.drain();
        assertEquals(1, r.linesContaining("retrigger_dynirq: pirq " + GSI));
        assertEquals(2, irq.maskedWithoutActionCount(), "one event after enable_irq, still with no action");
        assertTrue(irq.isPending());
        assertFalse(r.d0.isPirqEventPending(GSI), "eoi_pirq cleared the merged event's bit");
        assertTrue(r.d0.isPirqEventMasked(GSI));
    }

    // drivers/xen/events/events_base.c:__startup_pirq@v6.12: a bind Xen refuses (here -EEXIST:
    // evtchn_bind_pirq, xen/common/event_channel.c@RELEASE-4.20.0, the pirq already has a channel) is
    // only warned about, "Failed to obtain physical IRQ", and startup returns 0; __setup_irq does not
    // look at irq_startup's result anyway. So request_irq succeeds, the action is installed and the
    // irq started, with no event channel: the line's interrupts never reach the handler, and
    // shutdown_pirq at free_irq has no channel to close (VALID_EVTCHN)
    @Test
    void aRequestIrqWhoseBindFailsSucceedsWithNoEventChannel() {
        final TestRig r = pvDom0();
        assertEquals(0, r.xen.evtchn().bindPirq(r.d0, GSI, true));
        final int[] runs = {0};
        final IrqHandler h = CountingHandler.counting(runs);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", h));
        assertEquals(1, r.linesContaining("startup_pirq: EVTCHNOP_bind_pirq(pirq 16, shareable) = -EEXIST"));
        assertEquals(1, r.linesContaining("Failed to obtain physical IRQ " + r.dom0.irqs().byGsi(GSI).irq()));
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        assertEquals(1, irq.handlers().size(), "the action is installed");
        assertTrue(irq.isStarted());
        assertFalse(irq.isEvtchnBound());
        assertTrue(irq.isMasked());
        r.nic().setInterruptRequest(true);
        r.xen.drain();
        assertEquals(0, runs[0], "no channel: nothing reaches the handler");
        assertEquals("t", r.dom0.freeIrq(GSI, h));
        assertEquals(0, r.linesContaining("shutdown_pirq: EVTCHNOP_close"), "no channel of its own to close");
        assertTrue(r.d0.pirqs().get(GSI).isEvtchnBound(), "the channel bound before is left alone");
    }

    // irq_shutdown (kernel/irq/chip.c@v6.12) sets the depth to 1, whatever disable_irq left it at
    // (kernels after v6.12 count it up instead)
    @Test
    void irqShutdownSetsTheDepthToOneAtV612() {
        final TestRig r = pvDom0();
        final IrqHandler h = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", h));
        assertEquals(0, r.dom0.disableIrq(GSI));
        assertEquals(0, r.dom0.disableIrq(GSI));
        assertEquals(2, r.dom0.irqs().byGsi(GSI).disableDepth());
        assertEquals("t", r.dom0.freeIrq(GSI, h));
        assertEquals(1, r.dom0.irqs().byGsi(GSI).disableDepth());
    }

    // __free_irq: the irq is shut down only when its last action goes; freeing a handler it does not
    // have is "Trying to free already-free IRQ"
    @Test
    void freeIrqWithAHandlerLeftKeepsTheChannelBound() {
        final TestRig r = pvDom0();
        final IrqHandler a = IrqHandler.sync(i -> true);
        final IrqHandler b = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "a", a));
        assertEquals(0, r.dom0.requestIrq(GSI, "b", b));
        assertEquals("a", r.dom0.freeIrq(GSI, a));
        assertNull(r.dom0.freeIrq(GSI, a));
        assertEquals(1, r.linesContaining("Trying to free already-free IRQ 16"));
        assertEquals(0, r.linesContaining("EVTCHNOP_close"));
        assertTrue(r.d0.pirqs().get(GSI).isEvtchnBound());
        assertFalse(r.d0.isPirqEventMasked(GSI));
    }

    // disable_irq -> __disable_irq (depth 0 -> 1) -> irq_disable: the xen-pirq chip's irq_disable,
    // disable_pirq -> disable_dynirq, masks the channel, so Xen's next event waits pending; a nested
    // disable only counts. enable_irq -> __enable_irq at depth 1 -> irq_startup on a started irq ->
    // irq_enable -> the chip's irq_enable, enable_pirq -> enable_dynirq -> do_unmask: the pending
    // event is delivered
    @Test
    void enablePirqUnmasksTheChannelDisablePirqMasked() {
        final TestRig r = pvDom0();
        final PciFunction f = r.nic();
        final int[] ran = {0};
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> {
            ran[0]++;
            f.setInterruptRequest(false);
            return true;
        })));
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        assertFalse(irq.isMasked(), "irq_startup cleared IRQD_IRQ_MASKED");
        assertEquals(0, r.dom0.disableIrq(GSI));
        assertEquals(0, r.dom0.disableIrq(GSI));
        assertTrue(r.d0.isPirqEventMasked(GSI));
        assertTrue(irq.isMasked(), "disable_pirq -> disable_dynirq: masked");
        f.setInterruptRequest(true);
        r.xen.drain();
        assertEquals(0, ran[0]);
        assertTrue(r.d0.isPirqEventPending(GSI));
        assertEquals(0, r.dom0.enableIrq(GSI));
        assertEquals(0, ran[0], "depth 2 -> 1: still disabled");
        assertTrue(r.d0.isPirqEventMasked(GSI));
        assertEquals(0, r.dom0.enableIrq(GSI));
        assertEquals(1, ran[0], "enable_pirq's unmask delivered the pending event");
        assertFalse(r.d0.isPirqEventMasked(GSI));
        assertFalse(irq.isMasked(), "irq_enable with a chip irq_enable: IRQD_IRQ_MASKED cleared");
        assertFalse(r.dom0.irqs().byGsi(GSI).isDisabled());
    }

    // __enable_irq at depth 0: "Unbalanced enable for IRQ", nothing changes
    @Test
    void unbalancedEnableIrqIsReportedAndChangesNothing() {
        final TestRig r = pvDom0();
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> true)));
        assertEquals(-Errno.EINVAL, r.dom0.enableIrq(GSI));
        assertEquals(1, r.linesContaining("Unbalanced enable for IRQ 16"));
        assertEquals(0, r.dom0.irqs().byGsi(GSI).disableDepth());
        assertEquals(-Errno.EINVAL, r.dom0.disableIrq(4000));
    }

    // free_irq, __disable_irq_nosync and enable_irq (kernel/irq/manage.c@v6.12) look the descriptor up
    // first (irq_to_desc / irq_get_desc_buslock): with none, free_irq returns NULL and the other two
    // do nothing (-EINVAL from __disable_irq_nosync); no descriptor is touched, nothing is thrown
    @Test
    void freeIrqDisableIrqAndEnableIrqOfAnIrqWithNoDescriptorDoNothing() {
        final TestRig r = pvDom0();
        assertNull(r.dom0.irqs().byIrq(4000));
        final long mark = r.mark();
        assertNull(r.dom0.freeIrq(4000, IrqHandler.sync(i -> true)));
        assertEquals(-Errno.EINVAL, r.dom0.disableIrq(4000));
        assertEquals(1, r.linesContaining("disable_irq(4000): no such irq"));
        assertEquals(-Errno.EINVAL, r.dom0.enableIrq(4000));
        assertEquals(1, r.linesContaining("enable_irq(4000): no such irq"));
        assertEquals(0, r.recordsSince(mark, HvEvent.HYPERCALL).size(), "no hypercall");
    }

    // shutdown_pirq (drivers/xen/events/events_base.c@v6.12): "if (!VALID_EVTCHN(evtchn)) return;" -- an
    // irq whose channel was never bound issues no EVTCHNOP_close and keeps its state
    @Test
    void shutdownPirqWithoutABoundChannelDoesNothing() {
        final TestRig r = pvDom0();
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        assertFalse(irq.isStarted());
        final long mark = r.mark();
        r.dom0.backend().shutdown(irq);
        assertEquals(0, r.linesContaining("EVTCHNOP_close"));
        assertEquals(0, r.recordsSince(mark, HvEvent.HYPERCALL).size(), "no hypercall");
    }

    // __startup_pirq -> do_eoi_pirq -> event_handler_exit -> clear_evtchn (drivers/xen/events/events_base.c@v6.12):
    // an event already pending on the channel when startup ends is dropped, not delivered once the irqs-off
    // section is left. The line is not asserted, so Xen raises nothing after the PHYSDEVOP_eoi either
    @Test
    void startupPirqDropsAnEventPendingBeforeItsTrailingEoi() {
        final TestRig r = pvDom0();
        r.d0.sendPirqEvent(GSI);   // masked since xen_init_IRQ: the event waits pending
        assertTrue(r.d0.isPirqEventPending(GSI));
        final int[] ran = {0};
        assertEquals(0, r.dom0.requestIrq(GSI, "t", CountingHandler.counting(ran)));
        r.xen.drain();
        assertEquals(0, ran[0], "clear_evtchn dropped it");
        assertFalse(r.d0.isPirqEventPending(GSI));
        assertEquals(1, r.linesContaining("startup_pirq: PHYSDEVOP_eoi(pirq 16) = 0"));
    }
}
