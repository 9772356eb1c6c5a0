package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.domain.PirqTable;
import io.irqsim.hv.policy.IrqPermissionPolicy;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;

/**
 * pirq mapping and IRQ permissions (Xen {@code xen/arch/x86/irq.c}: {@code allocate_and_map_gsi_pirq},
 * {@code allocate_pirq}, {@code get_free_pirq}, {@code map_domain_pirq}, {@code unmap_domain_pirq};
 * {@code iocap.h}: {@code irq_access_permitted}, {@code pirq_access_permitted}).
 *
 * <p>The caller ({@code current->domain} in Xen) is an explicit argument everywhere.
 */
public final class PirqMapping implements IrqPermissionPolicy.PirqAccess {

    private final IrqDescTable descs;
    private final TraceRecorder trace;
    private final boolean returnsExisting;
    private GuestIrqs guestIrqs;

    /**
     * @param descs IRQ descriptors
     * @param trace trace
     * @param returnsExisting whether {@code allocate_pirq} has commit 0d2b87b5ad (Xen 4.19 and
     *     later): see {@link io.irqsim.hv.policy.XenConfig#allocatePirqReturnsExisting()}
     */
    public PirqMapping(final IrqDescTable descs, final TraceRecorder trace, final boolean returnsExisting) {
        this.descs = descs;
        this.trace = trace;
        this.returnsExisting = returnsExisting;
    }

    void setGuestIrqs(final GuestIrqs guestIrqs) {
        this.guestIrqs = guestIrqs;
    }

    @Override
    public int nrIrqsGsi() {
        return descs.nrIrqsGsi();
    }

    @Override
    public boolean irqAccessPermitted(final Domain d, final int irq) {
        return d.irqCaps().permitted(irq);
    }

    /**
     * {@code pirq_access_permitted(d, pirq)} ({@code xen/include/xen/iocap.h@RELEASE-4.18.0/4.20.0}).
     *
     * @param d domain
     * @param pirq a pirq of {@code d}
     * @return the IRQ it maps to if {@code d} may use it, else 0
     */
    @Override
    public int pirqAccessPermitted(final Domain d, final int pirq) {
        final int irq = d.pirqs().pirqToIrq(pirq);
        final int result = irq > 0 && d.irqCaps().permitted(irq) ? irq : 0;
        trace.event(HvEvent.PERMISSION_CHECK, pirq, HvEvent.CHECK_PIRQ_ACCESS, result);
        return result;
    }

    /**
     * {@code irq_permit_access} / {@code irq_deny_access} ({@code xen/include/xen/iocap.h@RELEASE-4.18.0/4.20.0}, rangeset add/remove).
     *
     * @param d domain
     * @param irq IRQ
     * @param allow grant (true) or revoke
     * @return 0
     */
    public int setIrqAccess(final Domain d, final int irq, final boolean allow) {
        if (allow) {
            d.irqCaps().permit(irq);
        } else {
            d.irqCaps().deny(irq);
        }
        trace.eventFor(HvEvent.IRQ_ACCESS, d.id(), irq,
            allow ? 1 : 0, 0);
        return 0;
    }

    /**
     * {@code allocate_and_map_gsi_pirq(d, index, &pirq)} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}
     * and {@code @RELEASE-4.20.0}): the index must be below {@code nr_irqs_gsi}; it is read as a
     * pirq of the caller, and a hardware-domain caller without such a pirq names the IRQ directly;
     * then {@code allocate_pirq} and {@code map_domain_pirq}.
     *
     * @param caller the calling domain
     * @param d the domain to map into
     * @param index the GSI, read first as a pirq of the caller
     * @param requested the pirq wanted, or negative to allocate one
     * @return the pirq, or a negative errno
     */
    public int allocateAndMapGsiPirq(final Domain caller, final Domain d, final int index, final int requested) {
        if (index < 0 || index >= descs.nrIrqsGsi()) {
            return -Errno.EINVAL;
        }
        int irq = caller.pirqs().pirqToIrq(index);
        if (irq <= 0) {
            if (!caller.isHardwareDomain()) {
                return -Errno.EINVAL; // "map pirq with incorrect irq"
            }
            irq = index; // the hardware domain names GSIs directly: Xen IRQ = GSI
        }
        final int pirq = allocatePirq(d, irq, requested, true);
        if (pirq < 0) {
            return pirq;
        }
        final int rc = mapDomainPirq(caller, d, pirq, irq);
        return rc == 0 ? pirq : rc;
    }

    /**
     * The MSI branch of {@code physdev_map_pirq} ({@code xen/arch/x86/irq.c:allocate_and_map_msi_pirq@RELEASE-4.18.0/4.20.0},
     * simplified: one vector, no MSI table): creates a dynamic IRQ with the MSI controller
     * ({@code create_irq(NUMA_NO_NODE, true)}: the caller is granted it and recorded as its
     * creator), {@code -EINVAL} when none is left ("can't create irq for msi!"), and maps a pirq to
     * it; if that fails the IRQ is destroyed again ({@link #destroyIrq}).
     *
     * @param caller the calling domain
     * @param d the domain to map into
     * @param requested pirq wanted, or negative
     * @return the pirq, or a negative errno
     */
    public int allocateAndMapMsiPirq(final Domain caller, final Domain d, final int requested) {
        final int irq = descs.createIrq();
        if (irq < 0) {
            return -Errno.EINVAL;
        }
        final IrqDesc desc = descs.desc(irq);
        desc.setHandler(HandlerType.MSI);
        // create_irq(..., grant_access): the calling domain is granted the IRQ and is its creator
        caller.irqCaps().permit(irq);
        desc.setCreator(caller);
        final int pirq = allocatePirq(d, irq, requested, false);
        if (pirq < 0) {
            destroyIrq(desc);
            return pirq;
        }
        final int rc = mapDomainPirq(caller, d, pirq, irq);
        if (rc != 0) {
            destroyIrq(desc);
        }
        return rc == 0 ? pirq : rc;
    }

    /**
     * {@code destroy_irq} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0}) of a dynamic (MSI) IRQ:
     * the access {@code create_irq} granted its creator is taken away ({@code irq_deny_access}) and
     * the IRQ is free for {@code create_irq} again.
     */
    private void destroyIrq(final IrqDesc desc) {
        final Domain creator = desc.creator();
        if (creator != null) {
            creator.irqCaps().deny(desc.irq());
            desc.setCreator(null);
        }
        desc.setHandler(HandlerType.NONE);
    }

    /**
     * {@code allocate_pirq} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0} and {@code @RELEASE-4.20.0}):
     * for an "any pirq" request ({@code pirq < 0}) an IRQ already mapped gives {@code -EBUSY} if
     * its pirq is negative (being unmapped), its current pirq from 4.19 (commit 0d2b87b5ad), and
     * the request's own -1 in 4.18, which the caller returns as {@code -EPERM}; an unmapped IRQ
     * gets {@code get_free_pirq}. A specific pirq must match an existing mapping
     * ({@code -EEXIST}).
     */
    private int allocatePirq(final Domain d, final int irq, final int requested, final boolean gsi) {
        final int current = d.pirqs().irqToPirq(irq);
        if (requested < 0) {
            if (current < 0) {
                return -Errno.EBUSY;
            }
            if (current > 0) {
                return returnsExisting ? current : requested; // 4.18: "pirq" is still the caller's -1
            }
            final int free = getFreePirq(d, gsi);
            return free < 0 ? -Errno.ENOSPC : free;
        }
        if (current != 0 && current != requested) {
            return -Errno.EEXIST;
        }
        return requested;
    }

    /**
     * {@code xen/arch/x86/irq.c:get_free_pirq@RELEASE-4.18.0/4.20.0}: for a GSI the lowest free
     * pirq in [16, nr_irqs_gsi), else the highest free one above; for MSI the highest free one
     * above nr_irqs_gsi.
     *
     * @param d domain
     * @param gsi GSI (true) or MSI
     * @return a free pirq, or -1
     */
    public int getFreePirq(final Domain d, final boolean gsi) {
        final PirqTable t = d.pirqs();
        if (gsi) {
            for (int p = 16; p < Math.min(descs.nrIrqsGsi(), t.nrPirqs()); p++) {
                if (isFree(d, p)) {
                    return p;
                }
            }
        }
        for (int p = t.nrPirqs() - 1; p >= descs.nrIrqsGsi(); p--) {
            if (isFree(d, p)) {
                return p;
            }
        }
        return -1;
    }

    /**
     * {@code is_free_pirq} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0}): no IRQ mapped and, for an HVM
     * domain, no emulated IRQ either.
     */
    private static boolean isFree(final Domain d, final int pirq) {
        final Pirq p = d.pirqs().get(pirq);
        return p == null || p.irq() == 0 && (!d.type().isHvmType() || p.emuirq() == Pirq.EMUIRQ_UNBOUND);
    }

    /**
     * {@code map_domain_pirq(d, pirq, irq)} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0}): the caller must hold the IRQ; a conflicting existing
     * mapping is silently kept (returns 0, as Xen does); mapping grants {@code d} the IRQ.
     *
     * @param caller the calling domain
     * @param d the domain
     * @param pirq pirq
     * @param irq IRQ
     * @return 0, -EPERM or -EINVAL
     */
    public int mapDomainPirq(final Domain caller, final Domain d, final int pirq, final int irq) {
        int rc;
        if (!caller.irqCaps().permitted(irq)) {
            rc = -Errno.EPERM;
        } else if (pirq < 0 || pirq >= d.pirqs().nrPirqs() || irq <= 0 || irq >= descs.nrIrqs()) {
            rc = -Errno.EINVAL;
        } else {
            final int oldIrq = d.pirqs().pirqToIrq(pirq);
            final int oldPirq = d.pirqs().irqToPirq(irq);
            if ((oldIrq > 0 && oldIrq != irq) || (oldPirq != 0 && oldPirq != pirq)) {
                rc = 0; // "already mapped": Xen logs and reports success without changing anything
            } else {
                if (!d.irqCaps().permitted(irq)) {
                    setIrqAccess(d, irq, true);
                }
                d.pirqs().link(pirq, irq);
                rc = 0;
            }
        }
        trace.eventFor(HvEvent.PIRQ_MAP, d.id(), pirq, irq, rc);
        return rc;
    }

    /**
     * {@code unmap_domain_pirq(d, pirq)} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0}): forces a guest binding off, removes the mapping and
     * revokes {@code d}'s access to the IRQ; an MSI IRQ is then destroyed ({@code msi_free_irq} &rarr;
     * {@link #destroyIrq}), which also revokes its creator's access.
     *
     * @param d domain
     * @param pirq pirq
     * @return 0 or -EINVAL
     */
    public int unmapDomainPirq(final Domain d, final int pirq) {
        final Pirq p = d.pirqs().get(pirq);
        int rc = 0;
        int irq = 0;
        if (pirq < 0 || pirq >= d.pirqs().nrPirqs() || p == null || p.irq() <= 0) {
            rc = -Errno.EINVAL;
        } else {
            irq = p.irq();
            final IrqDesc desc = descs.desc(irq);
            final boolean forced = desc != null && desc.isGuest() && desc.isBound(d);
            if (forced) {
                guestIrqs.pirqGuestUnbind(d, p); // "forcing unbind"
            }
            d.pirqs().unlink(pirq, forced);
            setIrqAccess(d, irq, false);
            // msi_free_irq -> destroy_irq, after the access of d itself went
            if (desc != null && desc.handler() == HandlerType.MSI && !desc.isGuest()) {
                destroyIrq(desc);
            }
        }
        trace.eventFor(HvEvent.PIRQ_UNMAP, d.id(), pirq, irq, rc);
        return rc;
    }
}
