package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.debug.StateDump;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's use of a pirq event channel's mask bit (drivers/xen/events/events_base.c,
 * events_2l.c@v6.12) against Xen's 2-level ABI (xen/common/event_2l.c@RELEASE-4.20.0).
 */
class XenPirqMaskTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    private static TestRig pvDom0() {
        return TestRig.withNicEnabled(XenConfig.XEN_4_20, DomainType.PV);
    }

    private static boolean dumpHasLineEndingWith(final Hypervisor xen, final String end) {
        for (final String l : StateDump.of(xen).split("\n")) {
            if (l.endsWith(end)) {
                return true;
            }
        }
        return false;
    }

    // xen_init_IRQ masks every channel at boot; __startup_pirq binds the pirq (the new port is
    // masked) and do_unmask(EVT_MASK_REASON_EXPLICIT) unmasks it
    @Test
    void startupPirqUnmasksTheChannelXenInitIrqMasked() {
        final TestRig r = pvDom0();
        assertTrue(r.d0.isPirqEventMasked(GSI), "masked since xen_init_IRQ");
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> true)));
        assertFalse(r.d0.isPirqEventMasked(GSI), "unmasked by startup_pirq");
        assertTrue(dumpHasLineEndingWith(r.xen, "d0: 16(---)"), StateDump.of(r.xen));
        assertTrue(dumpHasLineEndingWith(r.xen, "pirq 16 -> irq 16 evtchn-bound [0/0]"), StateDump.of(r.xen));
    }

    // evtchn_2l_set_pending: the line is already asserted when EVTCHNOP_bind_pirq's pirq_guest_bind
    // unmasks the pin; the event finds the new port masked and waits; evtchn_2l_unmask's local path
    // (PV: clear the bit, find it pending, mark the upcall pending itself) needs no EVTCHNOP_unmask.
    // __startup_pirq's trailing do_eoi_pirq then clears that event and EOIs, and the line, still
    // asserted, is delivered once after the bind (XenPirqLifecycleTest pins the order)
    @Test
    void aLineAssertedAtBindNeedsNoEvtchnopUnmaskInPv() {
        final TestRig r = pvDom0();
        final PciFunction f = r.nic();
        f.setInterruptRequest(true);
        final long[] bindLoggedWhenHandled = {-1};
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> {
            bindLoggedWhenHandled[0] = r.linesContaining("startup_pirq: EVTCHNOP_bind_pirq(pirq 16, shareable) = 0");
            f.setInterruptRequest(false);
            return true;
        })));
        assertEquals(1, bindLoggedWhenHandled[0], "the handler ran once, after the bind returned");
        assertEquals(0, r.linesContaining("EVTCHNOP_unmask"), "a PV guest unmasks in shared memory");
        assertFalse(r.d0.isPirqEventPending(GSI));
    }

    // mask_irq on a pirq irq with no action: disable_dynirq -> do_mask -> evtchn_2l_mask sets the
    // mask bit; PHYSDEVOP_eoi lets the still-asserted line fire again, and that event stays pending
    // (evtchn_2l_set_pending: no upcall for a masked port), so the flow handler runs once
    @Test
    void maskIrqMasksTheChannelSoTheNextEventStaysPending() {
        final TestRig r = pvDom0();
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        irq.setStarted(true);
        assertEquals(0, r.dom0.backend().startup(irq));
        r.nic().setInterruptRequest(true);
        r.xen.drain();
        assertEquals(1, irq.maskedWithoutActionCount());
        assertTrue(r.d0.isPirqEventMasked(GSI));
        assertTrue(r.d0.isPirqEventPending(GSI), "the second event is pending behind the mask");
        assertTrue(dumpHasLineEndingWith(r.xen, "d0: 16(PMM)"), StateDump.of(r.xen));
        assertTrue(dumpHasLineEndingWith(r.xen, "pirq 16 -> irq 16 masked evtchn-bound [1/1]"), StateDump.of(r.xen));
    }

    // note_interrupt's "nobody cared" -> irq_disable -> __irq_disable (kernel/irq/chip.c@v6.12): the
    // xen-pirq chip has an irq_disable (disable_pirq -> disable_dynirq), so the channel is masked at
    // once, not by the next interrupt's flow handler as for the IO-APIC chip
    @Test
    void nobodyCaredMasksAPirqChannelAtOnce() {
        final TestRig r = pvDom0();
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> false)));
        final LinuxIrq irq = r.dom0.irqs().byGsi(GSI);
        for (int i = 0; i < LinuxIrq.SPURIOUS_WINDOW; i++) {
            r.dom0.pirqEvent(r.d0.vcpu(0), GSI);
        }
        assertTrue(irq.isSpuriousDisabled());
        assertEquals(1, r.linesContaining("irq 16: nobody cared; disabling IRQ #16"));
        assertTrue(r.d0.isPirqEventMasked(GSI), "disable_pirq masked the channel");
        assertEquals(0, irq.maskedWithoutActionCount(), "no interrupt took the disabled path");
    }

    // evtchn_2l_unmask in an HVM-type guest (xen_hvm_domain()): the event is pending, so the bit is
    // set again and EVTCHNOP_unmask asked for; Xen's evtchn_2l_unmask raises the upcall
    @Test
    void anHvmGuestUnmasksAPendingChannelWithEvtchnopUnmask() {
        final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20);
        xen.createDomain(DomainConfig.dom0(DomainType.PVH, 1));
        final Domain domU = xen.createDomain(DomainConfig.hvmGuest("g", 1, true));
        final Timeline log = new Timeline(xen.platform().clock(), xen.trace()::recordCount);
        final LinuxDomU kernel = new LinuxDomU(xen, domU, log, new io.irqsim.hw.pci.PciRoot());
        kernel.boot();
        final int gsi = 40;
        final int irqNo = kernel.backend().registerGsi(gsi, true, true);
        final LinuxIrq irq = kernel.irqs().byIrq(irqNo);
        final int[] ran = {0};
        assertEquals(0, kernel.requestIrq(irqNo, "t", CountingHandler.counting(ran)));
        assertFalse(domU.isPirqEventMasked(irq.pirq()));
        kernel.backend().mask(irq);
        domU.sendPirqEvent(irq.pirq());
        xen.drain();
        assertEquals(0, ran[0], "masked: pending, no upcall");
        ((XenPirqBackend) kernel.backend()).unmaskEvtchn(irq.pirq());
        assertEquals(1, ran[0], "EVTCHNOP_unmask raised the upcall");
        assertEquals(1, log.entries().stream()
            .filter(e -> e.text().equals("unmask_evtchn: EVTCHNOP_unmask(pirq " + irq.pirq() + ") = 0")).count());
        assertFalse(domU.isPirqEventMasked(irq.pirq()));
    }
}
