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
 * the target's device model. The target is resolved before the privilege check, as Xen does
 * ({@code do_domctl}: {@code rcu_lock_domain_by_id}, which knows no {@code DOMID_SELF}, then
 * {@code xsm_domctl}), and both come before any argument of the sub-op is looked at.
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

    /** {@code rcu_lock_domain_by_id}: a real domain id only ({@code DOMID_SELF}, resolved for no caller, is none). */
    private Domain target(final int domid) {
        return xen.lookup(null, domid);
    }

    /**
     * {@code XEN_DOMCTL_irq_permission} ({@code xen/common/domctl.c:do_domctl@RELEASE-4.18.0/4.20.0}): the pirq is one of the <em>caller's</em>; it must map to
     * an IRQ the caller holds (resolution configurable: {@link io.irqsim.hv.policy.IrqPermissionPolicy}).
     *
     * @param caller calling domain
     * @param domid target
     * @param pirq a pirq of the caller
     * @param allow grant or revoke
     * @return 0, -ESRCH (no such domain, or {@code DOMID_SELF}), -EPERM (not privileged), -EINVAL (pirq out of
     *     range), -EPERM (no mapping)
     */
    public int irqPermission(final Domain caller, final int domid, final int pirq, final boolean allow) {
        enter(caller);
        int rc;
        final Domain d = target(domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM; // xsm_domctl(XSM_PRIV)
        } else if (pirq < 0 || pirq >= caller.pirqs().nrPirqs()) {
            rc = -Errno.EINVAL;
        } else {
            final int irq = xen.config().irqPermission().irqFor(xen.pirqMapping(), caller, pirq);
            if (irq == 0) {
                rc = -Errno.EPERM;
            } else {
                rc = xen.pirqMapping().setIrqAccess(d, irq, allow);
            }
        }
        return leave(caller, HypercallOp.DOMCTL_IRQ_PERMISSION, pirq, rc);
    }

    /**
     * {@code XEN_DOMCTL_gsi_permission} ({@code xen/arch/x86/domctl.c:arch_do_domctl@RELEASE-4.20.0}):
     * permission on a GSI, checked against the caller's rights on the GSI's IRQ; no pirq mapping
     * needed. Flags other than the action bit give -EINVAL; {@code gsi_2_irq}'s error is returned
     * as is (its {@code irq ?: -EINVAL} makes GSI 2 under the IRQ0 override -EINVAL, so the
     * {@code ret = irq ?: -EACCES} branch cannot yield -EACCES); the XSM hook is the dummy
     * policy's (always 0). {@code -ENOSYS} where the design in force predates the sub-op.
     *
     * @param caller calling domain
     * @param domid target
     * @param gsi GSI
     * @param flags {@link #GSI_GRANT} or {@link #GSI_REVOKE}
     * @return 0, -ESRCH, -EPERM (not privileged), -ENOSYS, -EINVAL, -ERANGE, -EPERM (caller lacks the IRQ)
     */
    public int gsiPermission(final Domain caller, final int domid, final int gsi, final int flags) {
        enter(caller);
        int rc;
        final Domain d = target(domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM; // xsm_domctl(XSM_PRIV)
        } else if (!xen.config().gsiPermission()) {
            rc = -Errno.ENOSYS; // arch_do_domctl: unknown sub-op
        } else if ((flags & ~GSI_GRANT) != 0) {
            rc = -Errno.EINVAL;
        } else {
            final int irq = xen.ioapicRouting().gsiToIrq(gsi);
            if (irq < 0) {
                rc = irq;
            } else {
                final boolean held = xen.pirqMapping().irqAccessPermitted(caller, irq);
                xen.trace().event(HvEvent.PERMISSION_CHECK, irq, HvEvent.CHECK_IRQ_ACCESS, held ? 1 : 0);
                if (!held) {
                    rc = -Errno.EPERM;
                } else {
                    rc = xen.pirqMapping().setIrqAccess(d, irq, (flags & GSI_GRANT) != 0);
                }
            }
        }
        return leave(caller, HypercallOp.DOMCTL_GSI_PERMISSION, gsi, rc);
    }

    /**
     * {@code XEN_DOMCTL_bind_pt_irq} for {@code PT_IRQ_TYPE_PCI} ({@code xen/arch/x86/domctl.c:arch_do_domctl@RELEASE-4.18.0/4.20.0}).
     *
     * @param caller calling domain (control domain or the target's device model)
     * @param domid target
     * @param bind the binding (machine_irq is a pirq of the target)
     * @return 0, -ESRCH (no domain, or no IOMMU), -EPERM (not privileged), -EINVAL (not HVM-type), -EPERM (pirq
     *     not mapped, or its IRQ not the caller's), or pt_irq_create_bind's error
     */
    public int bindPtIrq(final Domain caller, final int domid, final BindPtIrq bind) {
        enter(caller);
        final Domain d = target(domid);
        int rc = checkPtIrq(caller, d, bind);
        if (rc == 0) {
            rc = d.iommuEnabled() ? xen.passthrough().ptIrqCreateBind(d, bind) : -Errno.ESRCH;
        }
        return leave(caller, HypercallOp.DOMCTL_BIND_PT_IRQ, bind.machineIrq(), rc);
    }

    /**
     * What {@code bind_pt_irq} and {@code unbind_pt_irq} check before acting, in Xen's order: the
     * target exists, the caller may act as its device model, it is HVM-type, and its pirq maps to
     * an IRQ the caller holds.
     */
    private int checkPtIrq(final Domain caller, final Domain d, final BindPtIrq bind) {
        if (d == null) {
            return -Errno.ESRCH;
        }
        if (!Xsm.dmPriv(caller, d)) {
            return -Errno.EPERM; // xsm_domctl(XSM_DM_PRIV)
        }
        if (!d.type().isHvmType()) {
            return -Errno.EINVAL;
        }
        final int irq = d.pirqs().pirqToIrq(bind.machineIrq());
        return irq <= 0 || !xen.pirqMapping().irqAccessPermitted(caller, irq) ? -Errno.EPERM : 0;
    }

    /**
     * {@code XEN_DOMCTL_unbind_pt_irq} ({@code xen/arch/x86/domctl.c:arch_do_domctl@RELEASE-4.18.0/4.20.0}).
     *
     * @param caller calling domain
     * @param domid target
     * @param bind the binding to remove
     * @return 0, -ESRCH, -EINVAL, -EPERM
     */
    public int unbindPtIrq(final Domain caller, final int domid, final BindPtIrq bind) {
        enter(caller);
        final Domain d = target(domid);
        int rc = checkPtIrq(caller, d, bind);
        if (rc == 0 && d.iommuEnabled()) {
            rc = xen.passthrough().ptIrqDestroyBind(d, bind);
        }
        return leave(caller, HypercallOp.DOMCTL_UNBIND_PT_IRQ, bind.machineIrq(), rc);
    }

    /**
     * {@code XEN_DOMCTL_assign_device} ({@code xen/drivers/passthrough/pci.c:iommu_do_pci_domctl@RELEASE-4.18.0/4.20.0},
     * {@code assign_device}): gives a PCI device to a domain; it must exist and belong
     * to the hardware domain ({@code device_assigned}: a device a guest holds, even the target
     * itself, is busy). {@code assign_device} does nothing and returns 0 for a domain created
     * without an IOMMU context ({@code !is_iommu_enabled(d)}): assigning never turns one on.
     *
     * @param caller calling domain
     * @param domid target
     * @param bdf the device
     * @return 0, -ESRCH, -EPERM, -EINVAL (target is the caller or the hardware domain), -ENODEV, -EBUSY
     */
    public int assignDevice(final Domain caller, final int domid, final Bdf bdf) {
        enter(caller);
        int rc;
        final Domain d = target(domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM;
        } else if (d == caller || d.isHardwareDomain()) {
            rc = -Errno.EINVAL; // "Don't support self-assignment of devices"
        } else if (xen.platform().pci().function(bdf) == null) {
            rc = -Errno.ENODEV;
        } else if (xen.deviceOwner(bdf) != xen.hardwareDomain()) {
            rc = -Errno.EBUSY; // device_assigned: owned by a guest (the target included)
        } else {
            if (d.iommuEnabled()) {
                xen.assign(bdf, d);
            }
            rc = 0; // assign_device: !is_iommu_enabled(d) -> 0, nothing assigned
        }
        return leave(caller, HypercallOp.DOMCTL_ASSIGN_DEVICE, bdf.sbdf(), rc);
    }

    /**
     * {@code XEN_DOMCTL_deassign_device} ({@code xen/drivers/passthrough/pci.c:iommu_do_pci_domctl@RELEASE-4.18.0/4.20.0},
     * {@code deassign_device}): returns a device to the hardware domain. {@code iommu_do_domctl}
     * ({@code xen/drivers/passthrough/iommu.c@RELEASE-4.18.0/4.20.0}) refuses a target without an IOMMU
     * context first.
     *
     * @param caller calling domain
     * @param domid the domain holding it
     * @param bdf the device
     * @return 0, -ESRCH, -EPERM, -EOPNOTSUPP (no IOMMU context), -EINVAL (target is the caller), -ENODEV (no such
     *     device, or not assigned to that domain)
     */
    public int deassignDevice(final Domain caller, final int domid, final Bdf bdf) {
        enter(caller);
        int rc;
        final Domain d = target(domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM;
        } else if (!d.iommuEnabled()) {
            rc = -Errno.EOPNOTSUPP; // iommu_do_domctl: no IOMMU context
        } else if (d == caller) {
            rc = -Errno.EINVAL; // "Don't support self-deassignment of devices"
        } else if (xen.platform().pci().function(bdf) == null || !d.assignedDevices().contains(bdf)) {
            rc = -Errno.ENODEV; // deassign_device: pci_get_pdev(d, sbdf) finds nothing
        } else {
            xen.deassign(bdf, d);
            rc = 0;
        }
        return leave(caller, HypercallOp.DOMCTL_DEASSIGN_DEVICE, bdf.sbdf(), rc);
    }

    /**
     * {@code XEN_DOMCTL_test_assign_device} (Xen {@code xen/drivers/passthrough/pci.c}
     * {@code iommu_do_pci_domctl}@RELEASE-4.18.0, same at RELEASE-4.20.0): whether a device could be given
     * to a domain. {@code device_assigned} finds it missing (-ENODEV) or held by a guest (-EBUSY), and
     * the test reports either as -EINVAL ("already assigned, or non-existent"). Before any of that,
     * {@code iommu_do_domctl} ({@code xen/drivers/passthrough/iommu.c@RELEASE-4.18.0/4.20.0}) answers
     * -EOPNOTSUPP for a target without an IOMMU context.
     *
     * @param caller calling domain
     * @param domid target
     * @param bdf the device
     * @return 0, -ESRCH, -EPERM, -EOPNOTSUPP (no IOMMU context), -EINVAL (self-assignment, device missing or
     *     already assigned)
     */
    public int testAssignDevice(final Domain caller, final int domid, final Bdf bdf) {
        enter(caller);
        int rc;
        final Domain d = target(domid);
        if (d == null) {
            rc = -Errno.ESRCH;
        } else if (!Xsm.priv(caller)) {
            rc = -Errno.EPERM;
        } else if (!d.iommuEnabled()) {
            rc = -Errno.EOPNOTSUPP; // iommu_do_domctl: no IOMMU context
        } else if (d == caller || xen.platform().pci().function(bdf) == null
            || xen.deviceOwner(bdf) != xen.hardwareDomain()) {
            rc = -Errno.EINVAL;
        } else {
            rc = 0;
        }
        return leave(caller, HypercallOp.DOMCTL_TEST_ASSIGN_DEVICE, bdf.sbdf(), rc);
    }
}
