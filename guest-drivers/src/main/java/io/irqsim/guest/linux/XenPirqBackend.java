package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.Timeline;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.PhysdevOps;

/**
 * What Linux does with an irq that is a Xen pirq behind an event channel, in a PV domain and in an
 * HVM guest with {@code XENFEAT_hvm_pirqs} alike (drivers/xen/events/events_base.c@v6.12, the
 * {@code xen_pirq_chip}): {@code request_irq} binds an event channel to the pirq (shareable if
 * level), unmasks it and EOIs what Xen raised meanwhile, {@code mask_irq} and {@code disable_irq}
 * mask the channel, {@code enable_irq} unmasks it, an interrupt Xen says needs it is completed with
 * {@code PHYSDEVOP_eoi}, and the last {@code free_irq} closes the channel. How a GSI gets its pirq,
 * and (PV) how Linux learns which pirqs need EOI, differ and are the subclasses' part.
 *
 * <p>The channel's mask bit is the 2-level ABI's ({@code drivers/xen/events/events_2l.c@v6.12}): a
 * bit in the shared-info page the guest writes directly ({@link Domain#writePirqEventMask}), with
 * {@code EVTCHNOP_unmask} when Xen has to re-raise an event. Linux prefers the FIFO ABI when Xen
 * offers it ({@code xen_init_IRQ}); the mask semantics this model needs are the same in both.
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
        // xen_init_IRQ (drivers/xen/events/events_base.c@v6.12) masks every channel at boot,
        // before any is bound; irqsim keys the bit by pirq, so every pirq's bit is set
        maskAllChannels();
    }

    private void maskAllChannels() {
        for (int pirq = 0; pirq < dom.pirqs().nrPirqs(); pirq++) {
            dom.writePirqEventMask(pirq, true);
        }
    }

    /**
     * {@code xen_register_pirq} (arch/x86/pci/xen.c@v6.12, read at Kingxukai/linux@9b44fff6): an irq the
     * GSI already has is reused if its number is above 0 ({@code xen_irq_from_gsi(gsi) > 0}); else
     * {@code PHYSDEVOP_map_pirq(DOMID_SELF, GSI)} asking for {@code wantedPirq} (-1: any), and on success
     * {@code xen_bind_pirq_gsi_to_irq} (drivers/xen/events/events_base.c@v6.12) returns the irq the GSI
     * already has, unchanged, or binds a new one numbered like the GSI ({@code xen_allocate_irq_gsi}, for
     * dom0 and HVM guests). GSI 0's irq is 0, so each of its registrations maps again; a failed map then
     * gives no irq even though irq 0 exists.
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
        final LinuxIrq existing = irqs.byGsi(gsi);
        if (existing != null && existing.irq() > 0) {
            return existing; // xen_irq_from_gsi(gsi) > 0
        }
        final PhysdevOps.MapPirq map =
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, wantedPirq);
        final int rc = xen.physdev().mapPirq(dom, map);
        log.log(actor, "%s: PHYSDEVOP_map_pirq(DOMID_SELF, gsi %d, pirq %d) = %s%s", caller, gsi, wantedPirq,
            Errno.name(rc), rc == 0 && wantedPirq < 0 ? ", pirq " + map.pirq : "");
        if (rc != 0) {
            return null; // "xen map irq failed": -1, whatever irq the GSI has
        }
        if (existing != null) {
            // xen_bind_pirq_gsi_to_irq: xen_irq_from_gsi(gsi) != -1, the irq is returned as it is
            log.log(actor, "xen_bind_pirq_gsi_to_irq: returning irq %d for gsi %d", existing.irq(), gsi);
            return existing;
        }
        if (dom.isHardwareDomain() && xen.physdev().allocIrqVector(dom, gsi) != 0) {
            // xen_bind_pirq_gsi_to_irq in the initial domain: the irq about to be set up (numbered like
            // the GSI, xen_allocate_irq_gsi) is named to Xen first; a refusal frees it, -ENOSPC
            return null;
        }
        final LinuxIrq d = irqs.mapGsiIdentity(gsi);
        d.setPirq(map.pirq);
        d.configure(level, activeLow);
        pirqQueryUnmask(d);   // xen_bind_pirq_gsi_to_irq, before the flow handler is chosen
        return d;
    }

    /**
     * {@code pirq_query_unmask} (drivers/xen/events/events_base.c@v6.12): {@code PHYSDEVOP_irq_status_query}
     * for the irq's pirq; {@code PIRQ_NEEDS_EOI} is set from {@code XENIRQSTAT_needs_eoi}, and cleared when
     * the call fails (its flags read as 0). Called when the GSI's irq is bound ({@code xen_bind_pirq_gsi_to_irq})
     * and again by {@code __startup_pirq} after {@code EVTCHNOP_bind_pirq}.
     *
     * @param irq a pirq irq
     */
    protected final void pirqQueryUnmask(final LinuxIrq irq) {
        final int rc = xen.physdev().irqStatusQuery(dom, irq.pirq());
        final int flags = rc < 0 ? 0 : rc;
        irq.setPirqNeedsEoi((flags & PhysdevOps.XENIRQSTAT_NEEDS_EOI) != 0);
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
     * {@code mask_irq} on a pirq irq: the chip's {@code irq_mask} is {@code disable_dynirq}
     * &rarr; {@code do_mask(EVT_MASK_REASON_EXPLICIT)} &rarr; {@code mask_evtchn} &rarr;
     * {@code evtchn_2l_mask} (drivers/xen/events/events_base.c, events_2l.c@v6.12): the channel's
     * mask bit is set in shared memory, no hypercall; nothing without a bound channel
     * ({@code VALID_EVTCHN}). Events Xen sends afterwards stay pending.
     */
    @Override
    public void mask(final LinuxIrq irq) {
        irq.setMasked(true);
        if (irq.isEvtchnBound()) {
            dom.writePirqEventMask(irq.pirq(), true);
        }
    }

    /**
     * The xen-pirq chip's {@code irq_disable}, {@code disable_pirq} &rarr; {@code disable_dynirq}
     * (drivers/xen/events/events_base.c@v6.12): masks the channel at once, as {@link #mask} does.
     */
    @Override
    public void disable(final LinuxIrq irq) {
        mask(irq);
    }

    /**
     * The xen-pirq chip's {@code irq_enable}, {@code enable_pirq} &rarr; {@code enable_dynirq}
     * (drivers/xen/events/events_base.c@v6.12; its {@code irq_unmask} is {@code enable_dynirq} too):
     * with a bound channel ({@code VALID_EVTCHN}), {@code do_unmask(EVT_MASK_REASON_EXPLICIT)}
     * ({@link #unmaskEvtchn}), so an event Xen sent while the channel was masked is taken now.
     */
    @Override
    public void enable(final LinuxIrq irq) {
        if (irq.isEvtchnBound()) {
            irq.setMasked(false);
            unmaskEvtchn(irq.pirq());
        }
    }

    /**
     * The xen-pirq chip's {@code irq_retrigger}, {@code retrigger_dynirq}
     * (drivers/xen/events/events_base.c@v6.12), which {@code check_irq_resend} calls
     * ({@link IrqResend}): nothing without a bound channel ({@code VALID_EVTCHN}, Linux then tries
     * {@code irq_sw_resend}); else {@code do_mask(EVT_MASK_REASON_TEMPORARY)}, {@code set_evtchn}
     * (the guest sets the pending bit itself, {@link io.irqsim.hv.domain.Domain#writePirqEventPending})
     * and {@code do_unmask(EVT_MASK_REASON_TEMPORARY)}, which unmasks ({@link #unmaskEvtchn}: the
     * pending event is taken) unless the channel is still masked for another reason (irqsim's one
     * {@code EXPLICIT} flag): the event then waits for that unmask.
     *
     * @param irq a pirq irq the flow handler took with no action or disabled
     * @return whether the event was set again
     */
    @Override
    public boolean retrigger(final LinuxIrq irq) {
        if (!irq.isEvtchnBound()) {
            return false;
        }
        dom.writePirqEventMask(irq.pirq(), true);
        dom.writePirqEventPending(irq.pirq());
        log.log(actor, "retrigger_dynirq: pirq %d's event set pending again", irq.pirq());
        if (!irq.isMasked()) {
            unmaskEvtchn(irq.pirq());
        }
        return true;
    }

    /**
     * {@code xen_bind_pirq_gsi_to_irq} and {@code xen_bind_pirq_msi_to_irq}
     * (drivers/xen/events/events_base.c@v6.12) give a pirq irq its chip and flow handler only, and
     * the xen-pirq chip has no {@code irq_set_type}, so {@code __irq_set_trigger} never sets
     * {@code IRQ_LEVEL}: {@code check_irq_resend} retriggers a level pirq too. (A PVHVM guest's GSI
     * below 16 reuses the descriptor the native IO-APIC set-up gave its legacy irq, which may carry
     * the flag; irqsim's guests map PCI lines to GSIs from 16 up, so none has such a pirq.)
     */
    @Override
    public boolean settingsIsLevel(final LinuxIrq irq) {
        return false;
    }

    /**
     * The xen-pirq chip's {@code irq_shutdown}, {@code shutdown_pirq} (drivers/xen/events/events_base.c@v6.12):
     * nothing without a bound channel ({@code VALID_EVTCHN}); else {@code do_mask(EVT_MASK_REASON_EXPLICIT)}
     * sets the mask bit, {@code xen_irq_info_cleanup} forgets the port, and {@code xen_evtchn_close}
     * issues {@code EVTCHNOP_close}: Xen's {@code evtchn_close} (xen/common/event_channel.c@RELEASE-4.20.0)
     * drops a pending event and, for a PV domain, {@code pirq_guest_unbind}s (the last guest leaving
     * disables the IRQ); an HVM domain's pirq loses its emulated-IRQ binding instead.
     */
    @Override
    public void shutdown(final LinuxIrq irq) {
        if (!irq.isEvtchnBound()) {
            return;
        }
        dom.writePirqEventMask(irq.pirq(), true);
        irq.setMasked(true);
        irq.setEvtchnBound(false);
        final int rc = xen.evtchn().unbindPirq(dom, irq.pirq());
        log.log(actor, "shutdown_pirq: EVTCHNOP_close(pirq %d) = %s", irq.pirq(), Errno.name(rc));
    }

    /**
     * {@code startup_pirq} &rarr; {@code __startup_pirq} (drivers/xen/events/events_base.c@v6.12, read at
     * Kingxukai/linux@9b44fff6): {@code EVTCHNOP_bind_pirq}; the new port is masked (every port was at
     * boot, and {@code shutdown_pirq} masks before it closes); {@code pirq_query_unmask} asks Xen again
     * whether the pirq needs EOI ({@link #pirqQueryUnmask}); then {@code do_unmask(EVT_MASK_REASON_EXPLICIT)}
     * unmasks it ({@link #unmaskEvtchn}) and {@code do_eoi_pirq} completes whatever Xen raised before
     * the channel was wired to the irq ({@link #doEoiPirq}). The caller, {@code __setup_irq}
     * (kernel/irq/manage.c), holds the descriptor lock with interrupts off: an upcall the unmask or
     * the EOI raises is taken only once startup returns, so vCPU 0 is stalled meanwhile. A bind
     * Xen refuses is only warned about ("Failed to obtain physical IRQ"), and startup still returns
     * 0: the irq is started with no event channel, so its driver's {@code request_irq} succeeds and
     * no interrupt ever reaches it.
     *
     * @return 0, whatever the bind answered
     */
    @Override
    public int startup(final LinuxIrq irq) {
        final Vcpu cpu = dom.vcpu(0);
        cpu.block();
        try {
            final int rc = xen.evtchn().bindPirq(dom, irq.pirq(), irq.isLevel());
            irq.setMasked(rc != 0);
            log.log(actor, "startup_pirq: EVTCHNOP_bind_pirq(pirq %d, %s) = %s", irq.pirq(),
                irq.isLevel() ? "shareable" : "exclusive", Errno.name(rc));
            if (rc == 0) {
                irq.setEvtchnBound(true);
                pirqQueryUnmask(irq);
                unmaskEvtchn(irq.pirq());
                doEoiPirq("startup_pirq", irq);
            } else {
                log.log(actor, "startup_pirq: Failed to obtain physical IRQ %d", irq.irq());
            }
        } finally {
            cpu.unblock(); // whatever failed, vCPU 0 must not stay stalled for the rest of the run
        }
        xen.drain();
        return 0;
    }

    /**
     * {@code do_eoi_pirq} as {@code __startup_pirq} ends (drivers/xen/events/events_base.c@v6.12):
     * {@code event_handler_exit} clears the channel's pending bit ({@code clear_evtchn}, a write to
     * shared memory), so an event Xen sent before the bind completed is dropped; then, if
     * {@code pirq_needs_eoi} ({@link #pirqNeedsEoi}), {@code PHYSDEVOP_eoi}, which lets Xen end an
     * interrupt it raised at the bind and is still waiting for ({@code pirq_guest_eoi}); a level line
     * still asserted then fires again and is delivered as a new event.
     *
     * @param caller the caller's name, for the timeline
     * @param irq the irq, bound
     */
    protected final void doEoiPirq(final String caller, final LinuxIrq irq) {
        final int rc = doEoiPirq(irq);
        if (rc != NO_EOI_NEEDED) {
            log.log(actor, "%s: PHYSDEVOP_eoi(pirq %d) = %s", caller, irq.pirq(), Errno.name(rc));
        }
    }

    /** {@link #doEoiPirq(LinuxIrq)}'s answer when {@link #pirqNeedsEoi} says no hypercall is needed. */
    private static final int NO_EOI_NEEDED = 1;

    /**
     * {@code do_eoi_pirq} on a bound channel: {@code event_handler_exit} clears its pending bit, then
     * {@code PHYSDEVOP_eoi} if {@link #pirqNeedsEoi}.
     *
     * @return the hypercall's result, or {@link #NO_EOI_NEEDED}
     */
    private int doEoiPirq(final LinuxIrq irq) {
        dom.clearPirqEvent(irq.pirq());
        return pirqNeedsEoi(irq) ? xen.physdev().eoi(dom, irq.pirq()) : NO_EOI_NEEDED;
    }

    /**
     * {@code unmask_evtchn} &rarr; {@code evtchn_2l_unmask} (drivers/xen/events/events_2l.c@v6.12),
     * on the vCPU the port is bound to (irqsim's guests have one): the mask bit is cleared in
     * shared memory and the pending bit read. If pending, a PV domain marks its upcall pending
     * itself (the event is handled when its events are next enabled: at once here, or when
     * {@link #startup} lets vCPU 0 run again); an HVM-type
     * domain ({@code xen_hvm_domain()}, PVH included) sets the mask bit again and asks Xen with
     * {@code EVTCHNOP_unmask}, which raises the upcall.
     *
     * @param pirq the pirq whose channel is unmasked
     */
    protected final void unmaskEvtchn(final int pirq) {
        dom.writePirqEventMask(pirq, false);
        if (!dom.isPirqEventPending(pirq)) {
            return;
        }
        if (dom.type().isHvmType()) {
            dom.writePirqEventMask(pirq, true);
            final int rc = xen.evtchn().unmask(dom, pirq);
            log.log(actor, "unmask_evtchn: EVTCHNOP_unmask(pirq %d) = %s", pirq, Errno.name(rc));
        } else {
            dom.markEventUpcallPending();
            xen.drain();
        }
    }

    /**
     * {@code eoi_pirq} &rarr; {@code do_eoi_pirq} (drivers/xen/events/events_base.c@v6.12), the xen-pirq
     * chip's {@code irq_ack} (edge flow, before the handlers: {@link #ack}) and {@code irq_eoi}
     * (fasteoi flow, after them): nothing without a bound channel ({@code VALID_EVTCHN});
     * {@code event_handler_exit} clears the channel's pending bit (an event Xen sent while it was
     * set was merged into it and is gone); then {@code PHYSDEVOP_eoi} when {@link #pirqNeedsEoi}
     * says so, whatever the trigger. No timeline line: this runs per interrupt ({@link #doEoiPirq}
     * is the logged, once-per-bind form).
     */
    @Override
    public void eoi(final LinuxIrq irq, final int vector) {
        if (irq != null && irq.isEvtchnBound()) {
            doEoiPirq(irq);
        }
    }

    /**
     * A PV kernel always installs Xen's MSI ops ({@code pci_xen_initial_domain}, {@code pci_xen_init},
     * arch/x86/pci/xen.c@v6.12); an HVM one decides at boot ({@link XenHvmPirqBackend}).
     */
    @Override
    public boolean xenPciMsi() {
        return true;
    }

    /**
     * The flow {@code xen_bind_pirq_gsi_to_irq} / {@code xen_bind_pirq_msi_to_irq}
     * (drivers/xen/events/events_base.c@v6.12) give a pirq irq: {@code handle_fasteoi_irq} for a
     * shareable (level) GSI, {@code handle_edge_irq} for an edge GSI and every MSI, whose
     * {@code irq_ack} is {@code eoi_pirq}: the pending bit is cleared and Xen's interrupt ended
     * before the device is serviced, so a level line Xen runs level and that is still asserted
     * fires again at once.
     */
    @Override
    public boolean acksBeforeHandlers(final LinuxIrq irq) {
        return !irq.isLevel() || irq.isMsi();
    }

    /**
     * {@code pirq_needs_eoi} (drivers/xen/events/events_base.c@v6.12) as {@code xen_init_IRQ} leaves it in
     * an HVM domain, which never registers a {@code pirq_eoi_map}: {@code pirq_needs_eoi_flag}, the
     * {@code PIRQ_NEEDS_EOI} bit from Xen's {@code PHYSDEVOP_irq_status_query}, which is set for an edge
     * pirq as for a level one ({@link PhysdevOps#irqStatusQuery}).
     *
     * @param irq a started pirq irq
     * @return whether its interrupt is ended with {@code PHYSDEVOP_eoi}
     */
    protected boolean pirqNeedsEoi(final LinuxIrq irq) {
        return irq.pirqNeedsEoi();
    }
}
