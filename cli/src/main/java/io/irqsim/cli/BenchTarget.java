package io.irqsim.cli;

import io.irqsim.dm.net.DmLoopback;
import io.irqsim.dm.net.example.ExampleNicModel;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.ListenAddress;
import io.irqsim.guest.run.InterruptDriver;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * What {@code irqsim bench} drives: something that raises one interrupt at a time and reports
 * whether the guest's driver handled it. {@link #inProcess} is the scenario's machine in this JVM
 * (the default); {@link #devmodel} ({@code --devmodel ADDRESS}) is the same machine served by a
 * device-model server, with the example model attached to a guest over a real socket raising the
 * interrupts through the protocol. The measurement loop is the same for both.
 */
interface BenchTarget extends AutoCloseable {

    /** @return e.g. {@code "00:03.0 -> domU"} */
    String describe();

    /** @return how interrupts travel, e.g. {@code "in-process machine, trace off"} */
    String transport();

    /** @return the passed-through device, as text */
    String device();

    /** @return the guest it is passed through to */
    String guest();

    /** What {@link #inProcess}'s values span (printed under the histogram, on two lines). */
    String IN_PROCESS_TIMING = "from the device raising INTx\n  until the guest driver has handled it and the machine is idle";

    /** @return what one value spans, for the text report (may hold a line break) */
    default String timing() {
        return IN_PROCESS_TIMING;
    }

    /** @return {@code null} if interrupts can be delivered, else why not (one sentence) */
    String notDeliveringReason();

    /**
     * Raises one interrupt and returns once the machine is idle again.
     *
     * @return whether the guest's driver handled it
     */
    boolean raiseAndWait();

    /**
     * What passes between two interrupts, run before each {@link #raiseAndWait()} and not timed:
     * in-process, virtual time moves on ({@link io.irqsim.guest.run.InterruptDriver#idle()}); a
     * served machine's time follows the wall clock by itself.
     */
    default void idle() {
    }

    /** Releases the target. */
    @Override
    void close();

    /**
     * The scenario's machine, booted in this JVM under the strategy, driven from its first
     * passed-through device.
     *
     * @param scenario the scenario
     * @param strategy the design
     * @return the target
     */
    static BenchTarget inProcess(final Scenario scenario, final Strategy strategy) {
        return inProcess(scenario, strategy, machine -> { });
    }

    /**
     * As {@link #inProcess(Scenario, Strategy)}, with a look at the machine once booted (to plug
     * the scenario's vfio-user devices).
     *
     * @param scenario the scenario
     * @param strategy the design
     * @param onBoot called once with the booted machine, on this thread
     * @return the target
     */
    static BenchTarget inProcess(final Scenario scenario, final Strategy strategy,
                                 final Consumer<ScenarioMachine> onBoot) {
        final InterruptDriver m = InterruptDriver.boot(scenario, strategy);
        onBoot.accept(m.machine());
        return new BenchTarget() {
            @Override
            public String describe() {
                return m.device() + " -> " + m.guest();
            }

            @Override
            public String transport() {
                return "in-process machine, trace off";
            }

            @Override
            public String device() {
                return m.device().toString();
            }

            @Override
            public String guest() {
                return m.guest();
            }

            @Override
            public String notDeliveringReason() {
                if (!m.attach().ok()) {
                    return "the attach of " + m.device() + " to " + m.guest() + " failed at " + m.attach().label();
                }
                if (m.attach().intxDisabled()) {
                    return m.device() + " is in " + m.guest() + " without INTx: " + m.attach().label();
                }
                return m.isDelivering() ? null
                    : "the guest driver of " + m.device() + " in " + m.guest() + " got no interrupt to handle it with";
            }

            @Override
            public void idle() {
                m.idle();
            }

            @Override
            public boolean raiseAndWait() {
                return m.raiseAndWait();
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }

    /** How long {@link #devmodel}'s target waits for one interrupt before calling it not handled. */
    long DEVMODEL_TIMEOUT_SECONDS = 10;

    /**
     * The scenario's machine served by a device-model server in this JVM (as {@code irqsim serve}
     * runs it), listening on {@code address}, with the example NIC model ({@code irqsim devmodel})
     * connected over that address and attached to the scenario's first guest at its first free PCI
     * slot from 6 up. Each interrupt: the bench thread asks the model to raise INTx (SET_INTX); the
     * guest's driver reads STATUS and writes ACK, each a forwarded access answered by the model over
     * the socket; the guest EOIs and the server's EOI notice reaches the model, which completes the
     * interrupt. Handled means: the model saw its ACK, its line is down, the EOI notice came.
     *
     * @param scenario the scenario
     * @param strategy the design (the model's INTx does not depend on it; the scenario boots under it)
     * @param address {@code tcp:HOST:PORT} (port 0: a free one) or {@code unix:PATH}
     * @return the target, the model attached
     * @throws IOException if the server cannot listen there or the model cannot attach
     * @throws InterruptedException if interrupted while starting
     */
    static BenchTarget devmodel(final Scenario scenario, final Strategy strategy, final ListenAddress address)
        throws IOException, InterruptedException {
        return devmodel(scenario, strategy, address, machine -> { });
    }

    /**
     * As {@link #devmodel(Scenario, Strategy, ListenAddress)}, with a look at the machine once
     * booted, on the server's thread (to plug the scenario's vfio-user devices).
     *
     * @param scenario the scenario
     * @param strategy the design
     * @param address where the server listens
     * @param onBoot called once with the booted machine, on the server's thread
     * @return the target, the model attached
     * @throws IOException if the server cannot listen there or the model cannot attach
     * @throws InterruptedException if interrupted while starting
     */
    static BenchTarget devmodel(final Scenario scenario, final Strategy strategy, final ListenAddress address,
                                final Consumer<ScenarioMachine> onBoot) throws IOException, InterruptedException {
        final DmLoopback dm = DmLoopback.start(() -> {
            final ScenarioMachine machine = ScenarioMachine.boot(scenario, strategy);
            onBoot.accept(machine);
            return machine;
        }, address, null, 0, DmServerConfig.DEFAULT);
        final String function = String.format(Locale.ROOT, "00:%02x.0", dm.slot());
        return new BenchTarget() {
            @Override
            public String describe() {
                return "the example device model's " + function + " -> " + dm.domain();
            }

            @Override
            public String transport() {
                return "device model over " + dm.address() + " (example NIC model, dm-net)";
            }

            @Override
            public String device() {
                return function;
            }

            @Override
            public String guest() {
                return dm.domain();
            }

            @Override
            public String timing() {
                return "from asking the model to raise INTx until the guest driver\n  has read STATUS and written ACK"
                    + " through the socket and the EOI notice is back at the model";
            }

            @Override
            public String notDeliveringReason() {
                return raiseAndWait() ? null : "the guest driver of the model's " + function + " in " + dm.domain()
                    + " did not handle its interrupt within " + DEVMODEL_TIMEOUT_SECONDS + " s";
            }

            @Override
            public boolean raiseAndWait() {
                final ExampleNicModel m = dm.model();
                try {
                    // the counters are read on the model's thread as the EOI notice completes the interrupt
                    final ExampleNicModel.Stats st = m.fireSequence(1).thenCompose(ns -> m.stats())
                        .get(DEVMODEL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return st.acked() == st.raised() && st.eois() == st.raised() && !st.pending();
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } catch (final ExecutionException | TimeoutException e) {
                    return false;
                }
            }

            @Override
            public void close() {
                dm.close();
            }
        };
    }
}
