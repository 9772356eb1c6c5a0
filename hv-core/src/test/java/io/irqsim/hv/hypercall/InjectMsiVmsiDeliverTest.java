package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.ApicBus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code XEN_DMOP_inject_msi} with a non-zero vector: {@code hvm_inject_msi} hands the message to
 * {@code vmsi_deliver} (xen/arch/x86/hvm/vmsi.c@RELEASE-4.18.0 and RELEASE-4.20.0, identical), which
 * accepts only fixed and lowest-priority delivery: any other mode is {@code -EINVAL} and nothing is
 * delivered; lowest priority with no target vLAPIC is {@code -ESRCH}; fixed with no target is 0.
 */
class InjectMsiVmsiDeliverTest {

    private Rig rig;
    private Domain dom0;
    private Domain domu;
    private final List<Integer> vectors = new ArrayList<>();

    @BeforeEach
    void boot() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        dom0 = rig.pvhDom0();
        domu = rig.hvmGuest("domU");
        Rig.enableVlapic(domu.vcpu(0));
        domu.setKernel(new GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                vectors.add(vector);
            }
        });
    }

    @Test
    void nmiDeliveryModeIsRejectedWithEinvalAndDeliversNothing() {
        // data: vector 0x45, delivery mode 4 (NMI) in bits 10:8
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x0445));
        assertFalse(domu.vcpu(0).vlapic().isNmiPending(), "vmsi_deliver's default case delivers nothing");
        assertTrue(vectors.isEmpty());
    }

    @Test
    void extIntDeliveryModeWithAVectorIsRejectedWithEinval() {
        assertEquals(-Errno.EINVAL, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x0745));
        assertFalse(domu.vcpu(0).vlapic().irr(0x45));
    }

    @Test
    void lowestPriorityWithNoTargetVlapicIsEsrch() {
        assertEquals(-Errno.ESRCH,
            rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE | (7 << 12), 0x0145));
        assertTrue(vectors.isEmpty());
    }

    @Test
    void lowestPriorityToThePresentVcpuIsDelivered() {
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x0145));
        assertTrue(domu.vcpu(0).vlapic().irr(0x45) || vectors.contains(0x45));
    }

    @Test
    void fixedWithNoTargetVlapicIsStillZero() {
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE | (7 << 12), 0x0045));
        assertTrue(vectors.isEmpty());
    }
}
