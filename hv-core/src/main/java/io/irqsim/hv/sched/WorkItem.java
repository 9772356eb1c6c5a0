package io.irqsim.hv.sched;

/**
 * Something the machine thread has to do later: a physical CPU with a pending interrupt, a
 * vCPU to inject into, a softirq. Items link themselves into the {@link WorkQueue} (intrusive
 * list), so scheduling allocates nothing, and an item already queued is not queued twice.
 */
public abstract class WorkItem {

    WorkItem next;
    boolean queued;

    /** Does the work. Called on the machine thread by {@link WorkQueue#drain()}. */
    protected abstract void run();

    /** @return whether the item is waiting in a queue */
    public final boolean isQueued() {
        return queued;
    }
}
