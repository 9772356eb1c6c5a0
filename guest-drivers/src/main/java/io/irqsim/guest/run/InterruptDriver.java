package io.irqsim.guest.run;

import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.guest.toolstack.AttachResult;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.pci.Bdf;

/**
 * A scenario's machine ({@link ScenarioMachine}: booted, devices attached, no traffic) driven one
 * interrupt at a time from its first passed-through device ({@link #idle()} then
 * {@link #raiseAndWait()} for each), e.g. to measure delivery latency.
 *
 * <p>The trace recorder records the boot and the attach and is switched off once the machine is
 * ready, so a long run of interrupts does not grow it. Not thread-safe: the machine belongs to the
 * thread that drives it.
 */
public final class InterruptDriver implements AutoCloseable {

    private final ScenarioMachine machine;
    private final AttachResult attach;
    private final String guestName;
    private final NicTestDevice device;
    private final NicTestDriver driver;

    private InterruptDriver(final ScenarioMachine machine, final AttachResult attach, final String guestName,
                            final NicTestDevice device, final NicTestDriver driver) {
        this.machine = machine;
        this.attach = attach;
        this.guestName = guestName;
        this.device = device;
        this.driver = driver;
    }

    /**
     * Boots the scenario under a strategy and attaches every passed-through device; drives no traffic.
     *
     * @param scenario the scenario
     * @param strategy the design
     * @return the machine, ready for {@link #raiseAndWait()} if {@link #isDelivering()}
     * @throws IllegalArgumentException if the scenario passes no device through
     */
    public static InterruptDriver boot(final Scenario scenario, final Strategy strategy) {
        Scenario.GuestSpec guest = null;
        for (final Scenario.GuestSpec g : scenario.guests()) {
            if (!g.passthrough().isEmpty()) {
                guest = g;
                break;
            }
        }
        if (guest == null) {
            throw new IllegalArgumentException("scenario " + scenario.name() + " passes no device through to a guest");
        }
        final Bdf first = guest.passthrough().get(0).device();
        final ScenarioMachine m = ScenarioMachine.boot(scenario, strategy, clock -> TraceRecorder.inMemory(clock, 1 << 12));
        final AttachResult a = m.attaches().get(first);
        final LinuxDomU kernel = m.guest(guest.name());
        final NicTestDriver drv = a.ok() && a.guestBdf() != null && kernel != null ? kernel.driver(a.guestBdf()) : null;
        m.xen().drain();
        m.trace().setEnabled(false);
        return new InterruptDriver(m, a, guest.name(), m.devices().get(first), drv);
    }

    /**
     * @return whether the first passed-through device is attached with INTx bound by the device model and its
     *     guest driver has an interrupt to handle it with (otherwise {@link #raiseAndWait()} always returns {@code false})
     */
    public boolean isDelivering() {
        return attach.ok() && !attach.intxDisabled() && driver != null && driver.irq() > 0 && device != null;
    }

    /**
     * Virtual time between two interrupts ({@link #idle()}): 5 us, as between two
     * interrupts of a device raising 200,000 a second, a fifth of what Xen's {@code irq_ratelimit}
     * ({@code do_IRQ}, {@code xen/arch/x86/irq.c@RELEASE-4.20.0}: more than 10,000 interrupts of one
     * guest-bound IRQ within 10 ms) lets through. Without it every interrupt arrived at the same
     * virtual instant, the rate limiter masked the line at the 10,001st and its re-enable timer
     * never came due: {@code irqsim bench} with its default 10,000 warm-up interrupts failed on the
     * first one it measured.
     */
    public static final long INTERRUPT_GAP_NS = 5_000L;

    /**
     * The time between two interrupts: virtual time moves on by {@link #INTERRUPT_GAP_NS}, and the
     * timers that come due run. Call it before each {@link #raiseAndWait()} (outside what a
     * benchmark times).
     */
    public void idle() {
        machine.xen().advanceTime(INTERRUPT_GAP_NS);
    }

    /**
     * The device raises one interrupt and the machine runs until nothing is left to do. Without
     * {@link #idle()} in between, every interrupt arrives at the same virtual instant.
     *
     * @return {@code true} if the guest's driver handled it (it acknowledged the device, which
     *     released INTx), {@code false} if it is still pending
     */
    public boolean raiseAndWait() {
        final long before = driver == null ? 0 : driver.handled();
        device.raise();
        machine.xen().drain();
        return driver != null && driver.handled() == before + 1 && !device.isPending();
    }

    /** @return how the attach of the first passed-through device ended */
    public AttachResult attach() {
        return attach;
    }

    /** @return the first passed-through device */
    public Bdf device() {
        return attach.device();
    }

    /** @return the guest it is passed through to */
    public String guest() {
        return guestName;
    }

    /** @return the machine */
    public ScenarioMachine machine() {
        return machine;
    }

    /** @return the hypervisor */
    public Hypervisor xen() {
        return machine.xen();
    }

    /** Releases the trace buffer. */
    @Override
    public void close() {
        machine.trace().close();
    }
}
