package io.irqsim.hv.domain;

import io.irqsim.hv.ioreq.IoreqCompletion;
import io.irqsim.hv.ioreq.IoreqDevice;
import io.irqsim.hv.sched.WorkItem;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.trace.TraceSwitch;

import java.util.BitSet;

/**
 * A virtual CPU: its vLAPIC (HVM-type domains), its view of guest-physical MMIO, and the work item
 * that injects pending interrupts into the guest kernel.
 */
public final class Vcpu extends WorkItem {

    private final Domain domain;
    private final int id;
    private final LocalApic vlapic;
    private final MmioBus bus;
    // sized for every pirq up front: setting a bit on the event path never grows (allocates) them
    private final BitSet pendingPirqEvents;
    private final BitSet maskedPirqEvents;
    private final io.irqsim.hv.trace.TraceRecorder trace;
    private final io.irqsim.hv.sched.WorkQueue queue;
    private final int pcpu;
    /** The domain's id, copied: {@link #enter} runs on every guest access. */
    private final int domid;
    private long interruptsInjected;
    private int blocked;
    private int ioreqsInFlight;

    Vcpu(final Domain domain, final int id, final LocalApic vlapic, final MmioBus bus) {
        this.domain = domain;
        this.id = id;
        this.vlapic = vlapic;
        this.bus = bus;
        this.trace = domain.host().trace();
        this.queue = domain.host().queue();
        this.pcpu = id % domain.host().physicalCpus();
        this.domid = domain.id();
        this.pendingPirqEvents = new BitSet(domain.pirqs().nrPirqs());
        this.maskedPirqEvents = new BitSet(domain.pirqs().nrPirqs());
    }

    /** @return the domain */
    public Domain domain() {
        return domain;
    }

    /** @return the vCPU number */
    public int id() {
        return id;
    }

    /** @return the physical CPU it runs on */
    public int pcpu() {
        return pcpu;
    }

    /** @return its vLAPIC, or {@code null} for a PV domain */
    public LocalApic vlapic() {
        return vlapic;
    }

    /** @return its guest-physical MMIO view (vLAPIC page included) */
    public MmioBus bus() {
        return bus;
    }

    /**
     * A guest MMIO read: emulated devices trap (and are traced); work this causes runs before the call returns.
     *
     * @param gpa guest-physical address
     * @param size 1, 2, 4 or 8
     * @return the value
     */
    public long mmioRead(final long gpa, final int size) {
        enter();
        final long v = bus.read(gpa, size);
        queue.drain();
        return v;
    }

    /**
     * A guest MMIO write; see {@link #mmioRead}.
     *
     * @param gpa guest-physical address
     * @param size 1, 2, 4 or 8
     * @param value the value
     */
    public void mmioWrite(final long gpa, final int size, final long value) {
        enter();
        bus.write(gpa, size, value);
        queue.drain();
    }

    /**
     * A guest {@code in} ({@code xen/arch/x86/hvm/io.c:handle_pio@RELEASE-4.20.0}): the domain's
     * port space ({@link PortIo}) answers, synchronously (a device model across a socket blocks
     * the machine's thread for the reply, as the vCPU waits for its ioreq); work it causes runs
     * before the call returns.
     *
     * @param port port
     * @param size 1, 2 or 4
     * @return the value, all ones from a port nobody claimed
     */
    public long portRead(final int port, final int size) {
        enter();
        final long v = domain.ports().read(port, size);
        queue.drain();
        return v;
    }

    /**
     * A guest {@code out}; see {@link #portRead}.
     *
     * @param port port
     * @param size 1, 2 or 4
     * @param value the value
     */
    public void portWrite(final int port, final int size, final long value) {
        enter();
        domain.ports().write(port, size, value);
        queue.drain();
    }

    /**
     * An 8-byte port write, which x86 cannot issue ({@link PortIo#writeQword}): only for a device
     * model whose register takes nothing narrower.
     *
     * @param port port
     * @param value the value
     */
    public void portWriteQword(final int port, final long value) {
        enter();
        domain.ports().writeQword(port, value);
        queue.drain();
    }

    /**
     * A guest read that may have to wait for a device model: if {@code gpa} is in the window of an
     * {@link IoreqDevice}, the vCPU is stalled ({@link #block()}) until the model answers and
     * {@code done} then runs on the machine thread; any other access completes before this returns.
     *
     * @param gpa guest-physical address
     * @param size access size
     * @param done receives the value
     */
    public void mmioReadAsync(final long gpa, final int size, final IoreqCompletion done) {
        final TrappedMmio trap = ioreqWindow(gpa);
        if (trap == null) {
            done.complete(mmioRead(gpa, size));
            return;
        }
        enter();
        trap.traceAsync(gpa, size, false, 0);
        startIoreq();
        ((IoreqDevice) trap.device()).readAsync(this, gpa - trap.base(), size, v -> finishIoreq(done, v));
    }

    /**
     * A guest write that may have to wait for a device model; see {@link #mmioReadAsync}.
     *
     * @param gpa guest-physical address
     * @param size access size
     * @param value the value
     * @param done runs when the write is done
     */
    public void mmioWriteAsync(final long gpa, final int size, final long value, final IoreqCompletion done) {
        final TrappedMmio trap = ioreqWindow(gpa);
        if (trap == null) {
            mmioWrite(gpa, size, value);
            done.complete(0);
            return;
        }
        enter();
        trap.traceAsync(gpa, size, true, value);
        startIoreq();
        ((IoreqDevice) trap.device()).writeAsync(this, gpa - trap.base(), size, value, v -> finishIoreq(done, 0));
    }

    private TrappedMmio ioreqWindow(final long gpa) {
        final MmioDevice d = bus.deviceAt(gpa);
        return d instanceof TrappedMmio && ((TrappedMmio) d).device() instanceof IoreqDevice ? (TrappedMmio) d : null;
    }

    private void startIoreq() {
        ioreqsInFlight++;
        block();
    }

    private void finishIoreq(final IoreqCompletion done, final long value) {
        ioreqsInFlight--;
        enter();
        done.complete(value);
        unblock();
        queue.drain();
    }

    /** @return guest accesses waiting for a device model */
    public int ioreqsInFlight() {
        return ioreqsInFlight;
    }

    /**
     * Stalls the vCPU: no interrupt is injected until the matching {@link #unblock()} (a guest
     * waiting on an ioreq, or running an interrupt handler that has not finished).
     */
    public void block() {
        blocked++;
    }

    /** Ends one {@link #block()}; when none is left, pending interrupts are injected. */
    public void unblock() {
        if (blocked == 0) {
            throw new IllegalStateException(this + ": unblock without block");
        }
        if (--blocked == 0) {
            queue.schedule(this);
        }
    }

    /** @return whether the vCPU is stalled */
    public boolean isBlocked() {
        return blocked > 0;
    }

    /**
     * Sets the trace context to this vCPU's domain and physical CPU. The context only stamps
     * records, so while no recorder in the JVM records ({@link TraceSwitch#anyOn()}, a constant
     * in compiled code) nothing is set: the first access after a recorder is turned on sets it
     * before anything is recorded.
     */
    public void enter() {
        if (TraceSwitch.anyOn()) {
            trace.setContext(pcpu, domid);
        }
    }

    /**
     * Marks a pirq event pending for a PV guest and schedules delivery.
     *
     * @param pirq the pirq
     */
    void raisePirqEvent(final int pirq) {
        // evtchn_2l_set_pending (xen/common/event_2l.c@RELEASE-4.20.0): an already pending port is
        // left alone; a masked one gets its pending bit and no upcall
        if (pendingPirqEvents.get(pirq)) {
            return;
        }
        pendingPirqEvents.set(pirq);
        if (!maskedPirqEvents.get(pirq)) {
            queue.schedule(this);
        }
    }

    /**
     * Sets or clears the mask bit of a pirq's event channel (the guest's write to
     * {@code shared_info->evtchn_mask}, which Xen reads in {@code evtchn_2l_is_masked},
     * {@code xen/common/event_2l.c@RELEASE-4.20.0}); no upcall either way.
     *
     * @param pirq the pirq
     * @param masked the new bit
     */
    void setPirqEventMask(final int pirq, final boolean masked) {
        maskedPirqEvents.set(pirq, masked);
    }

    /**
     * {@code evtchn_2l_unmask} (xen/common/event_2l.c@RELEASE-4.20.0): clears the mask bit; if it
     * was set and the event is pending, the upcall is raised.
     *
     * @param pirq the pirq
     */
    void unmaskPirqEvent(final int pirq) {
        final boolean wasMasked = maskedPirqEvents.get(pirq);
        maskedPirqEvents.clear(pirq);
        if (wasMasked && pendingPirqEvents.get(pirq)) {
            queue.schedule(this);
        }
    }

    /**
     * Schedules the upcall: the guest setting {@code evtchn_upcall_pending} itself, as Linux's
     * {@code unmask_evtchn} does for a pending event in a PV domain
     * ({@code drivers/xen/events/events_2l.c:evtchn_2l_unmask@v6.12}).
     */
    void markUpcallPending() {
        queue.schedule(this);
    }

    /**
     * @param pirq the pirq
     * @return the mask bit of its event channel
     */
    boolean isPirqEventMasked(final int pirq) {
        return maskedPirqEvents.get(pirq);
    }

    /**
     * @param pirq the pirq
     * @return whether its event was sent and the guest has not taken it yet (the bound channel's
     *     pending bit, which the guest clears when it handles the event)
     */
    boolean isPirqEventPending(final int pirq) {
        return pendingPirqEvents.get(pirq);
    }

    /**
     * Drops a pirq event the guest has not taken (its channel was closed, or the guest cleared the bit).
     *
     * @param pirq the pirq
     */
    void clearPirqEvent(final int pirq) {
        pendingPirqEvents.clear(pirq);
    }

    /**
     * The guest setting a pirq event's pending bit itself: a write to shared memory, no upcall.
     *
     * @param pirq the pirq
     */
    void setPirqEventPending(final int pirq) {
        pendingPirqEvents.set(pirq);
    }

    /** Does the work; public only so {@link io.irqsim.hv.sched.WorkQueue#drain()} can call it on the final class. */
    @Override
    public void run() {
        final GuestKernel kernel = domain.kernel();
        if (kernel == null || domain.isDying() || blocked > 0) {
            return;
        }
        enter();
        for (int pirq = pendingPirqEvents.nextSetBit(0); pirq >= 0 && blocked == 0;
             pirq = pendingPirqEvents.nextSetBit(pirq + 1)) {
            if (maskedPirqEvents.get(pirq)) {
                continue;   // the upcall handler takes pending & ~mask: a masked event stays pending
            }
            if (!kernel.clearsPirqEventInItsChip()) {
                pendingPirqEvents.clear(pirq);
            }
            kernel.pirqEvent(this, pirq);
            enter();
        }
        if (vlapic == null) {
            return;
        }
        int vector;
        while (blocked == 0 && (vector = vlapic.acknowledgePending()) >= 0) {
            interruptsInjected++;
            if (TraceSwitch.anyOn()) {
                trace.event(HvEvent.VCPU_INTERRUPT, id, vector, 0);
            }
            kernel.interrupt(this, vector);
            enter();
        }
    }

    /** @return interrupts injected into the guest so far */
    public long interruptsInjected() {
        return interruptsInjected;
    }

    @Override
    public String toString() {
        return "d" + domain.id() + "v" + id;
    }
}
