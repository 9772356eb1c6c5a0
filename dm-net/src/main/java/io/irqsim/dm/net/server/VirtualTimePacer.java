package io.irqsim.dm.net.server;

import io.irqsim.hv.Hypervisor;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Brings a served machine's virtual time up to the wall clock of the thread that owns it, every
 * tick: {@link Hypervisor#advanceTime} by the time elapsed since the last tick, which fires the
 * timers that fell due in order. {@code irqsim run} and {@code bench} drive time themselves; a
 * served machine has no driver but the models, so without this a timer armed while serving (a
 * guest-EOI timeout, an interrupt limiter's recovery) would never fire.
 *
 * <p>The tick bounds how late a timer fires (1 ms, the resolution of Xen's shortest such timer,
 * the 1 ms guest-EOI timeout of {@code irq_guest_eoi_timer_fn}). Elapsed time is read from the
 * event loop's ticker, which an {@code EmbeddedChannel} lets tests move.
 */
final class VirtualTimePacer implements Runnable {

    /** The tick of {@code irqsim serve}. */
    static final Duration TICK = Duration.ofMillis(1);

    private final EventExecutor loop;
    private final Hypervisor xen;
    private long last;

    private VirtualTimePacer(final EventExecutor loop, final Hypervisor xen) {
        this.loop = loop;
        this.xen = xen;
        this.last = loop.ticker().nanoTime();
    }

    static ScheduledFuture<?> start(final EventExecutor loop, final Hypervisor xen, final Duration tick) {
        final long t = tick.toNanos();
        if (t <= 0) {
            throw new IllegalArgumentException("the tick must be positive, not " + tick);
        }
        return loop.scheduleAtFixedRate(new VirtualTimePacer(loop, xen), t, t, TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        final long now = loop.ticker().nanoTime();
        final long elapsed = now - last;
        last = now;
        if (elapsed > 0) {
            xen.advanceTime(elapsed);
        }
    }
}
