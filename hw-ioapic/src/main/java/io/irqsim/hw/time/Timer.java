package io.irqsim.hw.time;

/**
 * A one-shot timer on a {@link VirtualClock}. Re-arming an armed timer moves its deadline.
 */
public final class Timer {

    private final VirtualClock clock;
    private final String name;
    final Runnable action;
    long deadline;
    long seq;
    int index;
    boolean armed;
    /**
     * Set by {@link #postponeAfter}: the timer sits in the heap at {@link #deadline} but is due at
     * {@link #movedDeadline}, ordered among equal deadlines by {@link #movedSeq}; the clock moves
     * it when the old deadline comes up, without running the action.
     */
    boolean moved;
    long movedDeadline;
    long movedSeq;

    Timer(final VirtualClock clock, final String name, final Runnable action) {
        this.clock = clock;
        this.name = name;
        this.action = action;
    }

    /**
     * Arms the timer to fire {@code delayNs} after the clock's current time.
     *
     * @param delayNs delay in ns, not negative
     */
    public void armAfter(final long delayNs) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("negative timer delay " + delayNs + " for " + name);
        }
        clock.arm(this, clock.now() + delayNs);
    }

    /**
     * Arms the timer to fire at an absolute virtual time (fires on the next advance if already past).
     *
     * @param deadlineNs absolute time in ns
     */
    public void armAt(final long deadlineNs) {
        clock.arm(this, deadlineNs);
    }

    /**
     * Arms the timer to fire {@code delayNs} after the clock's current time, exactly as
     * {@link #armAfter} does (same firing time, same order among timers with that deadline), but
     * without touching the clock's heap when the timer is already armed for an earlier time: the
     * new deadline is recorded and the timer is moved to it when the old one comes up. For a timer
     * pushed back on every event (a timeout counted from the latest one), that turns a heap
     * removal and insertion per event into three field writes, and one move per expiry.
     *
     * @param delayNs delay in ns, not negative
     */
    public void postponeAfter(final long delayNs) {
        if (delayNs < 0) {
            throw new IllegalArgumentException("negative timer delay " + delayNs + " for " + name);
        }
        clock.postpone(this, clock.now() + delayNs);
    }

    /** Disarms the timer; does nothing if it is not armed. */
    public void cancel() {
        clock.cancel(this);
    }

    /** @return whether the timer is armed */
    public boolean isArmed() {
        return armed;
    }

    /** @return the deadline of the last arming, in ns */
    public long deadline() {
        return moved ? movedDeadline : deadline;
    }

    @Override
    public String toString() {
        return "Timer[" + name + (armed ? " @" + deadline() : " idle") + "]";
    }
}
