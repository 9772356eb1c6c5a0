package io.irqsim.hv.policy;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.ioapic.Rte;

/**
 * The three answers the seed thread gives to "when does Xen map a hardware-domain GSI".
 */
public final class HwdomGsiMapPolicies {

    /**
     * Xen: only a low-dword write that unmasks a masked entry maps the GSI, with the trigger and
     * polarity of that entry (Xen {@code vioapic_write_redirent}: {@code unmasked} is
     * "was masked and is not any more").
     */
    public static final HwdomGsiMapPolicy ON_UNMASK = new HwdomGsiMapPolicy() {
        @Override
        public void rteWritten(final HwdomGsiMapper xen, final Domain hwdom, final int gsi, final long oldRte,
                               final long newRte, final boolean topWord) {
            if (unmasked(oldRte, newRte, topWord)) {
                xen.mapGsi(hwdom, gsi, Rte.isLevel(newRte), Rte.isActiveLow(newRte));
            }
        }

        @Override
        public String describe() {
            return "map on unmask (Xen)";
        }
    };

    /**
     * Stefano Stabellini's first suggestion: drop the {@code && unmasked} condition, so every
     * hardware-domain RTE write (either dword) maps the GSI with the entry's current content.
     */
    public static final HwdomGsiMapPolicy ON_ANY_WRITE = new HwdomGsiMapPolicy() {
        @Override
        public void rteWritten(final HwdomGsiMapper xen, final Domain hwdom, final int gsi, final long oldRte,
                               final long newRte, final boolean topWord) {
            xen.mapGsi(hwdom, gsi, Rte.isLevel(newRte), Rte.isActiveLow(newRte));
        }

        @Override
        public String describe() {
            return "map on any RTE write";
        }
    };

    /**
     * Stefano Stabellini's second suggestion: {@code allocate_and_map_gsi_pirq} on any hardware-domain
     * RTE write, registration and binding still only on unmask.
     */
    public static final HwdomGsiMapPolicy PIRQ_EARLY = new HwdomGsiMapPolicy() {
        @Override
        public void rteWritten(final HwdomGsiMapper xen, final Domain hwdom, final int gsi, final long oldRte,
                               final long newRte, final boolean topWord) {
            if (xen.mapPirq(hwdom, gsi) < 0) {
                return;
            }
            if (unmasked(oldRte, newRte, topWord)) {
                xen.registerAndBind(hwdom, gsi, Rte.isLevel(newRte), Rte.isActiveLow(newRte));
            }
        }

        @Override
        public String describe() {
            return "pirq on any RTE write, register and bind on unmask";
        }
    };

    private HwdomGsiMapPolicies() {
    }

    private static boolean unmasked(final long oldRte, final long newRte, final boolean topWord) {
        return !topWord && Rte.isMasked(oldRte) && !Rte.isMasked(newRte);
    }
}
