package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hw.apic.ApicBus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An HVM guest with {@code XENFEAT_hvm_pirqs} taking a device model's MSI as a pirq event: Linux's
 * {@code xen_hvm_setup_msi_irqs} asks {@code PHYSDEVOP_get_free_pirq} (xen/arch/x86/physdev.c@RELEASE-4.20.0)
 * and programs the pirq into the message's destination bits with vector 0; the device model's
 * {@code XEN_DMOP_inject_msi} reaches {@code hvm_inject_msi}'s vector-0 branch
 * (xen/arch/x86/hvm/irq.c@RELEASE-4.20.0).
 */
class InjectMsiPirqTest {

    private final PvhvmGuest guest = PvhvmGuest.boot();
    private final Rig rig = guest.rig;
    private final Domain dom0 = guest.dom0;
    private final Domain domu = guest.domu;
    private final List<Integer> events = guest.events;
    private final List<Integer> vectors = guest.vectors;


    @Test
    void getFreePirqForMsiTakesTheHighestFreePirqAndMarksItAllocated() {
        final int pirq = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(domu.pirqs().nrPirqs() - 1, pirq, "get_free_pirq: MSI takes the highest free pirq");
        assertEquals(Pirq.PIRQ_ALLOCATED, domu.pirqs().get(pirq).irq());
        assertEquals(pirq - 1, rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI), "now taken");
    }

    @Test
    void getFreePirqIsEnosysForAnHvmGuestWithoutPirqs() {
        final Domain plain = rig.hvmGuest("plain");
        assertEquals(-Errno.ENOSYS, rig.xen.physdev().getFreePirq(plain, PhysdevOps.MAP_PIRQ_TYPE_MSI));
    }

    @Test
    void vectorZeroMsiMapsThePirqAsEmulatedMsiAndSendsItsEvent() {
        final int pirq = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, pirq, false));
        assertEquals(Pirq.EMUIRQ_UNBOUND, domu.pirqs().get(pirq).emuirq(), "arch_evtchn_bind_pirq: irq <= 0, no IRQ_PT");
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(pirq), 0x0700));
        assertEquals(Pirq.EMUIRQ_MSI_EMU, domu.pirqs().get(pirq).emuirq());
        assertEquals(List.of(pirq), events);
        assertTrue(vectors.isEmpty(), "no vLAPIC vector for a pirq MSI");
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(pirq), 0x0700));
        assertEquals(List.of(pirq, pirq), events);
    }

    @Test
    void vectorZeroMsiNamingPirqZeroIsErangeAndAGsiPirqIsEinval() {
        assertEquals(-Errno.ERANGE, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x0700));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 20, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        // the pirq stands for GSI 20: hvm_inject_msi refuses to take it as an MSI
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(map.pirq), 0x0700));
        assertTrue(events.isEmpty());
    }

    @Test
    void vectorZeroMsiWithNoChannelBoundIsTakenAndDropped() {
        final int pirq = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(pirq), 0x0700));
        assertEquals(Pirq.EMUIRQ_MSI_EMU, domu.pirqs().get(pirq).emuirq());
        assertTrue(events.isEmpty(), "send_guest_pirq: no port, nothing sent");
    }
}
