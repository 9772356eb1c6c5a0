package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.sched.ScheduleOnPending;
import io.irqsim.hv.sched.WorkQueue;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.TraceSwitch;


/**
 * Physical interrupts bound to guests (Xen {@code xen/arch/x86/irq.c}): {@code do_IRQ},
 * {@code do_IRQ_guest}, {@code pirq_guest_bind}/{@code unbind}, {@code desc_guest_eoi} and its
 * 1 ms timer, and the controller ack/end methods they use.
 *
 * <p>Level IRQs complete one of two ways, as Xen chooses at boot: with directed EOI (the LAPICs
 * suppress EOI broadcasts) Xen uses the "old" ack: LAPIC EOI at once, and the IO-APIC's EOI
 * register once every guest EOI'd ({@link AckType#UNMASK}); otherwise the "new" ack: the LAPIC EOI
 * itself waits for the guests ({@link AckType#EOI}). Either way the line is held off until then.
 */
public final class GuestIrqs {

    /** The guest-EOI timeout after which Xen forces the physical EOI ({@code irq_guest_eoi_timer_fn}): 1 ms. */
    public static final long EOI_TIMEOUT_NS = 1_000_000L;
    /**
     * Guest interrupts one IRQ may take per quantum before {@code do_IRQ} disables it
     * ({@code irq_ratelimit_threshold}, default 10000, {@code xen/arch/x86/irq.c@RELEASE-4.18.0}
     * and {@code @RELEASE-4.20.0}).
     */
    public static final int IRQ_RATELIMIT_THRESHOLD = 10_000;
    /** The rate limiter's quantum and re-enable delay: {@code MILLISECS(10)} in {@code do_IRQ}. */
    public static final long IRQ_RATELIMIT_INTERVAL_NS = 10_000_000L;

    private final IrqDescTable descs;
    private final IoApicRouting routing;
    private final VirtualClock clock;
    private final TraceRecorder trace;
    private final XenConfig config;
    private final GuestIrqDispatch dispatch;
    private final PhysicalCpu[] cpus;
    private final io.irqsim.hw.time.Timer ratelimitTimer;
    /** {@code irq_ratelimit_list}: IRQs disabled by the rate limiter, newest first ({@code list_add}). */
    private IrqDesc ratelimitHead;
    private long spurious;
    private long ratelimited;

    /**
     * @param platform the machine
     * @param descs IRQ descriptors
     * @param routing IO-APIC programming
     * @param mapping pirq mapping (for forced unbinds)
     * @param queue the run queue CPUs are scheduled on
     * @param trace trace
     * @param config the design in force
     * @param dispatch where guest interrupts go
     */
    public GuestIrqs(final Platform platform, final IrqDescTable descs, final IoApicRouting routing,
                     final PirqMapping mapping, final WorkQueue queue, final TraceRecorder trace,
                     final XenConfig config, final GuestIrqDispatch dispatch) {
        this.descs = descs;
        this.routing = routing;
        this.clock = platform.clock();
        this.trace = trace;
        this.config = config;
        this.dispatch = dispatch;
        mapping.setGuestIrqs(this);
        this.ratelimitTimer = clock.newTimer("irq_ratelimit", this::ratelimitTimerFn);
        this.cpus = new PhysicalCpu[platform.cpuCount()];
        for (int i = 0; i < cpus.length; i++) {
            final PhysicalCpu cpu = new PhysicalCpu(i, platform.lapic(i), this, trace);
            platform.lapic(i).setInterruptListener(new ScheduleOnPending(queue, cpu));
            cpus[i] = cpu;
        }
    }

    /**
     * @param i CPU index
     * @return that CPU
     */
    public PhysicalCpu cpu(final int i) {
        return cpus[i];
    }

    /** @return physical interrupts that reached no guest */
    public long spuriousCount() {
        return spurious;
    }

    /** @return guest interrupts {@code irq_ratelimit} dropped (each one disabled or kept disabled its IRQ) */
    public long ratelimitedCount() {
        return ratelimited;
    }

    /** {@code xen/arch/x86/irq.c:irq_acktype@RELEASE-4.18.0/4.20.0}: level IO-APIC IRQs need the guests' EOI (UNMASK with directed EOI, EOI otherwise); edge and MSI none. */
    private AckType ackTypeFor(final IrqDesc d) {
        switch (d.handler()) {
            case IOAPIC_LEVEL:
                return routing.directedEoi() ? AckType.UNMASK : AckType.EOI;
            default:
                return AckType.NONE;
        }
    }

    // ---------------------------------------------------------------- do_IRQ

    /**
     * {@code do_IRQ} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same at {@code RELEASE-4.20.0}):
     * the vector's IRQ is acked on its controller; an IRQ bound to guests goes through
     * {@code irq_ratelimit} and then {@code do_IRQ_guest}; one with no handler is completed at once;
     * one with Xen's own action (IRQ 0, the timer: {@link IrqDesc#xenAction}) runs that handler,
     * which has no effect irqsim models, and is ended.
     */
    void doIrq(final PhysicalCpu cpu, final int vector) {
        final int irq = descs.irqForVector(vector);
        final IrqDesc d = descs.desc(irq);
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.DO_IRQ, vector, irq, d == null ? 0 : d.nrGuests());
        }
        if (d == null || d.handler() == HandlerType.NONE) {
            routing.lapicEoi(cpu.index());
            spurious++;
            trace.event(HvEvent.SPURIOUS_IRQ, vector, irq, 0);
            return;
        }
        ack(cpu, d);
        if (!d.isGuest() && d.xenAction() != null && !d.isDisabled()) {
            // Xen's own action (IRQ 0's timer_interrupt): its handler loop clears IRQ_PENDING; nothing a guest sees
            d.irqPending = false;
            end(d);
            return;
        }
        if (!d.isGuest()) {
            // nobody bound it: do_IRQ sets IRQ_PENDING and, IRQ_DISABLED being set, goes to "out"
            d.irqPending = true;
            spurious++;
            trace.event(HvEvent.SPURIOUS_IRQ, vector, irq, 0);
            end(d);
            return;
        }
        if (rateLimit(d)) {
            end(d); // "goto out": the controller's end runs, no guest sees the interrupt
            return;
        }
        doIrqGuest(d);
    }

    /**
     * {@code do_IRQ}'s rate limiter ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same at
     * {@code RELEASE-4.20.0}): {@code desc->rl_cnt++ >= irq_ratelimit_threshold}; if the quantum
     * that began at {@code rl_quantum_start} is less than 10 ms old, the controller's
     * {@code disable} runs (masks a level IO-APIC pin; {@code irq_disable_none} for an edge one),
     * the IRQ goes on {@code irq_ratelimit_list} (the timer is set 10 ms ahead when the list was
     * empty) and the interrupt is dropped. Otherwise the count restarts and a new quantum begins
     * now. {@code IRQ_DISABLED} is not touched.
     *
     * @return whether the interrupt was dropped
     */
    private boolean rateLimit(final IrqDesc d) {
        if (d.rlCnt++ < IRQ_RATELIMIT_THRESHOLD) {
            return false;
        }
        final long now = clock.now();
        if (now >= d.rlQuantumStart + IRQ_RATELIMIT_INTERVAL_NS) {
            d.rlCnt = 0;
            d.rlQuantumStart = now;
            return false;
        }
        if (d.handler() == HandlerType.IOAPIC_LEVEL) {
            routing.mask(d); // ioapic_level_type.disable = mask_IO_APIC_irq
        }
        if (!d.rlListed) {
            if (ratelimitHead == null) {
                ratelimitTimer.armAfter(IRQ_RATELIMIT_INTERVAL_NS);
            }
            d.rlListed = true;
            d.rlNext = ratelimitHead;
            ratelimitHead = d;
        }
        ratelimited++;
        trace.event(HvEvent.IRQ_RATELIMIT, d.irq(), d.rlCnt, now - d.rlQuantumStart);
        return true;
    }

    /**
     * {@code irq_ratelimit_timer_fn} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same at
     * {@code RELEASE-4.20.0}): every IRQ on the list gets its controller's {@code enable}
     * ({@code unmask_IO_APIC_irq}) and leaves the list. A still-asserted level line is then
     * delivered again.
     */
    private void ratelimitTimerFn() {
        IrqDesc d = ratelimitHead;
        ratelimitHead = null;
        while (d != null) {
            final IrqDesc next = d.rlNext;
            d.rlNext = null;
            d.rlListed = false;
            trace.event(HvEvent.IRQ_RATELIMIT_END, d.irq(), 0, 0);
            routing.unmask(d);
            d = next;
        }
    }

    /**
     * The controller's ack ({@code xen/arch/x86/io_apic.c:ack_edge_ioapic_irq},
     * {@code mask_and_ack_level_ioapic_irq} / {@code irq_complete_move}@RELEASE-4.18.0/4.20.0): edge and MSI EOI the
     * LAPIC now; level depends on the ack mode.
     */
    private void ack(final PhysicalCpu cpu, final IrqDesc d) {
        d.setAckCpu(cpu.index());
        if (d.handler() == HandlerType.IOAPIC_LEVEL && !routing.directedEoi()) {
            cpu.pushPendingEoi(d.irq()); // ack_level_ioapic_irq (new): LAPIC EOI deferred
        } else {
            if (d.irqPending) {
                maskIfDisabledEdge(d); // false for any IRQ that never took an interrupt unbound
            }
            routing.lapicEoi(cpu.index()); // edge, MSI, and level with directed EOI (no broadcast)
        }
    }

    /**
     * {@code ack_edge_ioapic_irq} ({@code xen/arch/x86/io_apic.c@RELEASE-4.18.0}, same at
     * {@code RELEASE-4.20.0}): a descriptor both {@code IRQ_PENDING} and {@code IRQ_DISABLED} has its
     * pin masked before the LAPIC EOI, so an unbound edge line stops after its second interrupt.
     * The level and MSI acks have no such test. Cold: only an IRQ that took an interrupt while
     * unbound gets here.
     */
    private void maskIfDisabledEdge(final IrqDesc d) {
        if (d.handler() == HandlerType.IOAPIC_EDGE && d.isDisabled()) {
            routing.mask(d);
        }
    }

    /**
     * The controller's end ({@code xen/arch/x86/io_apic.c:end_level_ioapic_irq_old} with directed EOI,
     * {@code end_level_ioapic_irq_new} otherwise@RELEASE-4.18.0/4.20.0): completes a level IRQ at the IO-APIC.
     */
    private void end(final IrqDesc d) {
        if (d.handler() != HandlerType.IOAPIC_LEVEL) {
            return;
        }
        if (routing.directedEoi()) {
            // end_level_ioapic_irq_old with directed EOI: the pin was never masked (the ack only
            // EOI'd the LAPIC, without a broadcast), so the IO-APIC EOI register is all there is
            // to do; a disabled IRQ is masked first and stays masked
            if (d.isDisabled()) {
                routing.mask(d);
            }
            routing.ioapicEoi(d);
            if (TraceSwitch.anyOn()) {
                trace.event(HvEvent.PHYS_EOI, d.irq(), d.vector(), HvEvent.EOI_IOAPIC_EOIR);
            }
        } else {
            cpus[d.ackCpu() < 0 ? 0 : d.ackCpu()].markEoiReadyAndFlush(d.irq(), routing);
            if (TraceSwitch.anyOn()) {
                trace.event(HvEvent.PHYS_EOI, d.irq(), d.vector(), HvEvent.EOI_LAPIC);
            }
        }
    }

    /**
     * {@code xen/arch/x86/irq.c:do_IRQ_guest@RELEASE-4.18.0/4.20.0}: every bound guest whose pirq is not yet masked
     * counts in flight; HVM guests take it through {@code hvm_do_IRQ_dpci}, others by
     * {@code send_guest_pirq}; the 1 ms EOI timer is (re)armed for acked types.
     */
    private void doIrqGuest(final IrqDesc d) {
        final int irq = d.irq();
        final AckType ack = d.ackType();
        for (int i = 0; i < d.nrGuests(); i++) {
            final Domain dom = d.guest(i);
            final Pirq p = dom.pirqs().get(dom.pirqs().irqToPirq(irq));
            if (p == null) {
                continue;
            }
            if (ack != AckType.NONE && !p.isMasked()) {
                p.setMasked(true);
                d.setInFlight(d.inFlight() + 1);
            }
            if (TraceSwitch.anyOn()) {
                trace.event(HvEvent.GUEST_IRQ, irq, p.pirq(), dom.id());
            }
            dispatch.dispatch(dom, p);
        }
        if (ack != AckType.NONE) {
            // armAfter's deadline and order, without a heap removal and insertion per interrupt
            d.eoiTimer().postponeAfter(EOI_TIMEOUT_NS);
        }
    }

    // ---------------------------------------------------------------- bind / unbind / EOI

    /**
     * {@code pirq_guest_bind} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same at
     * {@code RELEASE-4.20.0}): binds the pirq's IRQ to {@code dom}. The first binding sets up the
     * guest action ({@code shareable = will_share}, {@code irq_acktype}) and starts the IRQ
     * (clears {@code IRQ_DISABLED}, unmasks its pin); a later one needs both sides to share
     * ({@code -EBUSY}) and room in the action ({@code irq_max_guests}, or 1 for a non-sharing
     * binder). The domain's {@code pirq_eoi_map} bit then says whether the IRQ's ack type needs its
     * EOI ({@code set_pirq_eoi} / {@code clear_pirq_eoi}). There is no check that {@code dom} is already in the action: callers
     * ({@code pt_irq_create_bind}'s MAPPED flag, {@code evtchn_bind_pirq}) keep a domain from
     * binding twice.
     *
     * @param dom the domain
     * @param p its pirq
     * @param willShare whether other guests may share the IRQ
     * @return 0, -EINVAL or -EBUSY
     */
    public int pirqGuestBind(final Domain dom, final Pirq p, final boolean willShare) {
        final int irq = p.irq();
        int rc;
        if (irq > 0) {
            config.unconfiguredGsi().beforeBind(routing, irq);
        }
        final IrqDesc d = descs.desc(irq);
        if (d == null || irq <= 0) {
            rc = -Errno.EINVAL;
        } else if (d.isGuest() && (!willShare || !d.isShareable())) {
            rc = -Errno.EBUSY;
        } else if (d.nrGuests() >= (willShare ? IrqDesc.MAX_GUESTS : 1)) {
            rc = -Errno.EBUSY;
        } else {
            if (!d.isGuest()) {
                d.setInFlight(0);
                d.setShareable(willShare);
                d.setAckType(ackTypeFor(d));
                if (d.eoiTimer() == null) {
                    d.setEoiTimer(clock.newTimer("irq" + irq + ".eoi", () -> eoiTimeout(d)));
                }
                d.setGuest(true);
                d.setDisabled(false);
                routing.unmask(d); // startup
            }
            d.addGuest(dom);
            dom.setPirqNeedsEoi(p.pirq(), d.ackType() != AckType.NONE); // set_pirq_eoi / clear_pirq_eoi
            rc = 0;
        }
        trace.eventFor(HvEvent.PIRQ_GUEST_BIND, dom.id(), irq,
            willShare ? 1 : 0, rc);
        return rc;
    }

    /**
     * {@code pirq_guest_unbind} / {@code __pirq_guest_unbind} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0}): removes {@code dom}; a guest EOI it still owed is completed; the
     * last guest leaving runs the controller's {@code disable}, sets {@code IRQ_DISABLED} and runs
     * {@code shutdown}: {@code mask_IO_APIC_irq} for "IO-APIC-level", {@code irq_disable_none} /
     * {@code irq_shutdown_none} for "IO-APIC-edge" ({@code xen/arch/x86/io_apic.c@RELEASE-4.18.0/4.20.0}),
     * whose pin therefore stays unmasked (until {@code ack_edge_ioapic_irq} masks it, see
     * {@link #maskIfDisabledEdge}). The owed EOI's order is Xen's: {@code ACKTYPE_UNMASK} ends the IRQ
     * before the {@code disable}; {@code ACKTYPE_EOI} with guests left makes the deferred LAPIC EOI
     * ready at once, and with none left only after the {@code disable}, so the broadcast EOI finds
     * the pin masked.
     *
     * @param dom the domain
     * @param p its pirq
     */
    public void pirqGuestUnbind(final Domain dom, final Pirq p) {
        if (p.irq() < 0) {
            dom.pirqs().clearForcedUnbind(p.pirq()); // unmap_domain_pirq forced it off: only the markers are left
            return;
        }
        final IrqDesc d = descs.desc(p.irq());
        if (d == null || !d.isGuest() || !d.isBound(dom)) {
            return;
        }
        d.removeGuest(dom);
        // the leaving guest's owed EOI (pirq->masked is only ever set for an acked type)
        final boolean completed = p.isMasked() && owedEoiDropped(d, p);
        if (completed && (d.ackType() == AckType.UNMASK || d.nrGuests() != 0)) {
            end(d); // ACKTYPE_UNMASK: handler->end; ACKTYPE_EOI with guests left: set_eoi_ready
        }
        if (d.nrGuests() == 0) {
            if (d.handler() == HandlerType.IOAPIC_LEVEL) {
                routing.mask(d); // handler->disable (the edge type's is irq_disable_none), before the EOI below
            }
            d.setDisabled(true);
            if (completed && d.ackType() == AckType.EOI) {
                // cpu_eoi_map still has the CPU: set_eoi_ready now, the pin already masked, so the
                // broadcast EOI cannot bring a still-asserted line back
                end(d);
            }
            d.setGuest(false);
            d.eoiTimer().cancel(); // kill_timer; shutdown is the same mask (or irq_shutdown_none)
        }
    }

    /**
     * {@code test_and_clear_bool(pirq->masked)} and {@code --action->in_flight}, as
     * {@code desc_guest_eoi} and {@code __pirq_guest_unbind} do them
     * ({@code xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0}): whether that was the last one in flight.
     */
    private static boolean owedEoiDropped(final IrqDesc d, final Pirq p) {
        p.setMasked(false);
        d.setInFlight(d.inFlight() - 1);
        return d.inFlight() == 0;
    }

    /**
     * {@code pirq_guest_eoi} / {@code desc_guest_eoi} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0/4.20.0}): one guest finished with the interrupt; the
     * last one completes it physically.
     *
     * @param dom the domain
     * @param p its pirq
     */
    public void pirqGuestEoi(final Domain dom, final Pirq p) {
        final IrqDesc d = descs.desc(p.irq());
        if (d == null || !d.isGuest() || !p.isMasked()) {
            return;
        }
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.PIRQ_GUEST_EOI, d.irq(), d.inFlight() - 1, d.inFlight() == 1 ? 1 : 0);
        }
        guestDone(d, p);
    }

    /** One guest no longer owes an EOI ({@code xen/arch/x86/irq.c:desc_guest_eoi@RELEASE-4.18.0/4.20.0}); the last one completes the IRQ. */
    private void guestDone(final IrqDesc d, final Pirq p) {
        if (owedEoiDropped(d, p)) {
            // the EOI timer is left armed (a lazy deadline): it fires into eoiTimeout, which finds
            // nothing in flight and does nothing, or is pushed back by the next interrupt first
            end(d);
        }
    }

    /**
     * {@code xen/arch/x86/irq.c:irq_guest_eoi_timer_fn@RELEASE-4.18.0/4.20.0}: every guest's EOI is taken as done and the IRQ ended.
     * Xen cancels the timer in {@code desc_guest_eoi}; here it stays armed after the last guest
     * EOI, so a firing with nothing in flight is that cancelled timer and does nothing, as Xen's
     * own {@code irq_guest_eoi_timer_fn} does when it finds {@code in_flight} zero.
     */
    private void eoiTimeout(final IrqDesc d) {
        if (!d.isGuest() || d.inFlight() == 0) {
            return;
        }
        trace.event(HvEvent.EOI_TIMEOUT, d.irq(), d.inFlight(), 0);
        for (int i = 0; i < d.nrGuests(); i++) {
            final Domain dom = d.guest(i);
            final Pirq p = dom.pirqs().get(dom.pirqs().irqToPirq(d.irq()));
            if (p != null) {
                p.setMasked(false); // irq_guest_eoi_timer_fn: every guest's EOI is taken as done
            }
        }
        d.setInFlight(0);
        end(d);
    }
}
