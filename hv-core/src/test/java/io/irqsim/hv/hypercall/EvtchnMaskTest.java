package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.debug.StateDump;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mask bit of a pirq's event channel, 2-level ABI ({@code xen/common/event_2l.c@RELEASE-4.20.0}):
 * the guest writes it in shared memory, Xen reads it when it sets an event pending and clears it in
 * {@code EVTCHNOP_unmask}.
 */
class EvtchnMaskTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    /** A PV dom0 with the NIC's GSI as pirq 16, its channel bound, counting the events it takes. */
    private static final class Pv {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = EvtchnOpsTest.pvDom0WithPirq(rig);
        final int[] taken = {0};

        Pv() {
            dom0.setKernel(new GuestKernel() {
                @Override
                public void pirqEvent(final Vcpu vcpu, final int pirq) {
                    taken[0]++;
                }
            });
            assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        }

        void fire() {
            rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
            rig.xen.drain();
        }

        String irqLine() {
            for (final String l : List.of(StateDump.of(rig.xen).split("\n"))) {
                if (l.startsWith("   IRQ:  16 ")) {
                    return l.substring(l.indexOf("d0:"));
                }
            }
            return "(no IRQ 16 line)";
        }

        String pirqLine() {
            for (final String l : List.of(StateDump.of(rig.xen).split("\n"))) {
                if (l.startsWith("    pirq 16 ")) {
                    return l;
                }
            }
            return "(no pirq 16 line)";
        }
    }

    // evtchn_2l_set_pending (xen/common/event_2l.c@RELEASE-4.20.0): a masked port gets its pending
    // bit and no upcall, so send_guest_pirq's event stays pending and the guest does not take it
    @Test
    void aMaskedPirqChannelsEventStaysPendingAndIsNotDelivered() {
        final Pv pv = new Pv();
        pv.dom0.writePirqEventMask(GSI, true);
        pv.fire();
        assertEquals(0, pv.taken[0], "no upcall for a masked channel");
        assertTrue(pv.dom0.isPirqEventPending(GSI), "the pending bit is set all the same");
        assertTrue(pv.dom0.isPirqEventMasked(GSI));
    }

    // evtchn_2l_unmask via EVTCHNOP_unmask (evtchn_unmask, xen/common/event_channel.c@RELEASE-4.20.0):
    // the mask bit was set and the port is pending, so the upcall is raised and the event delivered
    @Test
    void evtchnopUnmaskDeliversTheEventThatWasPendingWhileMasked() {
        final Pv pv = new Pv();
        pv.dom0.writePirqEventMask(GSI, true);
        pv.fire();
        assertEquals(0, pv.rig.xen.evtchn().unmask(pv.dom0, GSI));
        assertEquals(1, pv.taken[0], "the pending event reached the guest at the unmask");
        assertFalse(pv.dom0.isPirqEventMasked(GSI));
        assertFalse(pv.dom0.isPirqEventPending(GSI), "the guest took it");
    }

    // evtchn_2l_unmask: no upcall unless the mask bit was set (guest_test_and_clear_bit); a port the
    // guest unmasked in shared memory itself is left to the guest (it raises its own upcall)
    @Test
    void evtchnopUnmaskOfAnUnmaskedPortRaisesNoUpcall() {
        final Pv pv = new Pv();
        pv.dom0.writePirqEventMask(GSI, true);
        pv.fire();
        pv.dom0.writePirqEventMask(GSI, false);   // sync_clear_bit, no hypercall
        pv.rig.xen.drain();
        assertEquals(0, pv.taken[0], "clearing the bit in memory raises nothing");
        assertEquals(0, pv.rig.xen.evtchn().unmask(pv.dom0, GSI));
        assertEquals(0, pv.taken[0], "EVTCHNOP_unmask found the bit clear: no upcall");
        pv.dom0.markEventUpcallPending();        // what Linux's evtchn_2l_unmask does next for PV
        pv.rig.xen.drain();
        assertEquals(1, pv.taken[0]);
    }

    // evtchn_2l_set_pending: guest_test_and_set_bit on an already pending port returns early, so a
    // second event while masked is the same pending bit: one delivery at the unmask
    @Test
    void eventsToAMaskedPendingChannelCoalesceIntoOne() {
        final Pv pv = new Pv();
        pv.dom0.writePirqEventMask(GSI, true);
        pv.dom0.sendPirqEvent(GSI);
        pv.dom0.sendPirqEvent(GSI);
        pv.rig.xen.drain();
        assertEquals(0, pv.rig.xen.evtchn().unmask(pv.dom0, GSI));
        assertEquals(1, pv.taken[0]);
    }

    // evtchn_close -> evtchn_free (xen/common/event_channel.c@RELEASE-4.20.0) clears the pending bit
    // and leaves the mask bit alone (it is the guest's, in shared memory); evtchn_bind_pirq does not
    // touch it either (the 2-level ABI has no evtchn_port_init hook)
    @Test
    void closeClearsPendingAndLeavesTheMaskBitAsTheGuestWroteIt() {
        final Pv pv = new Pv();
        pv.dom0.writePirqEventMask(GSI, true);
        pv.fire();
        assertEquals(0, pv.rig.xen.evtchn().unbindPirq(pv.dom0, GSI));
        assertFalse(pv.dom0.isPirqEventPending(GSI), "evtchn_free cleared pending");
        assertTrue(pv.dom0.isPirqEventMasked(GSI), "the mask bit is still set");
        assertEquals(0, pv.rig.xen.evtchn().bindPirq(pv.dom0, GSI, true));
        assertTrue(pv.dom0.isPirqEventMasked(GSI), "a new bind leaves it set");
        assertEquals(0, pv.taken[0]);
    }

    // EVTCHNOP_unmask with no channel bound to the pirq: irqsim numbers no ports, so -EINVAL
    @Test
    void unmaskOfAPirqWithNoChannelGivesEinval() {
        final Pv pv = new Pv();
        assertEquals(-Errno.EINVAL, pv.rig.xen.evtchn().unmask(pv.dom0, 17));
        assertEquals(-Errno.EINVAL, pv.rig.xen.evtchn().unmask(pv.dom0, -1));
        assertEquals(0, pv.rig.xen.evtchn().unbindPirq(pv.dom0, GSI));
        assertEquals(-Errno.EINVAL, pv.rig.xen.evtchn().unmask(pv.dom0, GSI));
    }

    // dump_irqs (xen/arch/x86/irq.c@RELEASE-4.20.0) prints evtchn_is_pending / evtchn_is_masked of
    // the pirq's channel, domain_dump_evtchn_info [pending/masked]: a masked channel with an event
    // pending is "PM" / [1/1], the pirq itself masked (in flight) until PHYSDEVOP_eoi; after the
    // unmask delivered the event, "--" / [0/0]
    @Test
    void theDumpShowsTheChannelsPendingAndMaskedBits() {
        final Pv pv = new Pv();
        assertEquals("d0: 16(---)", pv.irqLine());
        assertEquals("    pirq 16 -> irq 16 evtchn-bound [0/0]", pv.pirqLine());
        pv.dom0.writePirqEventMask(GSI, true);
        assertEquals("d0: 16(-M-)", pv.irqLine());
        pv.fire();
        assertEquals("d0: 16(PMM)", pv.irqLine());
        assertEquals("    pirq 16 -> irq 16 masked evtchn-bound [1/1]", pv.pirqLine());
        assertEquals(0, pv.rig.xen.evtchn().unmask(pv.dom0, GSI));
        assertEquals("d0: 16(--M)", pv.irqLine());
        assertEquals("    pirq 16 -> irq 16 masked evtchn-bound [0/0]", pv.pirqLine());
    }
}
