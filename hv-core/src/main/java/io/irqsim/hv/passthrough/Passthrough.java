package io.irqsim.hv.passthrough;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.irq.GuestIrqs;
import io.irqsim.hv.sched.WorkQueue;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.TraceSwitch;

import java.util.Iterator;
import java.util.List;

/**
 * Passing machine interrupts into HVM-type guests (Xen {@code xen/drivers/passthrough/x86/hvm.c}
 * and {@code xen/drivers/passthrough/io.c}): {@code pt_irq_create_bind}, {@code pt_irq_destroy_bind},
 * {@code hvm_do_IRQ_dpci}, the {@code hvm_dirq_assist} softirq, {@code hvm_dpci_eoi} and
 * {@code hvm_pirq_eoi}.
 */
public final class Passthrough {

    /** {@code NR_ISAIRQS}. */
    private static final int ISA_IRQS = 16;

    private final GuestIrqs guestIrqs;
    private final WorkQueue queue;
    private final TraceRecorder trace;

    /**
     * @param guestIrqs physical guest-IRQ layer
     * @param queue run queue (the softirq is scheduled on it)
     * @param trace trace
     */
    public Passthrough(final GuestIrqs guestIrqs, final WorkQueue queue, final TraceRecorder trace) {
        this.guestIrqs = guestIrqs;
        this.queue = queue;
        this.trace = trace;
    }

    /**
     * {@code pt_irq_create_bind(d, PT_IRQ_TYPE_PCI)} ({@code xen/drivers/passthrough/x86/hvm.c@RELEASE-4.18.0/4.20.0}): for a domU, records the guest INTx the pirq
     * drives; for the hardware domain, binds the GSI to the same GSI of its vIO-APIC (shareable
     * if level, and no guest EOI expected if edge). The first binding of the pirq binds the
     * physical IRQ to the domain ({@code pirq_guest_bind}). Unlike Xen, a device above 31 or an
     * INTx above 3 is -EINVAL (Xen would overrun its {@code pci_intx} bitmap), and so is a PV
     * domain (which Xen's domctl refuses before calling this); docs/fidelity.md.
     *
     * @param d the domain
     * @param bind the binding
     * @return 0 or a negative errno
     */
    public int ptIrqCreateBind(final Domain d, final BindPtIrq bind) {
        final int rc = createBind(d, bind);
        trace.eventFor(HvEvent.PT_BIND, d.id(),
            bind.machineIrq(), (long) bind.bus() << 16 | bind.device() << 8 | bind.intx(), rc);
        return rc;
    }

    private int createBind(final Domain d, final BindPtIrq bind) {
        final int pirq = bind.machineIrq();
        if (pirq < 0 || pirq >= d.pirqs().nrPirqs()) {
            return -Errno.EINVAL;
        }
        final HvmIrq hvmIrq = d.hvmIrq();
        if (hvmIrq == null) {
            return -Errno.EINVAL;
        }
        final Pirq info = d.pirqs().getOrCreate(pirq);
        final PirqDpci pd = info.dpci();
        pd.setOwner(this);
        if (pd.isQueued()) {
            runQueuedSoftirq(pd);
        }
        HvmIrqDpci dpci = d.dpci();
        HvmIrqDpci.Girq girq = null;
        PirqDpci.Digl digl = null;
        boolean share;
        int extra = 0;
        if (d.isHardwareDomain()) {
            if (pirq >= hvmIrq.nrGsis()) {
                return -Errno.EINVAL;
            }
            final IoApic io = d.vioapicForGsi(pirq);
            if (io == null) {
                return -Errno.EINVAL;
            }
            final boolean level = Rte.isLevel(io.rte(pirq - io.gsiBase()));
            share = level;
            extra = PirqDpci.IDENTITY_GSI | (level ? 0 : PirqDpci.NO_EOI);
        } else {
            if (dpci == null) {
                dpci = new HvmIrqDpci(hvmIrq.nrGsis());
                d.setDpci(dpci);
            }
            if (bind.device() < 0 || bind.device() > 31 || bind.intx() < 0 || bind.intx() > 3) {
                return -Errno.EINVAL;
            }
            digl = new PirqDpci.Digl(bind.bus(), bind.device(), bind.intx());
            final int guestGsi = HvmIrq.pciIntxGsi(bind.device(), bind.intx());
            girq = new HvmIrqDpci.Girq(bind.bus(), bind.device(), bind.intx(), pirq);
            pd.digls().add(digl);
            dpci.addLink(HvmIrq.pciIntxLink(bind.device(), bind.intx()), 1);
            dpci.girqs(guestGsi).add(girq);
            share = true; // BIND_PIRQ__WILL_SHARE
        }
        if (!pd.has(PirqDpci.MAPPED)) {
            pd.setFlags(PirqDpci.MAPPED | PirqDpci.MACH_PCI | PirqDpci.GUEST_PCI | extra);
            final int rc = guestIrqs.pirqGuestBind(d, info, share);
            if (rc != 0) {
                if (digl != null) {
                    pd.digls().remove(digl);
                    dpci.addLink(HvmIrq.pciIntxLink(bind.device(), bind.intx()), -1);
                    dpci.girqs(HvmIrq.pciIntxGsi(bind.device(), bind.intx())).remove(girq);
                }
                pd.setFlags(0);
                return rc;
            }
        }
        return 0;
    }

    /**
     * {@code pt_irq_create_bind}'s {@code pt_pirq_softirq_active} retry loop
     * ({@code xen/drivers/passthrough/x86/hvm.c@RELEASE-4.18.0/4.20.0}): with the pirq's softirq
     * scheduled, Xen drops the event lock until {@code dpci_softirq} has run {@code hvm_dirq_assist};
     * on one thread that is running it now. The item stays queued and later finds {@code masked}
     * clear (or a newer interrupt's {@code masked}, which it would have been raised for anyway).
     */
    private void runQueuedSoftirq(final PirqDpci pd) {
        final int cpu = trace.contextCpu();
        final int domain = trace.contextDomain();
        dirqAssist(pd);
        trace.setContext(cpu, domain);
    }

    /**
     * {@code pt_irq_destroy_bind(d, PT_IRQ_TYPE_PCI)} ({@code xen/drivers/passthrough/x86/hvm.c@RELEASE-4.18.0/4.20.0}): removes the guest INTx binding; when the
     * pirq drives nothing any more, unbinds the physical IRQ. Unlike Xen, an asserted INTx is
     * deasserted with its binding and the last unbind zeroes {@code pending} (docs/fidelity.md).
     *
     * @param d the domain
     * @param bind the binding to remove
     * @return 0 or -EINVAL
     */
    public int ptIrqDestroyBind(final Domain d, final BindPtIrq bind) {
        final int rc = destroyBind(d, bind);
        trace.eventFor(HvEvent.PT_UNBIND, d.id(),
            bind.machineIrq(), (long) bind.bus() << 16 | bind.device() << 8 | bind.intx(), rc);
        return rc;
    }

    private int destroyBind(final Domain d, final BindPtIrq bind) {
        final Pirq info = d.pirqs().get(bind.machineIrq());
        if (info == null) {
            return -Errno.EINVAL;
        }
        final PirqDpci pd = info.dpci();
        if (!d.isHardwareDomain()) {
            final HvmIrqDpci dpci = d.dpci();
            if (dpci == null) {
                return -Errno.EINVAL;
            }
            final int guestGsi = HvmIrq.pciIntxGsi(bind.device(), bind.intx());
            final List<HvmIrqDpci.Girq> list = dpci.girqs(guestGsi);
            boolean found = false;
            for (final Iterator<HvmIrqDpci.Girq> it = list.iterator(); it.hasNext(); ) {
                final HvmIrqDpci.Girq g = it.next();
                if (g.pirq() == bind.machineIrq() && g.bus() == bind.bus() && g.device() == bind.device()
                    && g.intx() == bind.intx()) {
                    it.remove();
                    found = true;
                    break;
                }
            }
            if (!found) {
                return -Errno.EINVAL;
            }
            dpci.addLink(HvmIrq.pciIntxLink(bind.device(), bind.intx()), -1);
            pd.digls().remove(new PirqDpci.Digl(bind.bus(), bind.device(), bind.intx()));
            if (d.hvmIrq().isPciIntxAsserted(bind.device(), bind.intx())) {
                d.hvmIrq().pciIntxDeassert(bind.device(), bind.intx());
            }
        }
        if (pd.digls().isEmpty() && pd.has(PirqDpci.MAPPED)) {
            guestIrqs.pirqGuestUnbind(d, info);
            pd.setFlags(0);
            pd.setMasked(false);
            pd.setPending(0);
        }
        return 0;
    }

    /**
     * {@code hvm_do_IRQ_dpci} ({@code xen/drivers/passthrough/x86/hvm.c@RELEASE-4.18.0/4.20.0}): a physical interrupt for a bound pirq; the softirq will assert
     * the guest's lines.
     *
     * @param d the domain
     * @param p the pirq
     * @return {@code false} if the pirq is not bound for passthrough (the caller falls back to an event channel)
     */
    public boolean hvmDoIrqDpci(final Domain d, final Pirq p) {
        final PirqDpci pd = p.dpci();
        if (!d.iommuEnabled() || !pd.has(PirqDpci.MAPPED)) {
            return false;
        }
        pd.setMasked(true);
        queue.schedule(pd);
        return true;
    }

    /**
     * {@code hvm_dirq_assist} ({@code xen/drivers/passthrough/x86/hvm.c}@RELEASE-4.18.0, same at
     * RELEASE-4.20.0): if the guest took the pirq as an event channel ({@link #hvmDomainUsePirq}), sends
     * it the pirq event first; then asserts every guest INTx the pirq drives (or the hardware domain's
     * GSI), counting the guest EOIs to wait for.
     *
     * @param pd the pirq's passthrough state
     */
    void dirqAssist(final PirqDpci pd) {
        final Domain d = pd.pirq().domain();
        if (!pd.isMasked() || d.isDying()) {
            return;
        }
        pd.setMasked(false);
        if (TraceSwitch.anyOn()) { // the context only stamps records (Vcpu.enter)
            trace.setContext(trace.contextCpu(), d.id());
        }
        if (hvmDomainUsePirq(d, pd.pirq())) {
            if (TraceSwitch.anyOn()) {
                trace.event(HvEvent.EVTCHN_PIRQ, pd.pirq().pirq(), pd.pirq().irq(), 1); // send_guest_pirq
            }
            d.sendPirqEvent(pd.pirq().pirq());
        }
        int asserted = 0;
        final List<PirqDpci.Digl> digls = pd.digls();
        for (int i = 0; i < digls.size(); i++) {
            final PirqDpci.Digl g = digls.get(i);
            d.hvmIrq().pciIntxAssert(g.device(), g.intx());
            pd.setPending(pd.pending() + 1);
            asserted++;
        }
        if (pd.has(PirqDpci.IDENTITY_GSI)) {
            d.hvmIrq().gsiAssert(pd.pirq().pirq());
            asserted++;
            if (!pd.has(PirqDpci.NO_EOI)) {
                pd.setPending(pd.pending() + 1);
            }
        }
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.DPCI_ASSIST, pd.pirq().pirq(), asserted, pd.pending());
        }
    }

    /**
     * {@code hvm_domain_use_pirq} ({@code xen/arch/x86/hvm/irq.c}@RELEASE-4.18.0): an HVM-type domain whose
     * pirq has an emulated IRQ behind it, i.e. one that bound an event channel to it
     * ({@code arch_evtchn_bind_pirq} sets {@code IRQ_PT}). Only guests with {@code XENFEAT_hvm_pirqs} can.
     *
     * @param d the domain
     * @param p its pirq, or {@code null}
     * @return whether the guest takes this pirq as an event channel
     */
    static boolean hvmDomainUsePirq(final Domain d, final Pirq p) {
        return d.type().isHvmType() && p != null && p.emuirq() != Pirq.EMUIRQ_UNBOUND;
    }

    /**
     * {@code hvm_dpci_eoi} ({@code xen/drivers/passthrough/x86/hvm.c}@RELEASE-4.18.0, same at RELEASE-4.20.0):
     * the guest EOI'd a GSI. The hardware domain: {@code hvm_gsi_eoi}, which needs only the pirq to
     * exist. A guest GSI below 16: {@code hvm_dpci_isairq_eoi}, for INTx lines that reach it through a
     * PCI link. Otherwise {@code __hvm_dpci_eoi} for every binding of the GSI: deassert the INTx unless
     * the guest takes the pirq as an event channel, then {@code hvm_pirq_eoi}.
     *
     * @param d the domain
     * @param guestGsi the guest GSI whose vector was EOI'd
     */
    public void hvmDpciEoi(final Domain d, final int guestGsi) {
        if (!d.iommuEnabled()) {
            return;
        }
        if (d.isHardwareDomain()) {
            // hvm_gsi_eoi: "Check if GSI is actually mapped" tests pirq_dpci(pirq), i.e. that the pirq exists
            final Pirq p = d.pirqs().get(guestGsi);
            if (p == null) {
                return;
            }
            d.hvmIrq().gsiDeassert(guestGsi);
            hvmPirqEoi(d, p, guestGsi);
            return;
        }
        if (guestGsi < ISA_IRQS) {
            hvmDpciIsairqEoi(d, guestGsi);
            return;
        }
        final HvmIrqDpci dpci = d.dpci();
        if (dpci == null || guestGsi >= d.hvmIrq().nrGsis()) {
            return;
        }
        final List<HvmIrqDpci.Girq> list = dpci.girqs(guestGsi);
        for (int i = 0; i < list.size(); i++) {
            final HvmIrqDpci.Girq g = list.get(i);
            final Pirq p = d.pirqs().get(g.pirq());
            if (!hvmDomainUsePirq(d, p)) {
                d.hvmIrq().pciIntxDeassert(g.device(), g.intx());
            }
            if (p != null) {
                hvmPirqEoi(d, p, guestGsi);
            }
        }
    }

    /**
     * {@code hvm_dpci_isairq_eoi} ({@code xen/drivers/passthrough/x86/hvm.c}@RELEASE-4.18.0): a guest EOI of
     * an ISA IRQ that a PCI link routes bound INTx lines to ({@code isairq_map}): for every passthrough
     * pirq, deassert each of its lines whose link goes to that IRQ and count one guest EOI; the last one
     * EOIs the physical IRQ.
     */
    private void hvmDpciIsairqEoi(final Domain d, final int isairq) {
        final HvmIrqDpci dpci = d.dpci();
        if (dpci == null || !dpci.isairqMapped(isairq)) {
            return;
        }
        for (int i = 0; i < d.pirqs().nrPirqs(); i++) {
            final Pirq p = d.pirqs().get(i);
            final PirqDpci pd = p == null ? null : p.dpci();
            if (pd == null || pd.flags() == 0) {
                continue; // pt_pirq_iterate visits bound pirqs only
            }
            final List<PirqDpci.Digl> digls = pd.digls();
            for (int j = 0; j < digls.size(); j++) {
                final PirqDpci.Digl g = digls.get(j);
                if (d.hvmIrq().pciLinkRoute(HvmIrq.pciIntxLink(g.device(), g.intx())) == isairq) {
                    d.hvmIrq().pciIntxDeassert(g.device(), g.intx());
                    hvmPirqEoi(d, p, isairq);
                }
            }
        }
    }

    /** {@code hvm_pirq_eoi} ({@code xen/drivers/passthrough/x86/hvm.c@RELEASE-4.18.0/4.20.0}): one pending guest EOI done; the last one EOIs the physical IRQ. */
    private void hvmPirqEoi(final Domain d, final Pirq p, final int guestGsi) {
        final PirqDpci pd = p.dpci();
        pd.setPending(pd.pending() - 1); // a u16 in Xen: an unexpected EOI wraps to 0xFFFF and blocks
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.DPCI_EOI, guestGsi, p.pirq(), pd.pending());
        }
        if (pd.pending() != 0) {
            return;
        }
        guestIrqs.pirqGuestEoi(d, p);
    }
}
