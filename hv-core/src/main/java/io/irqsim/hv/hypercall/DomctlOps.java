package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.Xsm;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hw.pci.Bdf;

/**
 * {@code HYPERVISOR_domctl}, the interrupt and device sub-ops ({@code xen/common/domctl.c},
 * {@code xen/arch/x86/domctl.c}, {@code xen/drivers/passthrough/pci.c}). Every domctl needs a
 * control-domain caller (XSM dummy policy); {@code bind_pt_irq}/{@code unbind_pt_irq} also accept
 * the target's device model. The target is resolved before the privilege check, as Xen does.
 */
public final class DomctlOps extends HypercallBase {

    /** {@code XEN_DOMCTL_GSI_GRANT}. */
    public static final int GSI_GRANT = 1;
    /** {@code XEN_DOMCTL_GSI_REVOKE}. */
    public static final int GSI_REVOKE = 0;

    /**
     * @param xen the hypervisor
     */
    public DomctlOps(final Hypervisor xen) {
        super(xen);
    }

    /**
     * {@code XEN_DOMCTL_irq_permission}: the pirq is one of the <em>caller's</em>; it must map to
     * an IRQ the caller holds (resolution configurable: {@link io.irqsim.hv.policy.IrqPermissionPolicy}).
     *
     * @param caller calling domain
     * @param domid target
     * @param pirq a pirq of the caller
     * @param allow grant or revoke
     * @return 0, -ESRCH, -EINVAL (pirq out of range), -EPERM (no mapping, or not privileged)
     */
    public int irqPermission(final Domain caller, final int domid, final int pirq, final boolean allow) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (pirq < 0 || pirq >= caller.pirqs().nrPirqs()) {
            rc = -Errno.EINVAL;
        } else {
            final int irq = xen.config().irqPermission().irqFor(xen.pirqMapping(), caller, pirq);
            if (irq == 0 || !Xsm.priv(caller)) {
                rc = -Errno.EPERM;
            } else {
                rc = xen.pirqMapping().setIrqAccess(d, irq, allow);
            }
        }
        return leave(caller, HypercallOp.DOMCTL_IRQ_PERMISSION, pirq, rc);
    }

    /**
     * {@code XEN_DOMCTL_gsi_permission} (Xen 4.20): permission on a GSI, checked against the
     * caller's rights on the GSI's IRQ; no pirq mapping needed. {@code -ENOSYS} where the design
     * in force predates it.
     *
     * @param caller calling domain
     * @param domid target
     * @param gsi GSI
     * @param flags {@link #GSI_GRANT} or {@link #GSI_REVOKE}
     * @return 0, -ENOSYS, -ESRCH, -EINVAL, -ERANGE, -EACCES, -EPERM
     */
    public int gsiPermission(final Domain caller, final int domid, final int gsi, final int flags) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, domid);
        if (!xen.config().gsiPermission()) {
            rc = -Errno.ENOSYS;
        } else if (d == null) {
            rc = -Errno.ESRCH;
        } else if ((flags & ~GSI_GRANT) != 0) {
            rc = -Errno.EINVAL;
        } else {
            final int irq = xen.ioapicRouting().gsiToIrq(gsi);
            if (irq <= 0) {
                rc = irq == 0 ? -Errno.EACCES : irq;
            } else {
                final boolean held = xen.pirqMapping().irqAccessPermitted(caller, irq);
                xen.trace().event(HvEvent.PERMISSION_CHECK, irq, HvEvent.CHECK_IRQ_ACCESS, held ? 1 : 0);
                if (!held || !Xsm.priv(caller)) {
                    rc = -Errno.EPERM;
                } else {
                    rc = xen.pirqMapping().setIrqAccess(d, irq, (flags & GSI_GRANT) != 0);
                }
            }
        }
        return leave(caller, HypercallOp.DOMCTL_GSI_PERMISSION, gsi, rc);
    }

    /**
     * {@code XEN_DOMCTL_bind_pt_irq} for {@code PT_IRQ_TYPE_PCI}.
     *
     * @param caller calling domain (control domain or the target's device model)
     * @param domid target
     * @param bind the binding (machine_irq is a pirq of the target)
     * @return 0, -ESRCH (no domain, or no IOMMU), -EINVAL (not HVM-type), -EPERM, or pt_irq_create_bind's error
     */
    public int bindPtIrq(final Domain caller, final int domid, final BindPtIrq bind) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!d.type().isHvmType()) {
            rc = -Errno.EINVAL;
        } else if (!Xsm.dmPriv(caller, d)) {
            rc = -Errno.EPERM;
        } else {
            final int irq = d.pirqs().pirqToIrq(bind.machineIrq());
            if (irq <= 0 || !xen.pirqMapping().irqAccessPermitted(caller, irq)) {
                rc = -Errno.EPERM;
            } else if (!d.iommuEnabled()) {
                rc = -Errno.ESRCH;
            } else {
                rc = xen.passthrough().ptIrqCreateBind(d, bind);
            }
        }
        return leave(caller, HypercallOp.DOMCTL_BIND_PT_IRQ, bind.machineIrq(), rc);
    }

    /**
     * {@code XEN_DOMCTL_unbind_pt_irq}.
     *
     * @param caller calling domain
     * @param domid target
     * @param bind the binding to remove
     * @return 0, -ESRCH, -EINVAL, -EPERM
     */
    public int unbindPtIrq(final Domain caller, final int domid, final BindPtIrq bind) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!d.type().isHvmType()) {
            rc = -Errno.EINVAL;
        } else {
            final int irq = d.pirqs().pirqToIrq(bind.machineIrq());
            if (irq <= 0 || !xen.pirqMapping().irqAccessPermitted(caller, irq)) {
                rc = -Errno.EPERM;
            } else if (!Xsm.dmPriv(caller, d)) {
                rc = -Errno.EPERM;
            } else {
                rc = d.iommuEnabled() ? xen.passthrough().ptIrqDestroyBind(d, bind) : 0;
            }
        }
        return leave(caller, HypercallOp.DOMCTL_UNBIND_PT_IRQ, bind.machineIrq(), rc);
    }

    /**
     * {@code XEN_DOMCTL_assign_device}: gives a PCI device to a domain; it must exist and belong
     * to the hardware domain (not to another guest).
     *
     * @param caller calling domain
     * @param domid target
     * @param bdf the device
     * @return 0, -ESRCH, -EPERM, -ENODEV, -EBUSY, -EINVAL (target is the hardware domain)
     */
    public int assignDevice(final Domain caller, final int domid, final Bdf bdf) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM;
        } else if (xen.platform().pci().function(bdf) == null) {
            rc = -Errno.ENODEV;
        } else if (d.isHardwareDomain()) {
            rc = -Errno.EINVAL;
        } else if (xen.deviceOwner(bdf) != xen.hardwareDomain()) {
            rc = xen.deviceOwner(bdf) == d ? 0 : -Errno.EBUSY;
        } else {
            d.setIommuEnabled(true);
            xen.assign(bdf, d);
            rc = 0;
        }
        return leave(caller, HypercallOp.DOMCTL_ASSIGN_DEVICE, bdf.sbdf(), rc);
    }

    /**
     * {@code XEN_DOMCTL_deassign_device}: returns a device to the hardware domain.
     *
     * @param caller calling domain
     * @param domid the domain holding it
     * @param bdf the device
     * @return 0, -ESRCH, -EPERM, -ENODEV, -EINVAL (not assigned to that domain)
     */
    public int deassignDevice(final Domain caller, final int domid, final Bdf bdf) {
        enter(caller);
        int rc;
        final Domain d = xen.lookup(caller, domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM;
        } else if (xen.platform().pci().function(bdf) == null) {
            rc = -Errno.ENODEV;
        } else if (!d.assignedDevices().contains(bdf)) {
            rc = -Errno.EINVAL;
        } else {
            xen.deassign(bdf, d);
            rc = 0;
        }
        return leave(caller, HypercallOp.DOMCTL_DEASSIGN_DEVICE, bdf.sbdf(), rc);
    }
}
