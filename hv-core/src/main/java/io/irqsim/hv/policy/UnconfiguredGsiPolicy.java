package io.irqsim.hv.policy;

/**
 * Variation point 2: what trigger/polarity a GSI gets when a guest binds it and nobody
 * configured it ({@code mp_register_gsi} never ran). Roger Pau Monné proposed defaulting GSIs
 * &ge; 16 to level / active-low "at bind time"; Xen does nothing.
 */
public interface UnconfiguredGsiPolicy {

    /** Xen: an unconfigured GSI stays unconfigured ({@code no_irq_type}); binding it delivers nothing. */
    UnconfiguredGsiPolicy NONE = new UnconfiguredGsiPolicy() {
        @Override
        public void beforeBind(final GsiRegistrar xen, final int irq) {
        }

        @Override
        public String describe() {
            return "none (Xen)";
        }
    };

    /** Unconfigured GSIs of 16 and above become level-triggered, active-low when bound. */
    UnconfiguredGsiPolicy LEVEL_LOW = new UnconfiguredGsiPolicy() {
        @Override
        public void beforeBind(final GsiRegistrar xen, final int irq) {
            if (irq >= 16 && irq < xen.nrIrqsGsi() && !xen.isConfigured(irq)) {
                xen.registerGsi(irq, true, true);
            }
        }

        @Override
        public String describe() {
            return "level/active-low for unconfigured GSIs >= 16";
        }
    };

    /**
     * Called by {@code pirq_guest_bind} before it looks at the descriptor.
     *
     * @param xen registration access
     * @param irq the IRQ being bound
     */
    void beforeBind(GsiRegistrar xen, int irq);

    /** @return a short description */
    String describe();

    /** What the policy may use. */
    interface GsiRegistrar {
        /** @return {@code nr_irqs_gsi} */
        int nrIrqsGsi();

        /** @param irq IRQ @return whether its descriptor has a real handler */
        boolean isConfigured(int irq);

        /**
         * {@code mp_register_gsi}.
         *
         * @param gsi GSI
         * @param level trigger
         * @param activeLow polarity
         * @return 0 or a negative errno
         */
        int registerGsi(int gsi, boolean level, boolean activeLow);
    }
}
