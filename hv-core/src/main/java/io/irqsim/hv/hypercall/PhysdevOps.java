package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.Xsm;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.policy.PvhPhysdevAccess;
import io.irqsim.hv.trace.HypercallOp;

/**
 * {@code HYPERVISOR_physdev_op}, the interrupt sub-ops ({@code xen/arch/x86/physdev.c}), with the
 * filter an HVM-type caller (a PVH dom0) goes through first ({@code hvm_physdev_op},
 * {@code xen/arch/x86/hvm/hypercall.c}), configured by {@link PvhPhysdevAccess}.
 */
public final class PhysdevOps extends HypercallBase {

    /** {@code MAP_PIRQ_TYPE_MSI}. */
    public static final int MAP_PIRQ_TYPE_MSI = 0x0;
    /** {@code MAP_PIRQ_TYPE_GSI}. */
    public static final int MAP_PIRQ_TYPE_GSI = 0x1;
    /** {@code MAP_PIRQ_TYPE_UNKNOWN}. */
    public static final int MAP_PIRQ_TYPE_UNKNOWN = 0x2;

    /**
     * {@code struct physdev_map_pirq}; {@code pirq} is in/out.
     */
    public static final class MapPirq {
        /** Target domain ({@code DOMID_SELF} allowed). */
        public int domid;
        /** {@code MAP_PIRQ_TYPE_*}. */
        public int type;
        /** For GSI: the GSI. */
        public int index;
        /** In: the pirq wanted, or negative to allocate; out: the pirq mapped. */
        public int pirq;

        /**
         * @param domid target
         * @param type map type
         * @param index GSI
         * @param pirq pirq wanted (-1: allocate)
         */
        public MapPirq(final int domid, final int type, final int index, final int pirq) {
            this.domid = domid;
            this.type = type;
            this.index = index;
            this.pirq = pirq;
        }
    }

    /**
     * @param xen the hypervisor
     */
    public PhysdevOps(final Hypervisor xen) {
        super(xen);
    }

    /**
     * {@code PHYSDEVOP_map_pirq} ({@code xen/arch/x86/physdev.c:physdev_map_pirq@RELEASE-4.18.0/4.20.0}, after
     * {@code xen/arch/x86/hvm/hypercall.c:hvm_physdev_op}'s filter): {@code xsm_map_domain_pirq}
     * (XSM_DM_PRIV), then the GSI or MSI branch.
     *
     * @param caller calling domain
     * @param arg in/out argument
     * @return 0, -ENOSYS (filtered), -ESRCH, -EPERM, -EINVAL, -EEXIST, -EBUSY, -ENOSPC
     */
    public int mapPirq(final Domain caller, final MapPirq arg) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, arg.domid);
        if (!mapAllowedFor(caller, d)) {
            rc = -Errno.ENOSYS;
        } else if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.dmPriv(caller, d)) {
            rc = -Errno.EPERM; // xsm_map_domain_pirq(XSM_DM_PRIV)
        } else if (arg.type == MAP_PIRQ_TYPE_GSI) {
            rc = xen.pirqMapping().allocateAndMapGsiPirq(caller, d, arg.index, arg.pirq);
        } else if (arg.type == MAP_PIRQ_TYPE_MSI) {
            rc = xen.pirqMapping().allocateAndMapMsiPirq(caller, d, arg.pirq);
        } else {
            rc = -Errno.EINVAL;
        }
        if (rc >= 0) {
            arg.pirq = rc;
            rc = 0;
        }
        return leave(caller, HypercallOp.PHYSDEVOP_MAP_PIRQ, arg.index, rc);
    }

    /**
     * {@code PHYSDEVOP_unmap_pirq} ({@code xen/arch/x86/physdev.c:physdev_unmap_pirq@RELEASE-4.18.0/4.20.0}).
     *
     * @param caller calling domain
     * @param domid target
     * @param pirq pirq of the target
     * @return 0, -ENOSYS, -ESRCH, -EPERM, -EINVAL
     */
    public int unmapPirq(final Domain caller, final int domid, final int pirq) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, domid);
        if (!mapAllowedFor(caller, d)) {
            rc = -Errno.ENOSYS;
        } else if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.dmPriv(caller, d)) {
            rc = -Errno.EPERM;
        } else {
            rc = xen.pirqMapping().unmapDomainPirq(d, pirq);
        }
        return leave(caller, HypercallOp.PHYSDEVOP_UNMAP_PIRQ, pirq, rc);
    }

    /**
     * {@code PHYSDEVOP_setup_gsi} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.18.0/4.20.0}): registers a GSI's trigger and polarity ({@code mp_register_gsi});
     * creates no mapping and binds nothing.
     *
     * @param caller calling domain
     * @param gsi GSI
     * @param triggering 0 edge, 1 level
     * @param polarity 0 active high, 1 active low
     * @return 0, -EEXIST (already set up), -ENOSYS (filtered), -EINVAL, -EPERM
     */
    public int setupGsi(final Domain caller, final int gsi, final int triggering, final int polarity) {
        enter(caller);
        int rc;
        if (caller.type().isHvmType() && !(xen.config().pvhPhysdev().setupGsi() && caller.isHardwareDomain())) {
            rc = -Errno.ENOSYS;
        } else if (gsi < 0 || gsi >= xen.irqDescs().nrIrqsGsi()) {
            rc = -Errno.EINVAL;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM; // xsm_resource_setup_gsi(XSM_PRIV)
        } else {
            rc = xen.ioapicRouting().mpRegisterGsi(gsi, triggering != 0, polarity != 0);
        }
        return leave(caller, HypercallOp.PHYSDEVOP_SETUP_GSI, gsi, rc);
    }

    /**
     * {@code PHYSDEVOP_eoi} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.18.0/4.20.0}): a PV guest EOIs a
     * pirq ({@code pirq_guest_eoi}). {@code eoi.irq} is unsigned, so a negative pirq fails the
     * {@code >= nr_pirqs} check; a pirq without a {@code struct pirq} ({@code pirq_info}) is -EINVAL. Xen
     * frees the struct of an unmapped pirq ({@code pirq_cleanup_check}) unless an event channel still
     * holds it: such a pirq (unmapped while bound) gets 0, and {@code pirq_guest_eoi} finds no
     * descriptor for it. irqsim keeps the struct, so "no struct" is: none, or unmapped and unbound.
     *
     * @param caller calling domain
     * @param pirq its pirq
     * @return 0, -ENOSYS (caller without pirqs), -EINVAL
     */
    public int eoi(final Domain caller, final int pirq) {
        enter(caller);
        int rc;
        final Pirq p = caller.pirqs().get(pirq);
        if (caller.type().isHvmType() && !caller.hasPirqNotion()) {
            rc = -Errno.ENOSYS;
        } else if (p == null || (p.irq() <= 0 && !p.isEvtchnBound())) {
            rc = -Errno.EINVAL; // out of range (the table has no struct there) or no struct
        } else {
            xen.guestIrqs().pirqGuestEoi(caller, p); // no descriptor for an unmapped pirq: nothing to do
            rc = 0;
        }
        return leave(caller, HypercallOp.PHYSDEVOP_EOI, pirq, rc);
    }

    /** {@code xen/arch/x86/hvm/hypercall.c:hvm_physdev_op@RELEASE-4.18.0/4.20.0}'s check for map/unmap: PV callers and callers with pirqs always pass. */
    private boolean mapAllowedFor(final Domain caller, final Domain target) {
        if (!caller.type().isHvmType() || caller.hasPirqNotion()) {
            return true;
        }
        final PvhPhysdevAccess access = xen.config().pvhPhysdev();
        return target == caller ? access.mapPirqForSelf() : access.mapPirqForOthers();
    }
}
