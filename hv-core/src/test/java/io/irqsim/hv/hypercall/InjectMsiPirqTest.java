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
 * An HVM guest with {@code XENFEAT_hvm_pirqs} taking a device model's MSI as a pirq event: Linux's
 * {@code xen_hvm_setup_msi_irqs} asks {@code PHYSDEVOP_get_free_pirq} (xen/arch/x86/physdev.c@RELEASE-4.20.0)
 * and programs the pirq into the message's destination bits with vector 0; the device model's
 * {@code XEN_DMOP_inject_msi} reaches {@code hvm_inject_msi}'s vector-0 branch
 * (xen/arch/x86/hvm/irq.c@RELEASE-4.20.0).
 */
class InjectMsiPirqTest {

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
    private static long pirqAddress(final int pirq) {
        return ApicBus.MSI_ADDRESS_BASE | (long) (pirq & 0xff) << 12 | (pirq & 0xffff_ff00L) << 32;
    }

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
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(pirq), 0x0700));
        assertEquals(Pirq.EMUIRQ_MSI_EMU, domu.pirqs().get(pirq).emuirq());
        assertEquals(List.of(pirq), events);
        assertTrue(vectors.isEmpty(), "no vLAPIC vector for a pirq MSI");
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(pirq), 0x0700));
        assertEquals(List.of(pirq, pirq), events);
    }

    @Test
    void vectorZeroMsiNamingPirqZeroIsErangeAndAGsiPirqIsEinval() {
        assertEquals(-Errno.ERANGE, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x0700));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 20, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        // the pirq stands for GSI 20: hvm_inject_msi refuses to take it as an MSI
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(map.pirq), 0x0700));
        assertTrue(events.isEmpty());
    }

    @Test
    void vectorZeroMsiWithNoChannelBoundIsTakenAndDropped() {
        final int pirq = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(pirq), 0x0700));
        assertEquals(Pirq.EMUIRQ_MSI_EMU, domu.pirqs().get(pirq).emuirq());
        assertTrue(events.isEmpty(), "send_guest_pirq: no port, nothing sent");
    }
}
