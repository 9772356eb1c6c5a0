package io.irqsim.hv.hypercall;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.ApicBus;

import java.util.ArrayList;
import java.util.List;

/**
 * The pirq tests' machine: Xen 4.20 with a PVH dom0 and an HVM guest created with
 * {@code XEN_X86_EMU_USE_PIRQ} ({@code XENFEAT_hvm_pirqs}), its vLAPIC enabled, whose kernel records
 * the vectors and the pirq events it takes.
 */
final class PvhvmGuest {

    final Rig rig;
    final Domain dom0;
    final Domain domu;
    /** Pirq events the guest took, in order. */
    final List<Integer> events = new ArrayList<>();
    /** Vectors the guest took, in order. */
    final List<Integer> vectors = new ArrayList<>();

    private PvhvmGuest() {
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

    /** @return a freshly booted machine */
    static PvhvmGuest boot() {
        return new PvhvmGuest();
    }

    /**
     * Linux's {@code xen_msi_compose_msg}: pirq bits 7:0 in the destination ID, bits 31:8 in
     * address bits 63:40.
     *
     * @param pirq the pirq
     * @return the MSI address carrying it
     */
    static long pirqAddress(final long pirq) {
        return ApicBus.MSI_ADDRESS_BASE | (pirq & 0xff) << 12 | (pirq & 0xffff_ff00L) << 32;
    }
}
