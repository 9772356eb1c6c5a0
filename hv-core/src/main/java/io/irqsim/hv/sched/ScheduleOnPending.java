package io.irqsim.hv.sched;

import io.irqsim.hw.apic.LocalApic;

/**
 * A LAPIC's INTR line wired to the run queue: when an interrupt becomes deliverable, the CPU that
 * takes it (a physical CPU's interrupt entry, or a vCPU to inject into, Xen's {@code vcpu_kick})
 * is queued.
 *
 * <p>One final class for every LAPIC of the machine, physical and virtual, rather than a lambda
 * per wiring site: the LAPIC's accept path, which every interrupt of the machine runs, then
 * calls one receiver type, which the JIT inlines; with a lambda per site the call was
 * polymorphic and stayed a virtual call.
 */
public final class ScheduleOnPending implements LocalApic.InterruptListener {

    private final WorkQueue queue;
    private final WorkItem cpu;

    /**
     * @param queue the machine's run queue
     * @param cpu what runs when the LAPIC has an interrupt to deliver
     */
    public ScheduleOnPending(final WorkQueue queue, final WorkItem cpu) {
        this.queue = queue;
        this.cpu = cpu;
    }

    @Override
    public void interruptPending(final LocalApic apic) {
        queue.schedule(cpu);
    }
}
