package io.irqsim.hv.domain;

import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Leaf 0x40000x04's EAX ({@code cpuid_hypervisor_leaves}, xen/arch/x86/traps.c@RELEASE-4.20.0), the
 * expected values written from xen/include/public/arch-x86/cpuid.h: APIC_ACCESS_VIRT bit 0,
 * X2APIC_VIRT bit 1, IOMMU_MAPPINGS bit 2, VCPU_ID_PRESENT bit 3, DOMID_PRESENT bit 4,
 * UPCALL_VECTOR bit 6 (EXT_DEST_ID, bit 5, Xen does not set).
 */
class HypervisorCpuidTest {

    private static int eax(final PlatformSpec host, final DomainConfig config) {
        final Hypervisor xen = Hypervisor.boot(host, XenConfig.XEN_4_20);
        return HypervisorCpuid.hvmFeatures(xen.createDomain(config), host);
    }

    @Test
    void anHvmGuestOnAnApicvHostIsToldBothApicVirtualizationBits() {
        assertEquals(0x5F, eax(DefaultPlatform.spec().withApicv(true), DomainConfig.hvmGuest("g", 1, true)));
    }

    @Test
    void withoutApicvOnlyTheUnconditionalBits() {
        assertEquals(0x5C, eax(DefaultPlatform.spec(), DomainConfig.hvmGuest("g", 1, true)));
    }

    @Test
    void aPvhDom0IsAnHvmDomainToo() {
        assertEquals(0x5F, eax(DefaultPlatform.spec().withApicv(true), DomainConfig.dom0(DomainType.PVH, 1)));
    }

    @Test
    void aPvDomainGetsNothing() {
        assertEquals(0, eax(DefaultPlatform.spec().withApicv(true), DomainConfig.dom0(DomainType.PV, 1)));
    }
}
