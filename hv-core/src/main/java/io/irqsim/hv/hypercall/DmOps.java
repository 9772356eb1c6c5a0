package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.Xsm;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.trace.HypercallOp;

/**
 * {@code HYPERVISOR_dm_op}, the interrupt sub-ops a device model uses ({@code xen/arch/x86/hvm/dm.c}).
 * The target is another domain ({@code rcu_lock_remote_domain_by_id}: no such domain or
 * {@code DOMID_SELF} {@code -ESRCH}, the caller itself {@code -EPERM}); it must be HVM-type
 * ({@code -EINVAL}); then the caller must be a control domain or the target's device model
 * ({@code XSM_DM_PRIV}, {@code -EPERM}).
 */
public final class DmOps extends HypercallBase {

    /** {@code dest_Fixed} (MSI data bits 10:8). */
    private static final int DELIVERY_FIXED = 0;
    /** {@code dest_LowestPrio}. */
    private static final int DELIVERY_LOWEST_PRIO = 1;

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
     * {@code xen/arch/x86/hvm/irq.c:hvm_inject_msi@RELEASE-4.20.0}): an MSI write into the guest's
     * vLAPICs ({@code vmsi_deliver}), or, for data vector 0, the guest's pirq named by the address's
     * destination bits ({@link #injectPirqMsi}).
     *
     * @param caller calling domain
     * @param domid target
     * @param address MSI address
     * @param data MSI data
     * @return 0, -ESRCH (no such domain, or a lowest-priority MSI with no enabled vLAPIC addressed), -EPERM, -EINVAL
     *     (not HVM, a delivery mode {@code vmsi_deliver} does not support), -ERANGE/-EBUSY (pirq branch)
     */
    public int injectMsi(final Domain caller, final int domid, final long address, final int data) {
        enter(caller);
        final Domain d = target(domid);
        int rc = check(caller, d);
        if (rc == 0) {
            if ((data & 0xff) == 0) {
                rc = injectPirqMsi(d, address);
            } else {
                rc = vmsiDeliver(d, address, data);
            }
        }
        return leave(caller, HypercallOp.DMOP_INJECT_MSI, address, rc);
    }

    /**
     * {@code xen/arch/x86/hvm/vmsi.c:vmsi_deliver@RELEASE-4.18.0/4.20.0} (identical at both tags) for a
     * non-zero vector: only fixed and lowest-priority delivery are accepted, anything else (SMI, NMI,
     * INIT, ExtINT, reserved) is {@code -EINVAL} with nothing delivered; lowest priority with no target
     * vLAPIC ({@code vlapic_lowest_prio} finds no enabled, addressed vLAPIC) is {@code -ESRCH}; a
     * target that refuses a vector below 16 ({@code vlapic_set_irq} only sets its illegal-vector
     * error) is still 0; fixed delivers to every matching enabled vLAPIC and is 0 even when none
     * matches. As {@code hvm_inject_msi} reads only the destination (bits 19:12) and mode (bit 2) of
     * the address, an address outside 0xFEExxxxx is delivered too
     * ({@link io.irqsim.hw.apic.ApicBus#deliverMsi}).
     */
    private static int vmsiDeliver(final Domain d, final long address, final int data) {
        final int mode = (data >>> 8) & 7;
        if (mode != DELIVERY_FIXED && mode != DELIVERY_LOWEST_PRIO) {
            return -Errno.EINVAL;   // "Unsupported MSI delivery mode"
        }
        if (mode == DELIVERY_LOWEST_PRIO
            && !d.apicBus().hasEnabledTarget((address & 4) != 0, (int) (address >>> 12) & 0xFF)) {
            return -Errno.ESRCH;    // "null MSI round robin"
        }
        d.apicBus().deliverMsi(address, data);
        return 0;
    }

    /**
     * {@code hvm_inject_msi}'s vector-0 branch (xen/arch/x86/hvm/irq.c@RELEASE-4.20.0, same at 4.18):
     * the pirq is address bits 63:40 over the destination ID bits 19:12 (Linux's
     * {@code xen_msi_compose_msg} puts it there); 0 is {@code -ERANGE}. A pirq with no emulated IRQ yet
     * is mapped {@code IRQ_MSI_EMU} ({@code map_domain_emuirq_pirq}; its errors returned); one
     * standing for anything else is {@code -EINVAL}; then {@code send_guest_pirq}: the event if the
     * guest bound a channel, else nothing.
     */
    private static int injectPirqMsi(final Domain d, final long address) {
        final long pirq = ((address >>> 32) & 0xffff_ff00L) | ((address >>> 12) & 0xff);
        if (pirq <= 0) {
            return -Errno.ERANGE;
        }
        Pirq info = pirq < d.pirqs().nrPirqs() ? d.pirqs().get((int) pirq) : null;
        if (info == null || info.emuirq() == Pirq.EMUIRQ_UNBOUND) {
            final int rc = pirq < d.pirqs().nrPirqs()
                ? PhysdevOps.mapDomainEmuirqPirq(d, (int) pirq, Pirq.EMUIRQ_MSI_EMU) : -Errno.EINVAL;
            if (rc != 0) {
                return rc;
            }
            info = d.pirqs().get((int) pirq);
            if (info == null) {
                return -Errno.EBUSY;
            }
        } else if (info.emuirq() != Pirq.EMUIRQ_MSI_EMU) {
            return -Errno.EINVAL;
        }
        if (info.isEvtchnBound()) {
            d.sendPirqEvent(info.pirq());   // send_guest_pirq; no channel: nothing (an HVM guest may have none)
        }
        return 0;
    }
}
