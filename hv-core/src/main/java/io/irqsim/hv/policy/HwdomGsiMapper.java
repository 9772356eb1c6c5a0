package io.irqsim.hv.policy;

import io.irqsim.hv.domain.Domain;

/**
 * The steps of Xen's {@code vioapic_hwdom_map_gsi} that a {@link HwdomGsiMapPolicy} can use.
 */
public interface HwdomGsiMapper {

    /**
     * The whole of {@code vioapic_hwdom_map_gsi}: {@code mp_register_gsi} (an {@code -EEXIST}
     * ends it with 0), {@code allocate_and_map_gsi_pirq} with pirq = GSI, {@code pt_irq_create_bind}.
     *
     * @param hwdom hardware domain
     * @param gsi GSI
     * @param level trigger from the RTE
     * @param activeLow polarity from the RTE
     * @return 0 or a negative errno
     */
    int mapGsi(Domain hwdom, int gsi, boolean level, boolean activeLow);

    /**
     * {@code vioapic_hwdom_map_gsi} without its {@code allocate_and_map_gsi_pirq} step (the pirq was
     * mapped earlier): register, then bind.
     *
     * @param hwdom hardware domain
     * @param gsi GSI
     * @param level trigger
     * @param activeLow polarity
     * @return 0 or a negative errno
     */
    int registerAndBind(Domain hwdom, int gsi, boolean level, boolean activeLow);

    /**
     * {@code allocate_and_map_gsi_pirq(hwdom, gsi, &pirq)} with pirq = GSI.
     *
     * @param hwdom hardware domain
     * @param gsi GSI
     * @return the pirq, or a negative errno
     */
    int mapPirq(Domain hwdom, int gsi);
}
