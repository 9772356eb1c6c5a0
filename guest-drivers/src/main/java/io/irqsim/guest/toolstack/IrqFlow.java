package io.irqsim.guest.toolstack;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.pci.Bdf;

/**
 * Variation point 4 on the toolstack side: how libxl's {@code pci_add_dm_done} (and the device
 * model after it) learn the device's interrupt, map it for the guest and give the guest
 * permission for it.
 */
public interface IrqFlow {

    /**
     * Where the machine interrupt comes from.
     *
     * @param ctx the toolstack
     * @param bdf the device
     * @return the irq or GSI, 0 for "the device has none" (skip), or a negative errno
     */
    int source(Libxl ctx, Bdf bdf);

    /** @return the step {@link #source} is reported as */
    AttachStep sourceStep();

    /**
     * Maps the interrupt for the guest (also the device model's map).
     *
     * @param ctx the toolstack
     * @param domU the guest
     * @param source what {@link #source} returned
     * @return the guest's pirq, or a negative errno
     */
    int map(Libxl ctx, Domain domU, int source);

    /**
     * Gives the guest permission for it.
     *
     * @param ctx the toolstack
     * @param domU the guest
     * @param source what {@link #source} returned
     * @param pirq what {@link #map} returned
     * @return 0 or a negative errno
     */
    int permit(Libxl ctx, Domain domU, int source, int pirq);

    /** @return the step {@link #permit} is reported as */
    AttachStep permitStep();

    /**
     * Whether a source of 0 is a GSI to map, not "no interrupt": the GSI path takes any GSI &gt;= 0
     * ({@code libxl__arch_hvm_map_gsi}, {@code tools/libs/light/libxl_x86.c@RELEASE-4.20.0}, and QEMU's
     * {@code xen_pt_map_pirq_for_gsi}, commit cfcacbab38e), while the sysfs path skips irq 0
     * ({@code pci_add_dm_done}, {@code tools/libs/light/libxl_pci.c@RELEASE-4.18.0}).
     *
     * @return true on the GSI path
     */
    default boolean mapsGsiZero() {
        return permitStep() == AttachStep.GSI_PERMISSION;
    }

    /** @return a short description */
    String describe();
}
