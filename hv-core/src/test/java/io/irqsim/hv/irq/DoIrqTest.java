package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code do_IRQ} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same at {@code RELEASE-4.20.0}) at
 * its edges: a vector with no IRQ ({@code vector_irq[] < 0}) is EOI'd at the LAPIC; an IRQ that is
 * neither {@code IRQ_GUEST} nor handled by Xen is {@code IRQ_DISABLED} and goes to {@code out},
 * the controller's {@code end} ({@code end_level_ioapic_irq_old} with directed EOI masks a
 * disabled IRQ before the IO-APIC EOI and leaves it masked); and {@code irq_ratelimit_list} with
 * one timer for all IRQs on it ({@code irq_ratelimit_timer_fn} enables each, whatever its
 * {@code IRQ_DISABLED}).
 */
class DoIrqTest {

    private static final long TEN_MS = GuestIrqs.IRQ_RATELIMIT_INTERVAL_NS;

    private final Rig rig = Rig.boot(XenConfig.XEN_4_18);
    private final Domain dom0 = rig.pvDom0();

    /**
     * Binds a level GSI to the PV dom0 the way Linux does (map_pirq, setup_gsi, bind_pirq); dom0's
     * handler then EOIs every event (PHYSDEVOP_eoi) without quieting any device.
     */
    private void bindStuck(final int... gsis) {
        for (final int gsi : gsis) {
            final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI,
                gsi, gsi);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, gsi, 1, 1));
            assertEquals(0, rig.xen.evtchn().bindPirq(dom0, map.pirq, true));
        }
        dom0.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                assertEquals(0, rig.xen.physdev().eoi(dom0, pirq));
            }
        });
    }

    // do_IRQ, "irq < 0": no direct handler; the vector is in service at the LAPIC, so ack_APIC_irq()
    @Test
    void aVectorWithoutAnIrqIsEoidAtTheLapic() {
        final LocalApic lapic = rig.xen.platform().lapic(0);
        assertEquals(-1, rig.xen.irqDescs().irqForVector(0x99));
        assertTrue(lapic.accept(0x99, Rte.DM_FIXED, false));
        rig.xen.drain();
        assertFalse(lapic.isr(0x99));
        assertEquals(1, rig.xen.guestIrqs().spuriousCount());
        final TraceRecord spurious = rig.records(HvEvent.SPURIOUS_IRQ).get(0);
        assertEquals(0x99, spurious.a());
        assertEquals(-1, spurious.b());
        final TraceRecord doIrq = rig.records(HvEvent.DO_IRQ).get(0);
        assertEquals(0x99, doIrq.a());
        assertEquals(0, doIrq.c(), "no guests");
    }

    // do_IRQ@RELEASE-4.20.0: IRQ 0 is neither IRQ_GUEST nor IRQ_DISABLED and has an action (time.c:early_time_init's
    // setup_irq(0, 0, &irq0)), so after ack_edge_ioapic_irq (LAPIC EOI) the action's handler runs
    // (timer_interrupt) and clears IRQ_PENDING; it is not an unbound IRQ and its pin stays unmasked
    @Test
    void anInterruptOnIrqZeroRunsXensTimerHandler() {
        final LocalApic lapic = rig.xen.platform().lapic(0);
        final int vector = rig.xen.irqDescs().desc(0).vector();
        assertEquals(0, rig.xen.irqDescs().irqForVector(vector));
        for (int i = 0; i < 2; i++) {
            assertTrue(lapic.accept(vector, Rte.DM_FIXED, false));
            rig.xen.drain();
        }
        assertFalse(lapic.isr(vector), "ack_APIC_irq");
        assertEquals(0, rig.xen.guestIrqs().spuriousCount());
        assertEquals(0, rig.count(HvEvent.SPURIOUS_IRQ));
        assertEquals(2, rig.count(HvEvent.DO_IRQ));
        assertFalse(Rte.isMasked(rig.physRte(2)), "not masked as an unbound disabled edge IRQ would be");
    }

    // the level IRQ's last guest leaves while irq_ratelimit has it disabled; irq_ratelimit_timer_fn still calls
    // handler->enable (unmask_IO_APIC_irq); the stuck line then reaches do_IRQ as a non-guest IRQ_DISABLED
    // IRQ: end_level_ioapic_irq_old masks it, EOIs the IO-APIC and does not unmask it
    @Test
    void aDisabledLevelIrqReenabledByTheRatelimitTimerIsMaskedAgainByItsNextInterrupt() {
        bindStuck(DefaultPlatform.NIC_GSI);
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        final IrqDesc d = rig.xen.irqDescs().desc(DefaultPlatform.NIC_GSI);
        assertTrue(d.isRateLimited());
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, dom0.pirqs().get(DefaultPlatform.NIC_GSI));
        assertTrue(d.isDisabled());
        assertTrue(Rte.isMasked(rig.physRte(DefaultPlatform.NIC_GSI)));
        final long taken = rig.xen.guestIrqs().cpu(0).interruptsTaken();
        final long spurious = rig.xen.guestIrqs().spuriousCount();
        final int eois = rig.count(HvEvent.PHYS_EOI);
        rig.xen.advanceTime(TEN_MS);
        assertFalse(d.isRateLimited());
        assertEquals(taken + 1, rig.xen.guestIrqs().cpu(0).interruptsTaken(), "one interrupt, then masked");
        assertEquals(spurious + 1, rig.xen.guestIrqs().spuriousCount());
        assertEquals(eois + 1, rig.count(HvEvent.PHYS_EOI));
        final long e = rig.physRte(DefaultPlatform.NIC_GSI);
        assertTrue(Rte.isMasked(e), "IRQ_DISABLED: masked and left masked");
        assertFalse(Rte.remoteIrr(e), "the IO-APIC EOI register was written");
    }

    // do_IRQ: the timer is set only when irq_ratelimit_list was empty; list_add puts the newest first, and
    // irq_ratelimit_timer_fn enables every IRQ on the list at the first IRQ's deadline
    @Test
    void oneRatelimitTimerReenablesEveryListedIrqAtTheFirstOnesDeadline() {
        bindStuck(DefaultPlatform.NIC_GSI, DefaultPlatform.BEHIND_BRIDGE_GSI);
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        rig.xen.drain();
        final long first = rig.xen.platform().clock().now();
        rig.xen.advanceTime(3_000_000L);
        rig.device(DefaultPlatform.BEHIND_BRIDGE).setInterruptRequest(true);
        rig.xen.drain();
        final IrqDesc nic = rig.xen.irqDescs().desc(DefaultPlatform.NIC_GSI);
        final IrqDesc behind = rig.xen.irqDescs().desc(DefaultPlatform.BEHIND_BRIDGE_GSI);
        assertTrue(nic.isRateLimited());
        assertTrue(behind.isRateLimited());
        // not re-armed by the second: observed below by the end coming at first + 10 ms (a re-armed
        // timer would end it at first + 13 ms); nextDeadline() may be a guest-EOI timer's
        rig.xen.advanceTime(first + TEN_MS - 1 - rig.xen.platform().clock().now());
        assertEquals(0, rig.count(HvEvent.IRQ_RATELIMIT_END));
        assertTrue(Rte.isMasked(rig.physRte(DefaultPlatform.BEHIND_BRIDGE_GSI)));
        rig.xen.advanceTime(1);
        final List<TraceRecord> ends = rig.records(HvEvent.IRQ_RATELIMIT_END);
        assertEquals(2, ends.size());
        assertEquals(DefaultPlatform.BEHIND_BRIDGE_GSI, ends.get(0).a(), "the newest on the list first");
        assertEquals(DefaultPlatform.NIC_GSI, ends.get(1).a());
    }
}
