package io.irqsim.hv.irq;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's own interrupt-storm limiter, {@code irq_ratelimit} in {@code do_IRQ}
 * ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, unchanged at {@code RELEASE-4.20.0}): an IRQ bound
 * to guests counts its interrupts ({@code rl_cnt}); the one that finds the count at
 * {@code irq_ratelimit_threshold} (10000) while the quantum that began at
 * {@code rl_quantum_start} is younger than 10 ms gets the controller's {@code disable} (a level
 * IO-APIC pin is masked), goes on {@code irq_ratelimit_list} and is dropped; 10 ms later
 * {@code irq_ratelimit_timer_fn} calls the controller's {@code enable}. Neither the physical
 * IO-APIC nor Xen's vIO-APIC throttles anything themselves.
 */
class IrqRatelimitTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;
    private static final long TEN_MS = 10_000_000L;

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final Domain dom0 = rig.pvhDom0();
    private final Domain domu = rig.hvmGuest("domU");
    private final PciFunction nic = rig.device(DefaultPlatform.NIC);
    private int guestInterrupts;

    /** A guest handler that EOIs its vLAPIC but never quiets the device: the level line stays asserted. */
    private void stuckHandler() {
        Rig.onInterrupt(domu, (v, vector) -> {
            guestInterrupts++;
            Rig.lapicEoi(v);
        });
    }

    private long doIrqs() {
        return rig.xen.guestIrqs().cpu(0).interruptsTaken();
    }

    private IrqDesc desc() {
        return rig.xen.irqDescs().desc(GSI);
    }

    // do_IRQ: "desc->rl_cnt++ >= irq_ratelimit_threshold" within MILLISECS(10) of rl_quantum_start ->
    // handler->disable (mask_IO_APIC_irq), list_add, set_timer(now + MILLISECS(10)), goto out
    @Test
    void aStuckLevelLineIsDisabledAfterTenThousandGuestInterruptsWithinTenMilliseconds() {
        stuckHandler();
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertTrue(rig.xen.platform().clock().now() < TEN_MS, "the storm ran in the first quantum");
        assertEquals(10_001, doIrqs(), "10,000 interrupts handed on, the 10,001st dropped");
        assertEquals(10_000, guestInterrupts);
        assertEquals(1, rig.xen.guestIrqs().ratelimitedCount());
        assertTrue(desc().isRateLimited());
        assertTrue(Rte.isMasked(rig.physRte(GSI)), "ioapic_level_type.disable = mask_IO_APIC_irq");
        assertFalse(desc().isDisabled(), "handler->disable does not set IRQ_DISABLED");
        assertEquals("guest,ratelimited", io.irqsim.hv.debug.StateDump.status(desc()),
            "the state dump shows the guest-bound IRQ on irq_ratelimit_list, not IRQ_DISABLED");
        assertFalse(Rte.remoteIrr(rig.physRte(GSI)), "the dropped interrupt was still ended at the controller");
        final List<TraceRecord> limited = rig.records(HvEvent.IRQ_RATELIMIT);
        assertEquals(1, limited.size());
        assertEquals(GSI, limited.get(0).a());
        assertEquals(10_001, limited.get(0).b(), "rl_cnt after the post-increment");
        // set_timer(now + MILLISECS(10)): observed by when the ratelimit ends, not by which timer
        // is next on the clock (a guest-EOI timer may be armed before it)
        rig.xen.advanceTime(TEN_MS - 1);
        assertEquals(0, rig.count(HvEvent.IRQ_RATELIMIT_END), "still on irq_ratelimit_list 1 ns before");
        rig.xen.advanceTime(1);
        assertEquals(1, rig.count(HvEvent.IRQ_RATELIMIT_END), "irq_ratelimit_timer_fn at now + 10 ms");
    }

    // irq_ratelimit_timer_fn 10 ms later: handler->enable (unmask_IO_APIC_irq); the still-stuck line
    // fires at once and the check starts a new quantum (rl_cnt = 0, rl_quantum_start = now)
    @Test
    void theTimerReenablesTheIrqAfterTenMillisecondsAndANewQuantumBegins() {
        stuckHandler();
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        final long t0 = rig.xen.platform().clock().now();
        rig.xen.advanceTime(TEN_MS - 1);
        assertEquals(10_001, doIrqs(), "still disabled 1 ns before the timer");
        assertTrue(Rte.isMasked(rig.physRte(GSI)));
        rig.xen.advanceTime(1);
        assertEquals(1, rig.count(HvEvent.IRQ_RATELIMIT_END));
        // the first interrupt after the timer resets the count and is handed on, then 10,000 more,
        // then the next one is dropped again (rl_quantum_start is now t0 + 10 ms)
        assertEquals(10_001 + 10_002, doIrqs());
        assertEquals(20_001, guestInterrupts);
        assertEquals(2, rig.xen.guestIrqs().ratelimitedCount());
        assertEquals(t0 + TEN_MS, rig.xen.platform().clock().now());
        assertTrue(Rte.isMasked(rig.physRte(GSI)));
    }

    // the storm ends while the IRQ is disabled: the timer unmasks it and the device works normally again
    @Test
    void anIrqWhoseStormEndedRecoversWhenTheTimerReenablesIt() {
        stuckHandler();
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        nic.setInterruptRequest(false);
        rig.xen.drain();
        rig.xen.advanceTime(TEN_MS);
        assertFalse(Rte.isMasked(rig.physRte(GSI)), "unmask_IO_APIC_irq from the timer");
        assertFalse(desc().isRateLimited());
        final long before = doIrqs();
        assertEquals(before, doIrqs(), "a quiet line: nothing delivered on unmask");
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        for (int i = 1; i <= 3; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, drv.handled, "interrupt " + i + " after recovery reached the guest");
        }
        assertEquals(before + 3, doIrqs());
        assertEquals(1, rig.xen.guestIrqs().ratelimitedCount(), "a new quantum began: no second limit");
    }

    // do_IRQ: interrupts spread over more than 10 ms are never limited; each 10,000th resets the quantum
    @Test
    void tenThousandInterruptsSpreadOverMoreThanTenMillisecondsAreNotLimited() {
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        for (int i = 0; i < 25_000; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            rig.xen.advanceTime(1_000); // 1 us apart: 10,000 take exactly 10 ms
        }
        assertEquals(25_000, drv.handled);
        assertEquals(0, rig.xen.guestIrqs().ratelimitedCount());
    }

    // ioapic_edge_type.disable = irq_disable_none: an edge IRQ is not masked, each interrupt inside the
    // quantum is dropped, and the descriptor goes on the list once
    @Test
    void anEdgeIrqIsNotMaskedButItsInterruptsAreDroppedUntilTheQuantumEnds() {
        final Rig pv = Rig.boot(XenConfig.XEN_4_18);
        final Domain pvDom0 = pv.pvDom0();
        final PciFunction dev = pv.device(DefaultPlatform.NIC);
        final io.irqsim.hv.hypercall.PhysdevOps.MapPirq map = new io.irqsim.hv.hypercall.PhysdevOps.MapPirq(
            Domain.DOMID_SELF, io.irqsim.hv.hypercall.PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI);
        assertEquals(0, pv.xen.physdev().mapPirq(pvDom0, map));
        assertEquals(0, pv.xen.physdev().setupGsi(pvDom0, GSI, 0, 1)); // edge, active low
        assertEquals(0, pv.xen.evtchn().bindPirq(pvDom0, map.pirq, true));
        final int[] events = new int[1];
        pvDom0.setKernel(new io.irqsim.hv.domain.GuestKernel() {
            @Override
            public void pirqEvent(final io.irqsim.hv.domain.Vcpu vcpu, final int pirq) {
                events[0]++;
            }
        });
        for (int i = 0; i < 10_002; i++) {
            dev.setInterruptRequest(true); // the falling edge of the active-low line
            pv.xen.drain();
            dev.setInterruptRequest(false);
            pv.xen.drain();
        }
        assertEquals(10_000, events[0]);
        assertEquals(2, pv.xen.guestIrqs().ratelimitedCount(), "the 10,001st and 10,002nd dropped");
        assertFalse(Rte.isMasked(pv.physRte(GSI)), "irq_disable_none: the pin stays unmasked");
        assertTrue(pv.xen.irqDescs().desc(GSI).isRateLimited());
        assertEquals(1, pv.xen.platform().clock().armedTimers(), "the ratelimit timer only (edge: ACKTYPE_NONE, no EOI timer)");
        pv.xen.advanceTime(TEN_MS);
        assertFalse(pv.xen.irqDescs().desc(GSI).isRateLimited());
        dev.setInterruptRequest(true);
        pv.xen.drain();
        assertEquals(10_001, events[0], "a new quantum: delivered again");
    }

    // do_IRQ: only IRQ_GUEST descriptors are rate limited; the count is per IRQ
    @Test
    void theCountIsPerIrq() {
        stuckHandler();
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertTrue(desc().isRateLimited());
        for (int irq = 0; irq < rig.xen.irqDescs().nrIrqsGsi(); irq++) {
            if (irq != GSI) {
                assertFalse(rig.xen.irqDescs().desc(irq).isRateLimited(), "irq " + irq);
            }
        }
    }
}
