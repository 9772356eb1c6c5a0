package io.irqsim.cli;

import io.irqsim.guest.run.RunResult;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;

import io.irqsim.hv.trace.TraceRecorder;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code irqsim bench --throughput}: whole-scenario throughput. Runs the scenario as
 * {@code irqsim run} does (boot, attach, the traffic, the trace recorded in memory and read as the
 * run goes, the timeline rendered, the expectations checked) with its traffic scaled to N
 * interrupts, and reports simulated interrupts per second of wall-clock time and the run thread's
 * CPU time per interrupt. A warm-up run of the same scenario comes first, unmeasured, so the JIT
 * has compiled the path. Serialised as JSON with these field names.
 *
 * @param scenario scenario name
 * @param strategy strategy name
 * @param warmup interrupts of the warm-up run
 * @param interrupts interrupts the measured run raised (passed-through devices and dom0's own)
 * @param delivered of those, handled by a driver (the guests' and dom0's)
 * @param wallNs wall-clock time of the measured run, boot to verdict
 * @param threadCpuNs CPU time of the thread that ran it ({@code -1} if the JVM cannot tell)
 * @param interruptsPerSecond {@code interrupts} per second of {@code wallNs}
 * @param cpuNsPerInterrupt {@code threadCpuNs / interrupts} ({@code -1} if unknown)
 */
record ScenarioThroughput(String scenario, String strategy, long warmup, long interrupts, long delivered, long wallNs,
                          long threadCpuNs, long interruptsPerSecond, long cpuNsPerInterrupt) {

    /**
     * @param scenario a scenario with traffic
     * @param total interrupts wanted
     * @return the scenario with each traffic entry's count scaled so that they add up to {@code total}
     *     (in the same proportions, the remainder on the first entry), intervals unchanged
     * @throws IllegalArgumentException if the scenario has no traffic
     */
    static Scenario scaled(final Scenario scenario, final long total) {
        long sum = 0;
        for (final Scenario.TrafficSpec t : scenario.traffic()) {
            sum += t.count();
        }
        if (sum == 0) {
            throw new IllegalArgumentException("scenario " + scenario.name() + " has no traffic to time");
        }
        final List<Scenario.TrafficSpec> out = new ArrayList<>();
        long given = 0;
        for (final Scenario.TrafficSpec t : scenario.traffic()) {
            final long n = (long) Math.floor((double) total * t.count() / sum);
            out.add(new Scenario.TrafficSpec(t.device(), (int) n, t.intervalNs()));
            given += n;
        }
        final Scenario.TrafficSpec first = out.get(0);
        out.set(0, new Scenario.TrafficSpec(first.device(), (int) (first.count() + total - given), first.intervalNs()));
        return new Scenario(scenario.name(), scenario.description(), scenario.platform(), scenario.dom0(),
            scenario.guests(), scenario.strategy(), out, scenario.expect());
    }

    /**
     * Runs the warm-up, then the measured run.
     *
     * @param scenario the scenario (its traffic is scaled)
     * @param strategy the design
     * @param interrupts interrupts of the measured run, at most {@link Integer#MAX_VALUE}
     * @param warmup interrupts of the warm-up run (0: none)
     * @return the figures
     */
    static ScenarioThroughput measure(final Scenario scenario, final Strategy strategy, final long interrupts,
                                      final long warmup) {
        try {
            return measure(scenario, strategy, interrupts, warmup, new PrintWriter(java.io.Writer.nullWriter()));
        } catch (final IOException e) {
            throw new IllegalStateException("a scenario without vfio-user devices connects nothing", e);
        }
    }

    /**
     * As {@link #measure(Scenario, Strategy, long, long)}; a scenario's vfio-user devices
     * ({@code guests[].vfioUser}) are plugged at boot in each run, a fresh connection each, their
     * interrupts not driven (the server would pace them in wall-clock time, inside the timed run).
     *
     * @param scenario the scenario (its traffic is scaled)
     * @param strategy the design
     * @param interrupts interrupts of the measured run
     * @param warmup interrupts of the warm-up run (0: none)
     * @param err told which vfio-user devices were plugged
     * @return the figures
     * @throws IOException if a vfio-user server cannot be reached or its device plugged
     */
    static ScenarioThroughput measure(final Scenario scenario, final Strategy strategy, final long interrupts,
                                      final long warmup, final PrintWriter err) throws IOException {
        if (warmup > 0) {
            run(scaled(scenario, warmup), strategy, new PrintWriter(java.io.Writer.nullWriter()));
        }
        final Scenario s = scaled(scenario, interrupts);
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        final long cpu0 = cpu ? threads.getCurrentThreadCpuTime() : 0;
        final long t0 = System.nanoTime();
        final RunResult r = run(s, strategy, err);
        final long wall = System.nanoTime() - t0;
        final long cpuNs = cpu ? threads.getCurrentThreadCpuTime() - cpu0 : -1;
        final long n = r.fired() + r.dom0Fired();
        return new ScenarioThroughput(scenario.name(), strategy.name(), warmup, n, r.delivered() + r.dom0Handled(),
            wall, cpuNs, wall == 0 ? 0 : Math.round(n * 1e9 / wall), cpuNs < 0 || n == 0 ? -1 : cpuNs / n);
    }

    private static RunResult run(final Scenario s, final Strategy strategy, final PrintWriter err) throws IOException {
        if (!RunVfioUser.has(s)) {
            return ScenarioRunner.run(s, strategy);
        }
        try (RunVfioUser vfio = RunVfioUser.connect(s)) {
            final RunResult r = ScenarioRunner.run(s, strategy, clock -> TraceRecorder.inMemory(clock, 1 << 16),
                vfio::plug);
            if (!BenchCommand.vfioPlugged(vfio, err)) {
                throw new IOException("a vfio-user device could not be plugged: " + String.join("; ", vfio.failures()));
            }
            return r;
        }
    }

    /**
     * Prints the figures for people.
     *
     * @param out where
     */
    void text(final PrintWriter out) {
        out.printf(Locale.ROOT, "irqsim bench --throughput: scenario %s, strategy %s%n", scenario, strategy);
        out.printf(Locale.ROOT, "  the whole scenario as 'irqsim run' runs it (boot, attach, traffic, trace read as it "
            + "goes, timeline), after a %d-interrupt warm-up run%n%n", warmup);
        out.printf(Locale.ROOT, "  %-18s %,d (%,d handled by a driver)%n", "interrupts", interrupts, delivered);
        out.printf(Locale.ROOT, "  %-18s %s%n", "wall time", BenchResult.duration(wallNs));
        out.printf(Locale.ROOT, "  %-18s %,d simulated interrupts/s%n", "throughput", interruptsPerSecond);
        if (cpuNsPerInterrupt >= 0) {
            out.printf(Locale.ROOT, "  %-18s %s per interrupt (%s in all)%n", "thread CPU",
                BenchResult.duration(cpuNsPerInterrupt), BenchResult.duration(threadCpuNs));
        }
        out.flush();
    }
}
