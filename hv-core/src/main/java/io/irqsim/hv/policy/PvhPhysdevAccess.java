package io.irqsim.hv.policy;

/**
 * Variation point 3: which physdev ops an HVM-type caller (a PVH dom0) gets past
 * {@code hvm_physdev_op} ({@code xen/arch/x86/hvm/hypercall.c}). A PV caller is never filtered.
 *
 * @param mapPirqForOthers {@code PHYSDEVOP_map_pirq}/{@code unmap_pirq} on another domain
 * @param mapPirqForSelf the same on itself
 * @param setupGsi {@code PHYSDEVOP_setup_gsi} (hardware domain only)
 */
public record PvhPhysdevAccess(boolean mapPirqForOthers, boolean mapPirqForSelf, boolean setupGsi) {

    /** Xen 4.18: a PVH dom0 has no pirq notion, so map/unmap give {@code -ENOSYS}; {@code setup_gsi} is not listed. */
    public static final PvhPhysdevAccess XEN_4_18 = new PvhPhysdevAccess(false, false, false);
    /** The seed thread's RFC series: a PVH dom0 may map pirqs for other domains (the passthrough use). */
    public static final PvhPhysdevAccess RFC_SERIES = new PvhPhysdevAccess(true, false, false);
    /** Xen 4.20 (commits 035baa203b and 43a1f8b38e): map/unmap unconditionally, {@code setup_gsi} for the hardware domain. */
    public static final PvhPhysdevAccess XEN_4_20 = new PvhPhysdevAccess(true, true, true);
}
