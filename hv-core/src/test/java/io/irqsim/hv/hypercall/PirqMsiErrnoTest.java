package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.ApicBus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The error and range paths of {@code PHYSDEVOP_get_free_pirq} ({@code xen/arch/x86/physdev.c},
 * {@code irq.c:get_free_pirq}@RELEASE-4.20.0) and of {@code hvm_inject_msi}'s vector-0 branch
 * ({@code xen/arch/x86/hvm/irq.c}@RELEASE-4.20.0), each pinned by an input that reaches it.
 */
class PirqMsiErrnoTest {

    private Rig rig;
    private Domain dom0;
    private Domain domu;
    private final List<Integer> events = new ArrayList<>();
    private final List<Integer> vectors = new ArrayList<>();

    @BeforeEach
    void boot() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        dom0 = rig.pvhDom0();
        domu = rig.xen.createDomain(DomainConfig.hvmGuest("pvhvm", 1, true));
        Rig.enableVlapic(domu.vcpu(0));
        domu.setKernel(new GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                vectors.add(vector);
            }

            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                events.add(pirq);
            }
        });
    }

    /** xen_msi_compose_msg: pirq bits 7:0 in the destination ID, bits 31:8 in address bits 63:40. */
    private static long pirqAddress(final long pirq) {
        return ApicBus.MSI_ADDRESS_BASE | (pirq & 0xff) << 12 | (pirq & 0xffff_ff00L) << 32;
    }

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
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(nr), 0x0700),
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
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(pirq), 0x0700));
        assertEquals(List.of(), events);
    }
}
