package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;

/**
 * A PV dom0's path ({@code xen_register_gsi}, arch/x86/pci/xen.c@v6.12): the GSI gets a pirq of
 * the same number with {@code PHYSDEVOP_map_pirq} for itself ({@code xen_register_pirq}), then
 * {@code PHYSDEVOP_setup_gsi} with the ACPI trigger/polarity ({@code -EEXIST}: "Already setup the
 * GSI") whether or not the map worked; the Linux irq is numbered like the GSI
 * ({@code xen_allocate_irq_gsi}). {@code request_irq} binds an event channel to the pirq
 * (shareable if level), and a level interrupt is completed with {@code PHYSDEVOP_eoi}.
 * {@code acpi_unregister_gsi} does nothing ({@code pci_xen_initial_domain} leaves
 * {@code __acpi_unregister_gsi} NULL).
 */
public final class XenPvBackend extends XenPirqBackend {

    /**
     * @param xen the hypervisor (hypercalls)
     * @param dom this domain
     * @param irqs the irq table
     * @param log timeline
     * @param actor name in the timeline
     */
    public XenPvBackend(final Hypervisor xen, final Domain dom, final LinuxIrqTable irqs, final Timeline log,
                        final String actor) {
        super(xen, dom, irqs, log, actor);
    }

    /**
     * {@code xen_register_gsi} (arch/x86/pci/xen.c@v6.12): {@code xen_register_pirq} (an existing
     * irq for the GSI is reused; else {@code PHYSDEVOP_map_pirq} with pirq = GSI, and on failure
     * irq -1), then {@code PHYSDEVOP_setup_gsi} in every case; the irq (or -1) is returned.
     */
    @Override
    public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
        final LinuxIrq d = registerPirq("xen_register_gsi", gsi, gsi, level, activeLow);
        final int rc = xen.physdev().setupGsi(dom, gsi, level ? 1 : 0, activeLow ? 1 : 0);
        log.log(actor, "xen_register_gsi: PHYSDEVOP_setup_gsi(gsi %d, %s, %s) = %s%s", gsi, level ? "level" : "edge",
            activeLow ? "low" : "high", Errno.name(rc), rc == -Errno.EEXIST ? " (\"Already setup the GSI\")" : "");
        return registered(gsi, level, activeLow, d);
    }

    /** {@code acpi_unregister_gsi} on a PV dom0: {@code __acpi_unregister_gsi} is NULL, nothing happens. */
    @Override
    public void unregisterGsi(final int gsi) {
        // arch/x86/pci/xen.c@v6.12 pci_xen_initial_domain: __acpi_unregister_gsi = NULL
    }

    /**
     * A PV dom0 has no PIC, so {@code nr_legacy_irqs()} is 0 ({@code pci_xen_initial_domain},
     * arch/x86/pci/xen.c@v6.12, pre-allocates the legacy irqs with {@code NR_IRQS_LEGACY} for that
     * reason); {@code acpi_isa_irq_to_gsi} then knows no ISA IRQ.
     */
    @Override
    public int nrLegacyIrqs() {
        return 0;
    }

    @Override
    public String describe() {
        return "Xen PV pirqs";
    }
}
