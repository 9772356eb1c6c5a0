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

    /** @return a short description */
    String describe();
}
