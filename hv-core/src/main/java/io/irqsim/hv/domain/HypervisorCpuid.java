package io.irqsim.hv.domain;

import io.irqsim.hw.platform.PlatformSpec;

/**
 * The part of Xen's hypervisor CPUID leaves an irqsim guest reads: leaf 0x40000x04, "HVM-specific
 * features" ({@code cpuid_hypervisor_leaves}, {@code xen/arch/x86/traps.c@RELEASE-4.20.0}, the same
 * bits at {@code RELEASE-4.18.0}; the flags in {@code xen/include/public/arch-x86/cpuid.h}).
 */
public final class HypervisorCpuid {

    /** {@code XEN_HVM_CPUID_APIC_ACCESS_VIRT}: virtualized APIC registers. */
    public static final int APIC_ACCESS_VIRT = 1;
    /** {@code XEN_HVM_CPUID_X2APIC_VIRT}: virtualized x2APIC accesses. */
    public static final int X2APIC_VIRT = 1 << 1;
    /** {@code XEN_HVM_CPUID_IOMMU_MAPPINGS}: memory mapped from other domains has IOMMU entries. */
    public static final int IOMMU_MAPPINGS = 1 << 2;
    /** {@code XEN_HVM_CPUID_VCPU_ID_PRESENT}: the vCPU id is in EBX. */
    public static final int VCPU_ID_PRESENT = 1 << 3;
    /** {@code XEN_HVM_CPUID_DOMID_PRESENT}: the domain id is in ECX. */
    public static final int DOMID_PRESENT = 1 << 4;
    /** {@code XEN_HVM_CPUID_UPCALL_VECTOR}: per-vCPU upcalls work with pirqs. */
    public static final int UPCALL_VECTOR = 1 << 6;

    private HypervisorCpuid() {
    }

    /**
     * EAX of leaf 0x40000x04, sub-leaf 0: nothing for a PV domain; for an HVM or PVH one
     * ({@code is_hvm_domain}) {@code APIC_ACCESS_VIRT} when the host has VMX APIC-register
     * virtualization ({@code cpu_has_vmx_apic_reg_virt}), {@code X2APIC_VIRT} when it also has
     * virtualize-x2APIC mode and virtual-interrupt delivery (irqsim's {@link PlatformSpec#apicv}
     * stands for all three, as every APICv part has them), and always {@code IOMMU_MAPPINGS},
     * {@code VCPU_ID_PRESENT}, {@code DOMID_PRESENT} and {@code UPCALL_VECTOR}.
     *
     * @param d the domain asking
     * @param host the host machine
     * @return EAX
     */
    public static int hvmFeatures(final Domain d, final PlatformSpec host) {
        if (!d.type().isHvmType()) {
            return 0;
        }
        final int apic = host.apicv() ? APIC_ACCESS_VIRT | X2APIC_VIRT : 0;
        return apic | IOMMU_MAPPINGS | VCPU_ID_PRESENT | DOMID_PRESENT | UPCALL_VECTOR;
    }
}
