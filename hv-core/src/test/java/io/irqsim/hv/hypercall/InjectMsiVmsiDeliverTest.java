package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.apic.LocalApicRegisters;
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
 * delivered; lowest priority with no target vLAPIC is {@code -ESRCH}, with a target that refuses the
 * vector 0; fixed with no target is 0. {@code hvm_inject_msi} reads only the address's destination
 * and mode bits.
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

    @Test
    void lowestPriorityWithAVectorBelow16HasATargetSoIsZeroAndOnlyFlagsTheIllegalVector() {
        // vlapic_lowest_prio finds vCPU 0; vlapic_set_irq refuses vector 5 with ESR bit 6, and
        // vmsi_deliver returns 0 (-ESRCH is only for no target at all)
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x0105));
        assertTrue(vectors.isEmpty());
        assertFalse(domu.vcpu(0).vlapic().irr(5));
        final long esr = LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.ESR;
        domu.vcpu(0).mmioWrite(esr, 4, 0);
        assertEquals(LocalApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR, domu.vcpu(0).mmioRead(esr, 4));
    }

    @Test
    void lowestPriorityToADisabledVlapicOnlyIsEsrch() {
        final Domain cold = rig.hvmGuest("cold");   // vLAPIC never software-enabled
        assertEquals(-Errno.ESRCH, rig.xen.dmop().injectMsi(dom0, cold.id(), ApicBus.MSI_ADDRESS_BASE, 0x0145));
        assertFalse(cold.vcpu(0).vlapic().irr(0x45));
    }

    @Test
    void anAddressOutsideTheMsiWindowIsDeliveredAsOnlyItsDestinationBitsAreRead() {
        // 0xFED00000: destination 0, physical; hvm_inject_msi never looks at bits 31:20
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), 0xFED0_0000L, 0x0045));
        assertTrue(domu.vcpu(0).vlapic().irr(0x45) || vectors.contains(0x45));
        assertEquals(-Errno.ESRCH, rig.xen.dmop().injectMsi(dom0, domu.id(), 0xFED0_7000L, 0x0146),
            "lowest priority to destination 7: no vCPU has that ID, whatever the window");
        assertFalse(domu.vcpu(0).vlapic().irr(0x46) || vectors.contains(0x46));
    }

    @Test
    void aLowestPriorityLogicalDestinationFindsItsTargetByTheLdr() {
        // address bit 2: logical; destination 0x01 matches vCPU 0's flat LDR bit 0, not its APIC ID 0
        domu.vcpu(0).mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.LDR, 4, 0x0100_0000L);
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE | (1 << 12) | 4, 0x0147));
        assertTrue(domu.vcpu(0).vlapic().irr(0x47) || vectors.contains(0x47));
        assertEquals(-Errno.ESRCH,
            rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE | (2 << 12) | 4, 0x0148),
            "logical 0x02: no LDR has bit 1");
    }
}
