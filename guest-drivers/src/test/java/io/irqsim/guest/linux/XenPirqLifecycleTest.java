package io.irqsim.guest.linux;

import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Linux side of a pirq's life in a PV dom0 (drivers/xen/events/events_base.c, the
 * {@code xen_pirq_chip}, read at Kingxukai/linux@9b44fff6) against Xen's event channels and guest
 * IRQs (xen/common/event_channel.c, xen/arch/x86/irq.c@RELEASE-4.20.0): the bind and its trailing
 * EOI, the shutdown on the last {@code free_irq}, and {@code disable_irq} / {@code enable_irq}.
 */
class XenPirqLifecycleTest {

    private static final Bdf NIC = DefaultPlatform.NIC;
    private static final int GSI = DefaultPlatform.NIC_GSI;

    private static TestRig pvDom0() {
        final TestRig r = TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_20, DomainType.PV,
            PcistubVariants.ENABLE_ONLY, List.of());
        r.dom0.pciEnableDevice(NIC);
        return r;
    }

    private static PciFunction nic(final TestRig r) {
        return r.xen.platform().pci().function(NIC);
    }

    // __startup_pirq: bind, do_unmask, then do_eoi_pirq: event_handler_exit clears the channel's
    // pending bit and, as pirq_check_eoi_map says the level pin needs it, PHYSDEVOP_eoi. The line was
    // asserted when pirq_guest_bind unmasked the pin: that interrupt's event is dropped, and Xen,
    // which waited for its EOI with the pin masked, unmasks it and takes the line again; the handler
    // runs for that second interrupt, after the EOI (request_irq runs with interrupts off)
    @Test
    void startupPirqEoisTheInterruptXenRaisedAtTheBind() {
        final TestRig r = pvDom0();
        final PciFunction f = nic(r);
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
        assertTrue(!r.d0.isPirqEventPending(GSI));
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
}
