package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.Timeline;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.PhysdevOps;

/**
 * What Linux does with an irq that is a Xen pirq behind an event channel, in a PV domain and in an
 * HVM guest with {@code XENFEAT_hvm_pirqs} alike (drivers/xen/events/events_base.c@v6.12, the
 * {@code xen_pirq_chip}): {@code request_irq} binds an event channel to the pirq (shareable if
 * level), {@code mask_irq} masks the channel, and a level interrupt is completed with
 * {@code PHYSDEVOP_eoi}. How a GSI gets its pirq differs and is the subclasses' part.
 */
abstract class XenPirqBackend implements IrqBackend {

    /** The hypervisor (hypercalls). */
    protected final Hypervisor xen;
    /** This domain. */
    protected final Domain dom;
    /** The irq table. */
    protected final LinuxIrqTable irqs;
    /** The timeline. */
    protected final Timeline log;
    /** Name in the timeline. */
    protected final String actor;

    XenPirqBackend(final Hypervisor xen, final Domain dom, final LinuxIrqTable irqs, final Timeline log,
                   final String actor) {
        this.xen = xen;
        this.dom = dom;
        this.irqs = irqs;
        this.log = log;
        this.actor = actor;
    }

    /**
     * {@code xen_register_pirq} (arch/x86/pci/xen.c@v6.12): an irq the GSI already has is reused;
     * else {@code PHYSDEVOP_map_pirq(DOMID_SELF, GSI)} asking for {@code wantedPirq} (-1: any), and on
     * success {@code xen_bind_pirq_gsi_to_irq} gives an irq numbered like the GSI
     * ({@code xen_allocate_irq_gsi}, drivers/xen/events/events_base.c@v6.12, for dom0 and HVM guests).
     *
     * @param caller the caller's name, for the timeline
     * @param gsi the GSI
     * @param wantedPirq the pirq asked for, or -1
     * @param level trigger
     * @param activeLow polarity
     * @return the irq, or {@code null} if the map failed
     */
    protected final LinuxIrq registerPirq(final String caller, final int gsi, final int wantedPirq, final boolean level,
                                          final boolean activeLow) {
        LinuxIrq d = irqs.byGsi(gsi);
        if (d == null) {
            final PhysdevOps.MapPirq map =
                new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, wantedPirq);
            final int rc = xen.physdev().mapPirq(dom, map);
            log.log(actor, "%s: PHYSDEVOP_map_pirq(DOMID_SELF, gsi %d, pirq %d) = %s%s", caller, gsi, wantedPirq,
                Errno.name(rc), rc == 0 && wantedPirq < 0 ? ", pirq " + map.pirq : "");
            if (rc == 0) {
                d = irqs.mapGsiIdentity(gsi);
                d.setPirq(map.pirq);
                d.configure(level, activeLow);
            }
        }
        return d;
    }

    /**
     * Traces the registration's outcome.
     *
     * @return the irq number, or -1
     */
    protected final int registered(final int gsi, final boolean level, final boolean activeLow, final LinuxIrq d) {
        final int irq = d == null ? -1 : d.irq();
        xen.trace().event(GuestEvent.REGISTER_GSI, gsi, (level ? 2 : 0) | (activeLow ? 1 : 0), irq);
        return irq;
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
}
