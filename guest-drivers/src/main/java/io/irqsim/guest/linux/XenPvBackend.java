package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.Timeline;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.PhysdevOps;

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
public final class XenPvBackend implements IrqBackend {

    private final Hypervisor xen;
    private final Domain dom;
    private final LinuxIrqTable irqs;
    private final Timeline log;
    private final String actor;

    /**
     * @param xen the hypervisor (hypercalls)
     * @param dom this domain
     * @param irqs the irq table
     * @param log timeline
     * @param actor name in the timeline
     */
    public XenPvBackend(final Hypervisor xen, final Domain dom, final LinuxIrqTable irqs, final Timeline log,
                        final String actor) {
        this.xen = xen;
        this.dom = dom;
        this.irqs = irqs;
        this.log = log;
        this.actor = actor;
    }

    /**
     * {@code xen_register_gsi} (arch/x86/pci/xen.c@v6.12): {@code xen_register_pirq} (an existing
     * irq for the GSI is reused; else {@code PHYSDEVOP_map_pirq} with pirq = GSI, and on failure
     * irq -1), then {@code PHYSDEVOP_setup_gsi} in every case; the irq (or -1) is returned.
     */
    @Override
    public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
        LinuxIrq d = irqs.byGsi(gsi);
        if (d == null) {
            final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, gsi);
            final int rc = xen.physdev().mapPirq(dom, map);
            log.log(actor, "xen_register_gsi: PHYSDEVOP_map_pirq(DOMID_SELF, gsi %d, pirq %d) = %s", gsi, gsi,
                Errno.name(rc));
            if (rc == 0) {
                d = irqs.mapGsiIdentity(gsi);
                d.setPirq(map.pirq);
                d.configure(level, activeLow);
            }
        }
        final int rc = xen.physdev().setupGsi(dom, gsi, level ? 1 : 0, activeLow ? 1 : 0);
        log.log(actor, "xen_register_gsi: PHYSDEVOP_setup_gsi(gsi %d, %s, %s) = %s%s", gsi, level ? "level" : "edge",
            activeLow ? "low" : "high", Errno.name(rc), rc == -Errno.EEXIST ? " (\"Already setup the GSI\")" : "");
        final int irq = d == null ? -1 : d.irq();
        xen.trace().event(GuestEvent.REGISTER_GSI, gsi, (level ? 2 : 0) | (activeLow ? 1 : 0), irq);
        return irq;
    }

    /** {@code acpi_unregister_gsi} on a PV dom0: {@code __acpi_unregister_gsi} is NULL, nothing happens. */
    @Override
    public void unregisterGsi(final int gsi) {
        // arch/x86/pci/xen.c@v6.12 pci_xen_initial_domain: __acpi_unregister_gsi = NULL
    }

    /**
     * {@code mask_irq} on a pirq irq ({@code mask_dynirq}, drivers/xen/events/events_base.c@v6.12)
     * masks its event channel. Simplified: event-channel masking is not modelled; the irq's state
     * records it.
     */
    @Override
    public void mask(final LinuxIrq irq) {
        irq.setMasked(true);
    }

    /** {@code startup_pirq} (drivers/xen/events/events_base.c@v6.12): {@code EVTCHNOP_bind_pirq}. */
    @Override
    public int startup(final LinuxIrq irq) {
        final int rc = xen.evtchn().bindPirq(dom, irq.pirq(), irq.isLevel());
        irq.setMasked(rc != 0);
        log.log(actor, "startup_pirq: EVTCHNOP_bind_pirq(pirq %d, %s) = %s", irq.pirq(),
            irq.isLevel() ? "shareable" : "exclusive", Errno.name(rc));
        return rc;
    }

    /** {@code eoi_pirq} (drivers/xen/events/events_base.c@v6.12): {@code PHYSDEVOP_eoi} for a level pirq. */
    @Override
    public void eoi(final LinuxIrq irq, final int vector) {
        if (irq != null && irq.isLevel()) {
            xen.physdev().eoi(dom, irq.pirq());
        }
    }

    @Override
    public String describe() {
        return "Xen PV pirqs";
    }
}
