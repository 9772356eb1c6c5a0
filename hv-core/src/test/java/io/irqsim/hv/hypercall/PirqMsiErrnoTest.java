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
 * The error and range paths of {@code PHYSDEVOP_get_free_pirq} ({@code xen/arch/x86/physdev.c},
 * {@code irq.c:get_free_pirq}@RELEASE-4.20.0) and of {@code hvm_inject_msi}'s vector-0 branch
 * ({@code xen/arch/x86/hvm/irq.c}@RELEASE-4.20.0), each pinned by an input that reaches it.
 */
class PirqMsiErrnoTest {

    private final PvhvmGuest guest = PvhvmGuest.boot();
    private final Rig rig = guest.rig;
    private final Domain dom0 = guest.dom0;
    private final Domain domu = guest.domu;
    private final List<Integer> events = guest.events;
    private final List<Integer> vectors = guest.vectors;


    @Test
    void getFreePirqForAGsiTakesTheLowestFreePirqFromSixteen() {
        final int pirq = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_GSI);
        assertEquals(16, pirq, "get_free_pirq: a GSI searches [16, nr_irqs_gsi) upwards");
        assertEquals(17, rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_GSI));
    }

    @Test
    void getFreePirqIsEnospcOnceEveryMsiPirqIsTaken() {
        int taken = 0;
        int rc;
        while ((rc = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI)) >= 0) {
            assertEquals(Pirq.PIRQ_ALLOCATED, domu.pirqs().get(rc).irq());
            taken++;
        }
        assertEquals(-Errno.ENOSPC, rc);
        assertTrue(taken > 0 && taken < domu.pirqs().nrPirqs(), "MSI pirqs come from above nr_irqs_gsi only: " + taken);
    }

    @Test
    void vectorZeroMsiForPirqZeroIsErangeAndDeliversNothing() {
        assertEquals(-Errno.ERANGE, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x0700));
        assertEquals(List.of(), events);
        assertEquals(List.of(), vectors);
    }

    @Test
    void vectorZeroMsiForAPirqPastTheDomainsPirqsIsEinval() {
        final int nr = domu.pirqs().nrPirqs();
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(nr), 0x0700),
            "map_domain_emuirq_pirq: pirq >= nr_pirqs");
        assertEquals(List.of(), events);
    }

    @Test
    void vectorZeroMsiTakesThePirqsHighBitsFromAddressBits63To40() {
        // destination ID 0, address bit 40 set: pirq 0x100, past this guest's pirqs (not pirq 0)
        assertTrue(domu.pirqs().nrPirqs() <= 0x100, "nr_pirqs " + domu.pirqs().nrPirqs());
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE | 1L << 40,
            0x0700));
        assertEquals(List.of(), events);
    }

    @Test
    void vectorZeroMsiForAPirqStandingForAGsiIsEinval() {
        final int pirq = 40;
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, pirq, 40), "an emulated GSI's pirq");
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), PvhvmGuest.pirqAddress(pirq), 0x0700));
        assertEquals(List.of(), events);
    }
}
