package io.irqsim.hv.sched;

/**
 * The machine thread's run queue. Hardware callbacks (a LAPIC accepting an interrupt, a softirq
 * being raised) only {@link #schedule} work; the entry points at the top of the stack (a device
 * changing a line, a guest access, a hypercall, time advancing) call {@link #drain()}, which runs
 * items in FIFO order until none is left. Running work from inside a device's own call stack
 * would re-enter it half-way through an update, which real hardware never sees.
 *
 * <p>Deterministic: same inputs, same order. Allocation-free.
 */
public final class WorkQueue {

    /** Items run by one drain before it gives up: a guard against a livelock in a model bug. */
    public static final long MAX_ITEMS_PER_DRAIN = 50_000_000L;

    private WorkItem head;
    private WorkItem tail;
    private boolean draining;
    private long ran;

    /**
     * Queues an item unless it is already queued.
     *
     * @param item the work
     */
    public void schedule(final WorkItem item) {
        if (item.queued) {
            return;
        }
        item.queued = true;
        item.next = null;
        if (tail == null) {
            head = item;
        } else {
            tail.next = item;
        }
        tail = item;
    }

    /**
     * Runs queued items, and whatever they queue, until the queue is empty. A call made while a
     * drain is already running (guest code calling back into the hypervisor) returns at once:
     * the outer drain picks the new work up.
     *
     * @return items run by this call
     */
    public long drain() {
        // the empty queue first: it is the answer after nearly every guest access, and one load
        // settles it (a drain in progress leaves the queue non-empty far more rarely)
        if (head == null || draining) {
            return 0;
        }
        return drainQueued();
    }

    /**
     * The loop of {@link #drain}, out of line: most calls find the queue empty (a trapped
     * register write that schedules nothing), and a small {@code drain} is inlined into every
     * caller while this one is compiled once, on its own.
     */
    private long drainQueued() {
        draining = true;
        long n = 0;
        try {
            WorkItem item;
            while ((item = head) != null) {
                head = item.next;
                if (head == null) {
                    tail = null;
                }
                item.next = null;
                item.queued = false;
                runItem(item);
                if (++n > MAX_ITEMS_PER_DRAIN) {
                    throw new IllegalStateException("work queue did not settle after " + MAX_ITEMS_PER_DRAIN
                        + " items: an interrupt storm the storm guard does not bound");
                }
            }
        } finally {
            draining = false;
        }
        ran += n;
        return n;
    }

    /**
     * Runs one item: one virtual call, as Xen's {@code __do_softirq} calls through
     * {@code softirq_handlers[]}. Deliberately not a call site per item class: with every item
     * inlined here the loop compiled to tens of KB, and that weight landed on whichever caller
     * C2 compiled first (a guest's trapped MMIO write, which only ever finds the queue empty,
     * compiled to 12 KB and was then too big to inline anywhere: a call per access). Behind one
     * megamorphic call the loop stays small; each item's {@code run} is compiled once, on its own,
     * which is what the per-class sites came to anyway (C2 compiled the dispatcher out of line).
     */
    private static void runItem(final WorkItem item) {
        item.run();
    }

    /** @return whether nothing is queued */
    public boolean isIdle() {
        return head == null;
    }

    /** @return whether a drain is in progress */
    public boolean isDraining() {
        return draining;
    }

    /** @return items run since creation */
    public long itemsRun() {
        return ran;
    }
}
