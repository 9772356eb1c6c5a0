package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PV dom0's own device interrupt, the way Linux's {@code xen_register_gsi} and the event-channel
 * code drive it (spec D3(a)): {@code PHYSDEVOP_map_pirq(DOMID_SELF, gsi, pirq = gsi)},
 * {@code PHYSDEVOP_setup_gsi}, {@code EVTCHNOP_bind_pirq}; each physical interrupt is an event
 * ({@code send_guest_pirq}) and {@code PHYSDEVOP_eoi} completes it ({@code pirq_guest_eoi}).
 */
class PvDom0PirqEventTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    void eventPathNTimes(final PlatformSpec spec) {
        final Rig rig = Rig.boot(spec, XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        final IoApic phys = rig.phys();
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, map.pirq, true));
        final List<Integer> events = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        dom0.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                events.add(pirq);
                if (!Rte.remoteIrr(phys.rte(GSI))) {
                    failures.add("line completed before PHYSDEVOP_eoi");
                }
                nic.setInterruptRequest(false);
                final int rc = rig.xen.physdev().eoi(dom0, pirq);
                if (rc != 0) {
                    failures.add("PHYSDEVOP_eoi: " + Errno.name(rc));
                }
                if (Rte.remoteIrr(phys.rte(GSI))) {
                    failures.add("line not completed by PHYSDEVOP_eoi");
                }
            }
        });
        for (int i = 1; i <= 10; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, events.size());
        }
        assertTrue(failures.isEmpty(), failures.toString());
        assertTrue(events.stream().allMatch(p -> p == GSI));
        assertEquals(10, rig.count(HvEvent.PHYS_EOI));
        final List<TraceRecord> sends = rig.records(HvEvent.EVTCHN_PIRQ);
        assertEquals(10, sends.size());
        assertEquals(1, sends.get(0).c(), "an event channel was bound");
        assertEquals(0, rig.xen.undeliveredPirqEvents());
        assertFalse(Rte.remoteIrr(phys.rte(GSI)));
    }

    // ACKTYPE_UNMASK: the IO-APIC EOI register is written at PHYSDEVOP_eoi
    @Test
    void pirqEventPerInterruptCompletedByPhysdevEoiDirectedEoi() {
        eventPathNTimes(DefaultPlatform.spec());
    }

    // ACKTYPE_EOI: the deferred LAPIC EOI is flushed at PHYSDEVOP_eoi
    @Test
    void pirqEventPerInterruptCompletedByPhysdevEoiNewAck() {
        eventPathNTimes(Rig.newAckPlatform());
    }

    // send_guest_pirq with no event channel bound for the pirq delivers nothing
    @Test
    void pirqBoundByAnotherGuestButNotByDom0GivesNoEvent() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final int[] events = {0};
        dom0.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                events[0]++;
            }
        });
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(0, events[0]);
        assertEquals(0, rig.phys().deliveredCount(), "nobody bound the IRQ: the pin stays masked");
    }
}
