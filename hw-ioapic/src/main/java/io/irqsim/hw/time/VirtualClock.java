package io.irqsim.hw.time;

import java.util.Arrays;

/**
 * Virtual time in nanoseconds and the timers that fire on it. Nothing in irqsim sleeps: time only
 * moves when {@link #advanceTo(long)} or {@link #advanceBy(long)} is called, and timers due by
 * then fire in deadline order (ties in the order they were armed), on the caller's thread.
 *
 * <p>Timers are objects the owner allocates once and re-arms; arming and firing allocate nothing
 * unless the queue has to grow beyond every timer armed so far.
 */
public final class VirtualClock {

    private long now;
    private long sequence;
    private Timer[] heap = new Timer[16];
    private int size;

    /** @return the current virtual time in nanoseconds */
    public long now() {
        return now;
    }

    /**
     * Moves time forward by {@code delta} ns, firing every timer that falls due.
     *
     * @param delta nanoseconds, not negative
     */
    public void advanceBy(final long delta) {
        if (delta < 0) {
            throw new IllegalArgumentException("time cannot go backwards: delta " + delta);
        }
        advanceTo(now + delta);
    }

    /**
     * Moves time forward to {@code target}, firing every timer due at or before it. A timer that
     * re-arms itself for a deadline still within the window fires again in the same call.
     *
     * @param target absolute virtual time in ns, not before {@link #now()}
     */
    public void advanceTo(final long target) {
        if (target < now) {
            throw new IllegalArgumentException("time cannot go backwards: " + target + " < " + now);
        }
        while (size > 0 && heap[0].deadline <= target) {
            final Timer t = pop();
            if (t.moved) {
                reinsertMoved(t); // postponed: not due yet, nothing runs and time does not stop here
                continue;
            }
            now = Math.max(now, t.deadline);
            t.armed = false;
            t.action.run();
        }
        now = target;
    }

    /** @return the deadline of the next armed timer, or {@link Long#MAX_VALUE} if none is armed */
    public long nextDeadline() {
        while (size > 0 && heap[0].moved) {
            reinsertMoved(pop());
        }
        return size == 0 ? Long.MAX_VALUE : heap[0].deadline;
    }

    /** @return how many timers are armed */
    public int armedTimers() {
        return size;
    }

    /**
     * Creates a timer bound to this clock. Allocate timers up front, then arm them on hot paths.
     *
     * @param name for diagnostics
     * @param action what runs when it fires (on the thread advancing the clock)
     * @return an unarmed timer
     */
    public Timer newTimer(final String name, final Runnable action) {
        return new Timer(this, name, action);
    }

    void arm(final Timer t, final long deadline) {
        t.moved = false;
        if (t.armed) {
            remove(t);
        }
        t.deadline = deadline;
        t.seq = sequence++;
        t.armed = true;
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = t;
        t.index = size;
        size++;
        siftUp(t.index);
    }

    /**
     * {@link Timer#postponeAfter}: an armed timer due no later than {@code deadline} keeps its heap
     * slot and records the new deadline with the sequence number an arming now would take, so it
     * fires when, and in the order, {@link #arm} would have made it.
     */
    void postpone(final Timer t, final long deadline) {
        if (!t.armed || deadline < t.deadline) {
            arm(t, deadline);
            return;
        }
        t.movedDeadline = deadline;
        t.movedSeq = sequence++;
        t.moved = true;
    }

    /** Puts a popped postponed timer back at the deadline and order it was postponed to. */
    private void reinsertMoved(final Timer t) {
        t.moved = false;
        t.deadline = t.movedDeadline;
        t.seq = t.movedSeq;
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = t;
        t.index = size;
        size++;
        siftUp(t.index);
    }

    void cancel(final Timer t) {
        t.moved = false;
        if (t.armed) {
            remove(t);
            t.armed = false;
        }
    }

    private Timer pop() {
        final Timer top = heap[0];
        removeAt(0);
        return top;
    }

    private void remove(final Timer t) {
        removeAt(t.index);
    }

    private void removeAt(final int i) {
        size--;
        final Timer last = heap[size];
        heap[size] = null;
        if (i < size) {
            heap[i] = last;
            last.index = i;
            siftDown(i);
            siftUp(last.index);
        }
    }

    private static boolean before(final Timer x, final Timer y) {
        return x.deadline < y.deadline || (x.deadline == y.deadline && x.seq < y.seq);
    }

    private void siftUp(int i) {
        final Timer t = heap[i];
        while (i > 0) {
            final int parent = (i - 1) >>> 1;
            final Timer p = heap[parent];
            if (!before(t, p)) {
                break;
            }
            heap[i] = p;
            p.index = i;
            i = parent;
        }
        heap[i] = t;
        t.index = i;
    }

    private void siftDown(int i) {
        final Timer t = heap[i];
        while (true) {
            final int l = 2 * i + 1;
            if (l >= size) {
                break;
            }
            final int r = l + 1;
            final int c = r < size && before(heap[r], heap[l]) ? r : l;
            if (!before(heap[c], t)) {
                break;
            }
            heap[i] = heap[c];
            heap[i].index = i;
            i = c;
        }
        heap[i] = t;
        t.index = i;
    }
}
