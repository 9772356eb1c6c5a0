package io.irqsim.hv.hypercall;

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

/**
 * Two MSI pirqs in one guest. Xen keeps emulated-IRQ to pirq mappings in one radix tree keyed by the
 * emuirq ({@code d->arch.hvm.emuirq_pirq}), so {@code IRQ_MSI_EMU} has a single slot: the first pirq
 * {@code hvm_inject_msi} maps takes it; for a second one {@code map_domain_emuirq_pirq}
 * (xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0) finds the slot held by another pirq, logs "already
 * mapped" and returns 0 without setting the pirq's emuirq; {@code hvm_inject_msi} then finds the
 * pirq's struct (made by {@code PHYSDEVOP_get_free_pirq}) and still sends its event.
 */
class InjectMsiSecondPirqTest {

    private Rig rig;
    private Domain dom0;
    private Domain domu;
    private final List<Integer> events = new ArrayList<>();

    @BeforeEach
    void boot() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        dom0 = rig.pvhDom0();
        domu = rig.xen.createDomain(DomainConfig.hvmGuest("pvhvm", 1, true));
        Rig.enableVlapic(domu.vcpu(0));
        domu.setKernel(new GuestKernel() {
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
    void aSecondMsiPirqKeepsIrqUnboundAsItsEmuirqAndStillGetsItsEvent() {
        final int a = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        final int b = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, a, false));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, b, false));
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(a), 0x0700));
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(b), 0x0700));
        assertEquals(Pirq.EMUIRQ_MSI_EMU, domu.pirqs().get(a).emuirq());
        assertEquals(Pirq.EMUIRQ_UNBOUND, domu.pirqs().get(b).emuirq(), "the IRQ_MSI_EMU slot is a's");
        assertEquals(a, domu.pirqs().emuirqToPirq(Pirq.EMUIRQ_MSI_EMU));
        assertEquals(List.of(a, b), events);
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), pirqAddress(b), 0x0700));
        assertEquals(List.of(a, b, b), events, "each inject retries the map, fails silently, sends");
    }
}
