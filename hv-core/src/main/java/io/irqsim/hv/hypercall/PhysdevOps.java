package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.Xsm;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.passthrough.HvmIrqDpci;
import io.irqsim.hv.policy.PvhPhysdevAccess;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hw.ioapic.IoApicRegisters;

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
    /** {@code XENIRQSTAT_needs_eoi} ({@code xen/include/public/physdev.h}): the guest must {@code PHYSDEVOP_eoi}. */
    public static final int XENIRQSTAT_NEEDS_EOI = 1 << 0;
    /** {@code XENIRQSTAT_shared}: the IRQ is bound by more than one guest. */
    public static final int XENIRQSTAT_SHARED = 1 << 1;
    /** {@code NR_ISAIRQS}: GSIs below this are ISA IRQs, edge-triggered. */
    private static final int NR_ISAIRQS = 16;

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

    /** {@code struct physdev_apic}: {@code value} is out. */
    public static final class ApicAccess {
        /** The IO-APIC's physical address, as the MADT gives it. */
        public final long apicPhysbase;
        /** The indirect register index. */
        public final int reg;
        /** Out: the register's value. */
        public int value;

        /**
         * @param apicPhysbase the IO-APIC's physical address
         * @param reg the indirect register index
         */
        public ApicAccess(final long apicPhysbase, final int reg) {
            this.apicPhysbase = apicPhysbase;
            this.reg = reg;
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
        final boolean hvmSelf = arg.domid == Domain.DOMID_SELF && caller.type().isHvmType() && caller.hasPirqNotion();
        final Domain d = hvmSelf ? caller : xen.lookup(caller, arg.domid);
        if (hvmSelf) {
            // physdev_map_pirq: an HVM domain with pirqs mapping for itself. is_hvm_pv_evtchn_domain (the guest
            // set a vector callback) is taken as true: every Linux that uses XENFEAT_hvm_pirqs has set it.
            rc = physdevHvmMapPirq(caller, arg);
            if (rc == 0) {
                rc = arg.pirq; // the common tail below takes a non-negative rc as the pirq
            }
        } else if (!mapAllowedFor(caller, d)) {
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
     * {@code xen/arch/x86/physdev.c:physdev_hvm_map_pirq@RELEASE-4.18.0/4.20.0}: an HVM guest with
     * {@code XENFEAT_hvm_pirqs} asks which pirq stands behind one of its own GSIs. If a passed-through
     * INTx is bound to that GSI ({@code hvm_irq_dpci->girq}, the last binding wins), the answer is that
     * binding's pirq and {@code index} becomes its Xen IRQ; otherwise the GSI belongs to an emulated
     * device and gets a pirq ({@code get_free_pirq} unless one was asked for) whose emuirq is the GSI
     * ({@code map_domain_emuirq_pirq}). Only {@code MAP_PIRQ_TYPE_GSI} is supported.
     *
     * @param d the calling guest
     * @param arg in/out: index = guest GSI, pirq = wanted pirq or negative
     * @return 0 or a negative errno ({@code -EINVAL} for a GSI outside 0..47, another type, or no free pirq)
     */
    private int physdevHvmMapPirq(final Domain d, final MapPirq arg) {
        if (arg.type != MAP_PIRQ_TYPE_GSI || arg.index < 0 || arg.index >= IoApicRegisters.HVM_GUEST_PINS) {
            return -Errno.EINVAL;
        }
        int machineGsi = 0;
        final HvmIrqDpci dpci = d.dpci();
        if (dpci != null) {
            for (final HvmIrqDpci.Girq g : dpci.girqs(arg.index)) {
                machineGsi = g.pirq(); // the field Xen calls machine_gsi holds the guest's pirq
            }
        }
        if (machineGsi != 0) {
            arg.index = d.pirqs().pirqToIrq(machineGsi);
            arg.pirq = machineGsi;
            return 0;
        }
        if (arg.pirq < 0) {
            arg.pirq = xen.pirqMapping().getFreePirq(d, true);
        }
        return mapDomainEmuirqPirq(d, arg.pirq, arg.index);
    }

    /**
     * {@code xen/arch/x86/irq.c:map_domain_emuirq_pirq@RELEASE-4.18.0/4.20.0}: an HVM guest's pirq stands for an
     * emulated IRQ. A pirq or emuirq already mapped elsewhere is left alone and the call still returns 0, as
     * upstream does (it only logs a warning).
     */
    static int mapDomainEmuirqPirq(final Domain d, final int pirq, final int emuirq) {
        if (pirq < 0 || pirq >= d.pirqs().nrPirqs() || emuirq == Pirq.EMUIRQ_UNBOUND || emuirq >= d.pirqs().nrIrqs()) {
            return -Errno.EINVAL;
        }
        final Pirq existing = d.pirqs().get(pirq);
        final int oldEmuirq = existing == null ? Pirq.EMUIRQ_UNBOUND : existing.emuirq();
        final int oldPirq = emuirq == Pirq.EMUIRQ_PT ? Pirq.EMUIRQ_UNBOUND : d.pirqs().emuirqToPirq(emuirq);
        if (oldEmuirq != Pirq.EMUIRQ_UNBOUND && oldEmuirq != emuirq
            || oldPirq != Pirq.EMUIRQ_UNBOUND && oldPirq != pirq) {
            return 0; // "pirq %d or emuirq %d already mapped"
        }
        d.pirqs().getOrCreate(pirq).setEmuirq(emuirq);
        return 0;
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
     * {@code PHYSDEVOP_eoi} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.18.0/4.20.0}): a guest EOIs a
     * pirq ({@code pirq_guest_eoi}; for an HVM caller only a pirq with a Xen IRQ). An edge IRQ's pirq
     * ({@code ACKTYPE_NONE}) is never left {@code masked} by {@code do_IRQ_guest}, so its EOI, which Linux
     * makes because {@link #irqStatusQuery} says every pirq needs one, finds nothing owed
     * ({@code desc_guest_eoi}, {@code xen/arch/x86/irq.c@RELEASE-4.20.0}) and does nothing. {@code eoi.irq} is unsigned, so a negative pirq fails the
     * {@code >= nr_pirqs} check; a pirq without a {@code struct pirq} ({@code pirq_info}) is -EINVAL. Xen
     * frees the struct of an unmapped pirq ({@code pirq_cleanup_check}) unless an event channel still
     * holds it: such a pirq (unmapped while bound) gets 0, and {@code pirq_guest_eoi} finds no
     * descriptor for it. {@code pirq_cleanup_check} ({@code xen/arch/x86/irq.c@RELEASE-4.20.0}) also
     * keeps a struct whose {@code arch.irq} is not 0, so a pirq {@code get_free_pirq} handed out
     * ({@code PIRQ_ALLOCATED}) gets 0 too. irqsim keeps the struct, so "no struct" is: none, or
     * {@code arch.irq} 0, unbound and with no emulated IRQ.
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
        } else if (p == null || p.irq() == 0 && !p.isEvtchnBound() && p.emuirq() == Pirq.EMUIRQ_UNBOUND) {
            // out of range (the table has no struct there), or a struct pirq_cleanup_check would have freed:
            // it keeps any with arch.irq != 0, PIRQ_ALLOCATED and a forced unbind's -irq included
            rc = -Errno.EINVAL;
        } else {
            if (!caller.type().isHvmType() || p.irq() > 0) {
                xen.guestIrqs().pirqGuestEoi(caller, p); // no descriptor for an unmapped pirq: nothing to do
            }
            final int gsi = caller.type().isHvmType() ? p.emuirq() : 0;
            if (gsi >= NR_ISAIRQS) {
                // not Xen: irqsim's EOI listeners (dm-net's EOI notice) hear this EOI as they hear a vIO-APIC
                // one, for a level line only, as there. Xen cannot tell the trigger Linux bound the pirq with;
                // it takes a GSI past the ISA IRQs as level (the resend below), and so do the listeners: Linux
                // EOIs an ISA edge pirq too (irq_status_query says every pirq needs it)
                caller.gsiEoi(gsi);
            }
            if (gsi >= NR_ISAIRQS && caller.hvmIrq().gsiAssertCount(gsi) > 0 && p.isEvtchnBound()) {
                caller.sendPirqEvent(pirq); // an emulated level GSI still asserted: another notification
            }
            rc = 0;
        }
        return leave(caller, HypercallOp.PHYSDEVOP_EOI, pirq, rc);
    }

    /**
     * {@code PHYSDEVOP_irq_status_query} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.20.0}, same at
     * 4.18, after {@code xen/arch/x86/hvm/hypercall.c:hvm_physdev_op}, which lets it through only for an HVM
     * caller with pirqs): a pirq outside {@code [0, nr_pirqs)} is -EINVAL; so, for an HVM-type caller, is a
     * pirq with neither a Xen IRQ nor an emulated IRQ behind it (an MSI pirq {@code get_free_pirq} handed out
     * before its first message). Otherwise {@code XENIRQSTAT_needs_eoi}, always: Xen does not look at the
     * trigger, a guest without the {@code pirq_eoi_map} must EOI edge pirqs too; {@code XENIRQSTAT_shared}
     * when {@code pirq_shared} finds more than one guest bound to the IRQ ({@code xen/arch/x86/irq.c@RELEASE-4.20.0}).
     *
     * @param caller calling domain (the pirq is its own)
     * @param pirq its pirq
     * @return the flags ({@link #XENIRQSTAT_NEEDS_EOI}, {@link #XENIRQSTAT_SHARED}), or -ENOSYS, -EINVAL
     */
    public int irqStatusQuery(final Domain caller, final int pirq) {
        enter(caller);
        final int rc;
        if (caller.type().isHvmType() && !caller.hasPirqNotion()) {
            rc = -Errno.ENOSYS;
        } else if (pirq < 0 || pirq >= caller.pirqs().nrPirqs()) {
            rc = -Errno.EINVAL;
        } else if (caller.type().isHvmType() && caller.pirqs().pirqToIrq(pirq) <= 0 && emuirq(caller, pirq) == Pirq.EMUIRQ_UNBOUND) {
            rc = -Errno.EINVAL;
        } else {
            rc = XENIRQSTAT_NEEDS_EOI | (pirqShared(caller, pirq) ? XENIRQSTAT_SHARED : 0);
        }
        return leave(caller, HypercallOp.PHYSDEVOP_IRQ_STATUS_QUERY, pirq, rc);
    }

    /** {@code xen/arch/x86/include/asm/irq.h:domain_pirq_to_emuirq@RELEASE-4.20.0}: {@code IRQ_UNBOUND} for a pirq with no struct. */
    private static int emuirq(final Domain d, final int pirq) {
        final Pirq p = d.pirqs().get(pirq);
        return p == null ? Pirq.EMUIRQ_UNBOUND : p.emuirq();
    }

    /**
     * {@code xen/arch/x86/irq.c:pirq_shared@RELEASE-4.20.0}: the pirq's IRQ ({@code domain_spin_lock_irq_desc}: none
     * for {@code arch.irq <= 0}) has a guest action with more than one guest.
     */
    private boolean pirqShared(final Domain d, final int pirq) {
        final int irq = d.pirqs().pirqToIrq(pirq);
        final IrqDesc desc = irq > 0 ? xen.irqDescs().desc(irq) : null;
        return desc != null && desc.isGuest() && desc.nrGuests() > 1;
    }

    /**
     * {@code PHYSDEVOP_get_free_pirq} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.20.0}, same at
     * 4.18): {@code get_free_pirq(d, type)} and the pirq marked taken ({@code arch.irq = PIRQ_ALLOCATED}).
     * An HVM caller without pirqs gets {@code -ENOSYS} ({@code hvm_physdev_op}). Linux's
     * {@code xen_hvm_setup_msi_irqs} asks it for each MSI vector.
     *
     * @param caller calling domain (the pirq is its own)
     * @param type {@link #MAP_PIRQ_TYPE_MSI} or {@link #MAP_PIRQ_TYPE_GSI}
     * @return the pirq, or -ENOSYS, -ENOSPC (none free)
     */
    public int getFreePirq(final Domain caller, final int type) {
        enter(caller);
        final int rc;
        if (caller.type().isHvmType() && !caller.hasPirqNotion()) {
            rc = -Errno.ENOSYS;
        } else {
            final int p = xen.pirqMapping().getFreePirq(caller, type == MAP_PIRQ_TYPE_GSI);
            if (p < 0) {
                rc = -Errno.ENOSPC;
            } else {
                caller.pirqs().getOrCreate(p).setIrq(Pirq.PIRQ_ALLOCATED);
                rc = p;
            }
        }
        return leave(caller, HypercallOp.PHYSDEVOP_GET_FREE_PIRQ, type, rc);
    }

    /**
     * {@code PHYSDEVOP_apic_read} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.20.0}, same at
     * 4.18): {@code xsm_apic} ({@code XSM_PRIV}: the control domain, else -EPERM), then
     * {@code ioapic_guest_read} ({@link io.irqsim.hv.irq.IoApicRouting#guestRead}). An HVM-type caller
     * never gets there: {@code hvm_physdev_op} lets the sub-op through for nobody (-ENOSYS). A PV dom0
     * reads its IO-APICs this way ({@code xen_io_apic_read}, arch/x86/xen/apic.c).
     *
     * @param caller calling domain
     * @param arg in: address and register; out: the value
     * @return 0, -ENOSYS, -EPERM, -EINVAL (no IO-APIC at that address)
     */
    public int apicRead(final Domain caller, final ApicAccess arg) {
        enter(caller);
        int rc = apicOpCheck(caller);
        if (rc == 0) {
            final long v = xen.ioapicRouting().guestRead(arg.apicPhysbase, arg.reg);
            if (v < 0) {
                rc = (int) v;
            } else {
                arg.value = (int) v;
            }
        }
        return leave(caller, HypercallOp.PHYSDEVOP_APIC_READ, arg.reg, rc);
    }

    /**
     * {@code PHYSDEVOP_alloc_irq_vector} ({@code xen/arch/x86/physdev.c:do_physdev_op@RELEASE-4.20.0}, same
     * at 4.18): a dummy kept for old kernels, checked like {@code PHYSDEVOP_apic_read}
     * ({@code xsm_apic}, {@code XSM_PRIV}; -ENOSYS through {@code hvm_physdev_op}); the "vector" it
     * returns is the irq passed in, and nothing is allocated. Linux's {@code xen_bind_pirq_gsi_to_irq}
     * makes it in the initial domain before it sets a GSI's pirq irq up.
     *
     * @param caller calling domain
     * @param irq the caller's irq number
     * @return 0, -ENOSYS, -EPERM
     */
    public int allocIrqVector(final Domain caller, final int irq) {
        enter(caller);
        return leave(caller, HypercallOp.PHYSDEVOP_ALLOC_IRQ_VECTOR, irq, apicOpCheck(caller));
    }

    /**
     * What the {@code xsm_apic} sub-ops check before they run: {@code hvm_physdev_op} lets none through
     * for an HVM-type caller (-ENOSYS), then {@code XSM_PRIV} wants the control domain (-EPERM).
     */
    private static int apicOpCheck(final Domain caller) {
        if (caller.type().isHvmType()) {
            return -Errno.ENOSYS;
        }
        return Xsm.priv(caller) ? 0 : -Errno.EPERM;
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
