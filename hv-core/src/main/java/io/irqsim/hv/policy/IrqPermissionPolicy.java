package io.irqsim.hv.policy;

import io.irqsim.hv.domain.Domain;

/**
 * How {@code XEN_DOMCTL_irq_permission} turns the caller's pirq into the IRQ it grants.
 */
public interface IrqPermissionPolicy {

    /**
     * Xen ({@code xen/common/domctl.c:do_domctl@RELEASE-4.18.0/4.20.0}): {@code pirq_access_permitted(current->domain, pirq)}; a
     * caller without a mapping for the pirq gets 0, which the domctl turns into {@code -EPERM}.
     */
    IrqPermissionPolicy PIRQ = new IrqPermissionPolicy() {
        @Override
        public int irqFor(final PirqAccess xen, final Domain caller, final int pirq) {
            return xen.pirqAccessPermitted(caller, pirq);
        }

        @Override
        public String describe() {
            return "pirq_access_permitted (Xen)";
        }
    };

    /**
     * The Xen-internal fix the thread asked for ("fix the pirq_access_permitted() call to succeed
     * for a PVH dom0, even if dom0 is not using the GSI itself"): a hardware-domain caller without
     * a pirq mapping is checked against the IRQ of the same number (GSI pirqs are identity-mapped
     * for it), on its capability rangeset.
     */
    IrqPermissionPolicy HWDOM_GSI_FALLBACK = new IrqPermissionPolicy() {
        @Override
        public int irqFor(final PirqAccess xen, final Domain caller, final int pirq) {
            final int irq = xen.pirqAccessPermitted(caller, pirq);
            if (irq != 0 || !caller.isHardwareDomain() || pirq <= 0 || pirq >= xen.nrIrqsGsi()) {
                return irq;
            }
            return xen.irqAccessPermitted(caller, pirq) ? pirq : 0;
        }

        @Override
        public String describe() {
            return "pirq, else the hardware domain's GSI IRQ";
        }
    };

    /**
     * @param xen access checks
     * @param caller the domain issuing the domctl
     * @param pirq the pirq argument (in the caller's pirq space)
     * @return the IRQ to grant, or 0 if the caller may not
     */
    int irqFor(PirqAccess xen, Domain caller, int pirq);

    /** @return a short description */
    String describe();

    /** The checks a policy may use. */
    interface PirqAccess {
        /** @param d domain @param pirq pirq @return {@code pirq_access_permitted(d, pirq)} */
        int pirqAccessPermitted(Domain d, int pirq);

        /** @param d domain @param irq irq @return {@code irq_access_permitted(d, irq)} */
        boolean irqAccessPermitted(Domain d, int irq);

        /** @return {@code nr_irqs_gsi} */
        int nrIrqsGsi();
    }
}
