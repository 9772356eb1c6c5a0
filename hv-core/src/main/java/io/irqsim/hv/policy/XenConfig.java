package io.irqsim.hv.policy;

/**
 * The hypervisor-side choices of one design from the seed thread. Every place that depends on a
 * design asks this object; nothing else branches on a design's name.
 *
 * @param name short name for output
 * @param hwdomGsiMap when a hardware-domain GSI is mapped (variation point 1)
 * @param unconfiguredGsi the default for an unconfigured GSI at bind time (variation point 2)
 * @param pvhPhysdev physdev ops a PVH dom0 may use (variation point 3)
 * @param irqPermission how {@code XEN_DOMCTL_irq_permission} resolves its pirq (part of variation point 4)
 * @param gsiPermission whether {@code XEN_DOMCTL_gsi_permission} exists (Xen 4.20; variation point 4)
 * @param allocatePirqReturnsExisting whether {@code allocate_pirq} answers an "any pirq" request
 *     for an IRQ the domain already has mapped with that pirq (commit 0d2b87b5ad, first in 4.19.0);
 *     without it (4.18) the request fails with -1, i.e. -EPERM
 * @param hvmPirqByDefault whether the toolstack creates HVM guests with {@code XEN_X86_EMU_USE_PIRQ}, which Xen
 *     advertises to the guest as {@code XENFEAT_hvm_pirqs}: always at 4.18
 *     ({@code tools/libs/light/libxl_x86.c:libxl__arch_domain_prepare_config@RELEASE-4.18.0}), only with
 *     {@code hvm_pirq=1} from commit 024e7131be (first in 4.19.0-rc1; default off in
 *     {@code libxl_create.c:libxl__domain_build_info_setdefault@RELEASE-4.20.0})
 */
public record XenConfig(String name, HwdomGsiMapPolicy hwdomGsiMap, UnconfiguredGsiPolicy unconfiguredGsi,
                        PvhPhysdevAccess pvhPhysdev, IrqPermissionPolicy irqPermission, boolean gsiPermission,
                        boolean allocatePirqReturnsExisting, boolean hvmPirqByDefault) {

    /** Xen 4.18 as released, the version of the thread. */
    public static final XenConfig XEN_4_18 = new XenConfig("xen-4.18", HwdomGsiMapPolicies.ON_UNMASK,
        UnconfiguredGsiPolicy.NONE, PvhPhysdevAccess.XEN_4_18, IrqPermissionPolicy.PIRQ, false, false, true);

    /** Xen 4.18 with the Xen patch of the seed's RFC series (a PVH dom0 may map pirqs for other domains). */
    public static final XenConfig RFC_BASELINE = new XenConfig("rfc-baseline", HwdomGsiMapPolicies.ON_UNMASK,
        UnconfiguredGsiPolicy.NONE, PvhPhysdevAccess.RFC_SERIES, IrqPermissionPolicy.PIRQ, false, false, true);

    /** Xen 4.20, where the thread's direction was merged. */
    public static final XenConfig XEN_4_20 = new XenConfig("xen-4.20", HwdomGsiMapPolicies.ON_UNMASK,
        UnconfiguredGsiPolicy.NONE, PvhPhysdevAccess.XEN_4_20, IrqPermissionPolicy.PIRQ, true, true, false);

    /**
     * @param newName name
     * @return a copy with another name
     */
    public XenConfig named(final String newName) {
        return new XenConfig(newName, hwdomGsiMap, unconfiguredGsi, pvhPhysdev, irqPermission, gsiPermission, allocatePirqReturnsExisting, hvmPirqByDefault);
    }

    /** @param policy variation point 1 @return a copy using it */
    public XenConfig withHwdomGsiMap(final HwdomGsiMapPolicy policy) {
        return new XenConfig(name, policy, unconfiguredGsi, pvhPhysdev, irqPermission, gsiPermission, allocatePirqReturnsExisting, hvmPirqByDefault);
    }

    /** @param policy variation point 2 @return a copy using it */
    public XenConfig withUnconfiguredGsi(final UnconfiguredGsiPolicy policy) {
        return new XenConfig(name, hwdomGsiMap, policy, pvhPhysdev, irqPermission, gsiPermission, allocatePirqReturnsExisting, hvmPirqByDefault);
    }

    /** @param access variation point 3 @return a copy using it */
    public XenConfig withPvhPhysdev(final PvhPhysdevAccess access) {
        return new XenConfig(name, hwdomGsiMap, unconfiguredGsi, access, irqPermission, gsiPermission, allocatePirqReturnsExisting, hvmPirqByDefault);
    }

    /** @param policy irq_permission resolution @return a copy using it */
    public XenConfig withIrqPermission(final IrqPermissionPolicy policy) {
        return new XenConfig(name, hwdomGsiMap, unconfiguredGsi, pvhPhysdev, policy, gsiPermission, allocatePirqReturnsExisting, hvmPirqByDefault);
    }

    /** @param pirqs whether the toolstack gives HVM guests pirqs by default @return a copy */
    public XenConfig withHvmPirqByDefault(final boolean pirqs) {
        return new XenConfig(name, hwdomGsiMap, unconfiguredGsi, pvhPhysdev, irqPermission, gsiPermission, allocatePirqReturnsExisting, pirqs);
    }

    /** @param available whether gsi_permission exists @return a copy */
    public XenConfig withGsiPermission(final boolean available) {
        return new XenConfig(name, hwdomGsiMap, unconfiguredGsi, pvhPhysdev, irqPermission, available, allocatePirqReturnsExisting, hvmPirqByDefault);
    }
}
