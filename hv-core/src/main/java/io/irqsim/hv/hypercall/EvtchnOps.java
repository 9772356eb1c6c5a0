package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;

/**
 * The pirq part of {@code HYPERVISOR_event_channel_op} ({@code xen/common/event_channel.c}):
 * a PV guest binding an event channel to a pirq is what binds the physical IRQ to it
 * ({@code evtchn_bind_pirq} calls {@code pirq_guest_bind}).
 */
public final class EvtchnOps extends HypercallBase {

    /**
     * @param xen the hypervisor
     */
    public EvtchnOps(final Hypervisor xen) {
        super(xen);
    }

    /**
     * {@code EVTCHNOP_bind_pirq} ({@code xen/common/event_channel.c:evtchn_bind_pirq@RELEASE-4.18.0/4.20.0}):
     * range ({@code pirq >= d->nr_pirqs}, unsigned), {@code pirq_access_permitted} (PV only), already
     * bound, then {@code pirq_guest_bind} (PV only). Any HVM-type caller gets this far, with or without
     * {@code XENFEAT_hvm_pirqs}: {@code event_channel_op} is in the HVM hypercall table as is
     * ({@code xen/include/hypercall-defs.c@RELEASE-4.20.0}) and {@code evtchn_bind_pirq} asks nothing
     * of {@code has_pirq}; {@code arch_evtchn_bind_pirq} then marks a mapped pirq {@code IRQ_PT}.
     * The channel's mask bit is not touched (the 2-level ABI has no {@code evtchn_port_init} hook):
     * it is what the guest last wrote to it ({@link Domain#writePirqEventMask}).
     *
     * @param caller calling domain
     * @param pirq its pirq
     * @param willShare {@code BIND_PIRQ__WILL_SHARE}
     * @return 0, -EINVAL (pirq out of range), -EPERM (PV: not mapped to an IRQ the caller may use:
     *     {@code pirq_access_permitted}), -EEXIST (already bound), -EBUSY
     */
    public int bindPirq(final Domain caller, final int pirq, final boolean willShare) {
        enter(caller);
        final Pirq p = caller.pirqs().get(pirq);
        // evtchn_bind_pirq (xen/common/event_channel.c@RELEASE-4.18.0): an HVM domain is neither checked with
        // pirq_access_permitted nor bound with pirq_guest_bind (its passthrough pirqs are bound by
        // pt_irq_create_bind); arch_evtchn_bind_pirq then marks a mapped pirq IRQ_PT
        final boolean hvm = caller.type().isHvmType();
        final int rc;
        if (pirq < 0 || pirq >= caller.pirqs().nrPirqs()) {
            rc = -Errno.EINVAL;
        } else if (!hvm && xen.pirqMapping().pirqAccessPermitted(caller, pirq) == 0) {
            rc = -Errno.EPERM;
        } else if (p != null && p.isEvtchnBound()) {
            rc = -Errno.EEXIST;
        } else {
            final Pirq info = caller.pirqs().getOrCreate(pirq); // pirq_get_info
            final int r = hvm ? 0 : xen.guestIrqs().pirqGuestBind(caller, info, willShare);
            if (r == 0) {
                info.setEvtchnBound(true);
                if (hvm && info.irq() > 0) {
                    info.setEmuirq(Pirq.EMUIRQ_PT); // arch_evtchn_bind_pirq: map_domain_emuirq_pirq(IRQ_PT)
                }
            }
            rc = r;
        }
        xen.drain();
        return rc;
    }

    /**
     * {@code EVTCHNOP_close} on a pirq channel ({@code xen/common/event_channel.c:evtchn_close@RELEASE-4.18.0/4.20.0}:
     * {@code pirq_guest_unbind}; {@code evtchn_free} clears the channel's pending bit, so an event the
     * guest had not taken yet is dropped). The mask bit is left as it is: {@code evtchn_free} does
     * not touch it, and neither does {@code evtchn_bind_pirq} (the 2-level ABI has no
     * {@code evtchn_port_init} hook), so it is whatever the guest last wrote (Linux masks before it
     * closes, {@code shutdown_pirq}).
     *
     * @param caller calling domain
     * @param pirq its pirq
     * @return 0 or -EINVAL
     */
    public int unbindPirq(final Domain caller, final int pirq) {
        enter(caller);
        final Pirq p = caller.pirqs().get(pirq);
        if (p == null || !p.isEvtchnBound()) {
            return -Errno.EINVAL;
        }
        p.setEvtchnBound(false);
        caller.clearPirqEvent(pirq); // evtchn_free: evtchn_port_clear_pending
        if (caller.type().isHvmType()) {
            // evtchn_close: no pirq_guest_unbind for an HVM domain; unmap_domain_pirq_emuirq for a mapped pirq
            if (p.irq() > 0) {
                p.setEmuirq(Pirq.EMUIRQ_UNBOUND);
            }
        } else {
            xen.guestIrqs().pirqGuestUnbind(caller, p);
        }
        xen.drain();
        return 0;
    }

    /**
     * {@code EVTCHNOP_unmask} on a pirq's channel ({@code xen/common/event_channel.c:evtchn_unmask}
     * &rarr; {@code xen/common/event_2l.c:evtchn_2l_unmask@RELEASE-4.20.0}): clears the mask bit and,
     * if it was set and the event is pending, raises the upcall; the event is then delivered before
     * this returns (the caller's vCPU runs its upcall).
     *
     * @param caller calling domain
     * @param pirq the pirq whose channel is unmasked
     * @return 0, or -EINVAL when no channel is bound to the pirq (irqsim numbers no ports; Xen's
     *     -EINVAL is for a port beyond the allocated buckets, and a free port's unmask is 0)
     */
    public int unmask(final Domain caller, final int pirq) {
        enter(caller);
        final Pirq p = caller.pirqs().get(pirq);
        if (p == null || !p.isEvtchnBound()) {
            return -Errno.EINVAL;
        }
        caller.unmaskPirqEvent(pirq);
        xen.drain();
        return 0;
    }
}
