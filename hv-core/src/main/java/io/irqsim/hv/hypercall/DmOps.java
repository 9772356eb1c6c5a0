package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.Xsm;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.trace.HypercallOp;

/**
 * {@code HYPERVISOR_dm_op}, the interrupt sub-ops a device model uses ({@code xen/arch/x86/hvm/dm.c}).
 * The target is another domain ({@code rcu_lock_remote_domain_by_id}: no such domain or
 * {@code DOMID_SELF} {@code -ESRCH}, the caller itself {@code -EPERM}); it must be HVM-type
 * ({@code -EINVAL}); then the caller must be a control domain or the target's device model
 * ({@code XSM_DM_PRIV}, {@code -EPERM}).
 */
public final class DmOps extends HypercallBase {

    /**
     * @param xen the hypervisor
     */
    public DmOps(final Hypervisor xen) {
        super(xen);
    }

    /** {@code rcu_lock_remote_domain_by_id}: a real domain id ({@code DOMID_SELF}, resolved for no caller, is none). */
    private Domain target(final int domid) {
        return xen.lookup(null, domid);
    }

    /** {@code xen/arch/x86/hvm/dm.c:dm_op@RELEASE-4.18.0/4.20.0}'s checks, in Xen's order. */
    private int check(final Domain caller, final Domain d) {
        if (d == null) {
            return -Errno.ESRCH;
        }
        if (d == caller) {
            return -Errno.EPERM; // rcu_lock_remote_domain_by_id: not on itself
        }
        if (!d.type().isHvmType()) {
            return -Errno.EINVAL;
        }
        if (!Xsm.dmPriv(caller, d)) {
            return -Errno.EPERM; // xsm_dm_op(XSM_DM_PRIV)
        }
        return 0;
    }

    /**
     * {@code XEN_DMOP_set_pci_intx_level} ({@code xen/arch/x86/hvm/dm.c:set_pci_intx_level@RELEASE-4.18.0/4.20.0}).
     *
     * @param caller calling domain
     * @param domid target
     * @param segment PCI segment (must be 0)
     * @param bus bus (must be 0)
     * @param device 0..31
     * @param intx 0..3
     * @param level 0 or 1
     * @return 0, -ESRCH, -EPERM, -EINVAL
     */
    public int setPciIntxLevel(final Domain caller, final int domid, final int segment, final int bus,
                               final int device, final int intx, final int level) {
        enter(caller);
        final Domain d = target(domid);
        int rc = check(caller, d);
        if (rc == 0) {
            if (segment != 0 || bus != 0 || device < 0 || device > 31 || intx < 0 || intx > 3
                || (level != 0 && level != 1)) {
                rc = -Errno.EINVAL;
            } else if (level == 1) {
                d.hvmIrq().pciIntxAssert(device, intx);
            } else {
                d.hvmIrq().pciIntxDeassert(device, intx);
            }
        }
        return leave(caller, HypercallOp.DMOP_SET_PCI_INTX_LEVEL, (long) device << 8 | intx << 1 | (level & 1), rc);
    }

    /**
     * {@code XEN_DMOP_set_isa_irq_level} ({@code xen/arch/x86/hvm/dm.c:set_isa_irq_level@RELEASE-4.18.0/4.20.0}).
     *
     * @param caller calling domain
     * @param domid target
     * @param isaIrq 0..15
     * @param level 0 or 1
     * @return 0, -ESRCH, -EPERM, -EINVAL
     */
    public int setIsaIrqLevel(final Domain caller, final int domid, final int isaIrq, final int level) {
        enter(caller);
        final Domain d = target(domid);
        int rc = check(caller, d);
        if (rc == 0) {
            if (isaIrq < 0 || isaIrq > 15 || (level != 0 && level != 1)) {
                rc = -Errno.EINVAL;
            } else if (level == 1) {
                d.hvmIrq().isaIrqAssert(isaIrq);
            } else {
                d.hvmIrq().isaIrqDeassert(isaIrq);
            }
        }
        return leave(caller, HypercallOp.DMOP_SET_ISA_IRQ_LEVEL, isaIrq << 1 | (level & 1), rc);
    }

    /**
     * {@code XEN_DMOP_set_pci_link_route} ({@code xen/arch/x86/hvm/dm.c:dm_op@RELEASE-4.18.0/4.20.0} &rarr;
     * {@code hvm_set_pci_link_route}).
     *
     * @param caller calling domain
     * @param domid target
     * @param link 0..3
     * @param isaIrq 0..15 (0 = none)
     * @return 0, -ESRCH, -EPERM, -EINVAL
     */
    public int setPciLinkRoute(final Domain caller, final int domid, final int link, final int isaIrq) {
        enter(caller);
        final Domain d = target(domid);
        int rc = check(caller, d);
        if (rc == 0) {
            if (link < 0 || link > 3 || isaIrq < 0 || isaIrq > 15) {
                rc = -Errno.EINVAL;
            } else {
                final int old = d.hvmIrq().pciLinkRoute(link);
                d.hvmIrq().setPciLinkRoute(link, isaIrq);
                if (old != isaIrq && d.dpci() != null) {
                    final int[] routes = new int[4];
                    for (int i = 0; i < 4; i++) {
                        routes[i] = d.hvmIrq().pciLinkRoute(i);
                    }
                    d.dpci().pciLinkRouteChanged(old, routes);
                }
            }
        }
        return leave(caller, HypercallOp.DMOP_SET_PCI_LINK_ROUTE, link << 8 | isaIrq, rc);
    }

    /**
     * {@code XEN_DMOP_inject_msi} ({@code xen/arch/x86/hvm/dm.c:dm_op@RELEASE-4.18.0/4.20.0} &rarr;
     * {@code hvm_inject_msi}): an MSI write into the guest's vLAPICs.
     *
     * @param caller calling domain
     * @param domid target
     * @param address MSI address
     * @param data MSI data
     * @return 0, -ESRCH, -EPERM, -EINVAL
     */
    public int injectMsi(final Domain caller, final int domid, final long address, final int data) {
        enter(caller);
        final Domain d = target(domid);
        int rc = check(caller, d);
        if (rc == 0) {
            d.apicBus().sendMsi(address, data);
        }
        return leave(caller, HypercallOp.DMOP_INJECT_MSI, address, rc);
    }
}
