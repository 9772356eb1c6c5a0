package io.irqsim.hv.domain;

/**
 * What a domain is created with.
 *
 * @param name for output
 * @param type PV, PVH or HVM
 * @param vcpus number of vCPUs (1..64)
 * @param hardwareDomain whether it is the hardware domain (dom0)
 * @param privileged whether it is a control domain ({@code is_privileged})
 * @param passthrough whether it is created with an IOMMU context (devices can be assigned)
 * @param pirqNotion HVM only: whether it uses pirqs for its own interrupts ({@code X86_EMU_USE_PIRQ})
 */
public record DomainConfig(String name, DomainType type, int vcpus, boolean hardwareDomain, boolean privileged,
                           boolean passthrough, boolean pirqNotion) {

    /** Most vCPUs a domain may have (the scenario schema's {@code vcpus} maximum is this). */
    public static final int MAX_VCPUS = 64;

    /**
     * @throws IllegalArgumentException on an impossible combination
     */
    public DomainConfig {
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new IllegalArgumentException("domain " + name + ": " + vcpus + " vCPUs is outside 1.." + MAX_VCPUS);
        }
        if (hardwareDomain && type == DomainType.HVM) {
            throw new IllegalArgumentException("domain " + name + ": the hardware domain is PV or PVH, not HVM");
        }
    }

    /**
     * @param type PV or PVH
     * @param vcpus vCPUs
     * @return a privileged hardware domain called dom0
     */
    public static DomainConfig dom0(final DomainType type, final int vcpus) {
        return new DomainConfig("dom0", type, vcpus, true, true, true, type == DomainType.PV);
    }

    /**
     * @param name name
     * @param vcpus vCPUs
     * @return an unprivileged HVM guest with an IOMMU context for passthrough
     */
    public static DomainConfig hvmGuest(final String name, final int vcpus) {
        return hvmGuest(name, vcpus, false);
    }

    /**
     * @param name name
     * @param vcpus vCPUs
     * @param pirqs {@code XEN_X86_EMU_USE_PIRQ}: the guest may use pirqs ({@code XENFEAT_hvm_pirqs})
     * @return an unprivileged HVM guest with an IOMMU context for passthrough
     */
    public static DomainConfig hvmGuest(final String name, final int vcpus, final boolean pirqs) {
        return new DomainConfig(name, DomainType.HVM, vcpus, false, false, true, pirqs);
    }
}
