package io.irqsim.dm.net.server;

import io.irqsim.hv.Hypervisor;
import io.irqsim.hw.time.VirtualClock;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Brings a served machine's virtual time up to the wall clock of the thread that owns it:
 * {@link Hypervisor#advanceTime} by the time elapsed since the last update, which fires the timers
 * that fell due, in order. {@code irqsim run} and {@code bench} drive time themselves; a served
 * machine has no driver but the models, so without this a timer armed while serving (a guest-EOI
 * timeout, an interrupt limiter's recovery) would never fire.
 *
 * <p>While a timer is armed, time is brought up to date every tick (1 ms, the resolution of Xen's
 * shortest such timer, the 1 ms guest-EOI timeout of {@code irq_guest_eoi_timer_fn} in
 * {@code xen/arch/x86/irq.c}, {@code GuestIrqs.EOI_TIMEOUT_NS} here), so it fires at most a tick
 * late. With none armed, every {@link #IDLE} only: an idle server does not wake a thousand times a
 * second. Whoever may have armed one ({@link DmSession} after handling the model's frames, the
 * server after a task it ran for another thread) calls {@link #kick}, which goes back to the tick.
 * Elapsed time is read from the event loop's ticker, which an {@code EmbeddedChannel} lets tests
 * move.
 */
public final class VirtualTimePacer implements Runnable {

    /** The tick of {@code irqsim serve} while a timer is armed. */
    public static final Duration TICK = Duration.ofMillis(1);
    /** How often time is brought up to date while no timer is armed. */
    public static final Duration IDLE = Duration.ofMillis(100);

    private final EventExecutor loop;
    private final Hypervisor xen;
    private final VirtualClock clock;
    private final long tickNanos;
    private long last;
    private boolean fast;
    private boolean stopped;
    private ScheduledFuture<?> next;

    private VirtualTimePacer(final EventExecutor loop, final Hypervisor xen, final long tickNanos) {
        this.loop = loop;
        this.xen = xen;
        this.clock = xen.platform().clock();
        this.tickNanos = tickNanos;
        this.last = loop.ticker().nanoTime();
    }

    static VirtualTimePacer start(final EventExecutor loop, final Hypervisor xen, final Duration tick) {
        final long t = tick.toNanos();
        if (t <= 0 || tick.compareTo(IDLE) > 0) {
            throw new IllegalArgumentException("the tick must be 1 ns.." + IDLE.toMillis() + " ms, not " + tick);
        }
        final VirtualTimePacer p = new VirtualTimePacer(loop, xen, t);
        p.schedule();
        return p;
    }

    @Override
    public void run() {
        next = null;
        if (stopped) {
            return;
        }
        final long now = loop.ticker().nanoTime();
        final long elapsed = now - last;
        last = now;
        if (elapsed > 0) {
            xen.advanceTime(elapsed);
        }
        schedule();
    }

    /** A timer may have been armed: back to the tick if one is. Call on the machine's thread. */
    public void kick() {
        if (!stopped && !fast && clock.armedTimers() > 0) {
            if (next != null) {
                next.cancel(false);
            }
            schedule();
        }
    }

    /** Stops following the wall clock. Call on the machine's thread. */
    public void stop() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    private void schedule() {
        fast = clock.armedTimers() > 0;
        next = loop.schedule(this, fast ? tickNanos : IDLE.toNanos(), TimeUnit.NANOSECONDS);
    }
}
