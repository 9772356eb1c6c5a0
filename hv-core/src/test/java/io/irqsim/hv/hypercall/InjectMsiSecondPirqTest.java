package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Two MSI pirqs in one guest. Xen keeps emulated-IRQ to pirq mappings in one radix tree keyed by the
 * emuirq ({@code d->arch.hvm.emuirq_pirq}), so {@code IRQ_MSI_EMU} has a single slot: the first pirq
 * {@code hvm_inject_msi} maps takes it; for a second one {@code map_domain_emuirq_pirq}
 * (xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0) finds the slot held by another pirq, logs "already
 * mapped" and returns 0 without setting the pirq's emuirq; {@code hvm_inject_msi} then finds the
 * pirq's struct (made by {@code PHYSDEVOP_get_free_pirq}) and still sends its event.
 */
class InjectMsiSecondPirqTest {

    private final PvhvmGuest guest = PvhvmGuest.boot();
    private final Rig rig = guest.rig;
    private final Domain dom0 = guest.dom0;
    private final Domain domu = guest.domu;
    private final List<Integer> events = guest.events;
    private final List<Integer> vectors = guest.vectors;


    @Test
    void aSecondMsiPirqKeepsIrqUnboundAsItsEmuirqAndStillGetsItsEvent() {
        final int a = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        final int b = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, a, false));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, b, false));
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(a), 0x0700));
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(b), 0x0700));
        assertEquals(Pirq.EMUIRQ_MSI_EMU, domu.pirqs().get(a).emuirq());
        assertEquals(Pirq.EMUIRQ_UNBOUND, domu.pirqs().get(b).emuirq(), "the IRQ_MSI_EMU slot is a's");
        assertEquals(a, domu.pirqs().emuirqToPirq(Pirq.EMUIRQ_MSI_EMU));
        assertEquals(List.of(a, b), events);
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(b), 0x0700));
        assertEquals(List.of(a, b, b), events, "each inject retries the map, fails silently, sends");
    }

    // hvm_inject_msi@RELEASE-4.20.0: map_domain_emuirq_pirq returns 0 without making a struct when
    // the IRQ_MSI_EMU slot is another pirq's; a pirq the guest never allocated then has no
    // pirq_info and the inject is -EBUSY, nothing sent
    @Test
    void aSecondMsiPirqWithoutAStructIsEbusy() {
        final int a = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, a, false));
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(a), 0x0700));
        final int never = a - 5;
        assertNull(domu.pirqs().get(never));
        assertEquals(-Errno.EBUSY, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(never), 0x0700));
        assertNull(domu.pirqs().get(never));
        assertEquals(List.of(a), events);
    }
}
