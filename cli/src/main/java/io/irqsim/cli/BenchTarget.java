package io.irqsim.cli;

import io.irqsim.guest.run.InterruptDriver;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;

/**
 * What {@code irqsim bench} drives: something that raises one interrupt at a time and reports
 * whether the guest's driver handled it. {@link #inProcess} is the scenario's machine in this JVM
 * (the default). A device model attached over the device-model socket is the other kind of target
 * the command is shaped for: an implementation that raises INTx through the protocol and returns
 * when the guest has acknowledged the device plugs in here, behind a {@code --devmodel ADDRESS}
 * option, without changing the measurement loop.
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

    /** @return {@code null} if interrupts can be delivered, else why not (one sentence) */
    String notDeliveringReason();

    /**
     * Raises one interrupt and returns once the machine is idle again.
     *
     * @return whether the guest's driver handled it
     */
    boolean raiseAndWait();

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
        final InterruptDriver m = InterruptDriver.boot(scenario, strategy);
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
                return m.isDelivering() ? null
                    : "the guest driver of " + m.device() + " in " + m.guest() + " got no interrupt to handle it with";
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
}
