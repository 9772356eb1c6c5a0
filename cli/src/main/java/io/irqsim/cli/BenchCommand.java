package io.irqsim.cli;

import io.irqsim.dm.ListenAddress;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code irqsim bench}: end-to-end interrupt-delivery latency. Boots the scenario, attaches its
 * devices, then has the first passed-through device raise N interrupts one after another; each
 * is timed with {@link System#nanoTime()} from the raise until the guest's driver has handled it
 * (read the status through the BAR, acknowledged the device, EOI'd its vLAPIC, and Xen forwarded
 * the EOI to the physical IO-APIC) and recorded in an HdrHistogram (1 ns .. 1 s, 3 significant
 * digits). Prints p50/p90/p99/p99.9/max, mean and count, as text or JSON.
 *
 * <p>With {@code --devmodel ADDRESS} the interrupts come from a device model across a socket
 * instead ({@link BenchTarget#devmodel}): the command serves the scenario on ADDRESS, attaches the
 * example NIC model to its first guest over it, and times each interrupt from the bench thread
 * asking the model to raise INTx until the guest's driver has read STATUS and written ACK (two
 * accesses forwarded to the model over the socket) and the EOI notice is back at the model. Both
 * ends run in this JVM, so the result is self-contained and repeatable; to drive a server elsewhere,
 * {@code irqsim devmodel --connect} is the tool (it prints the rate).
 *
 * <p>With {@code --throughput} it times the whole scenario instead ({@link ScenarioThroughput}):
 * simulated interrupts per second and thread-CPU ns per interrupt of a run like {@code irqsim run}'s.
 *
 * <p>Per-operation costs of the paths inside (RTE writes, injection, LAPIC EOI, MMIO dispatch)
 * are measured by the JMH benchmarks in {@code benchmarks/}; this command measures the whole
 * round including the Linux and toolstack models.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measure end-to-end interrupt-delivery latency (HdrHistogram percentiles).",
        "The first passed-through device of the scenario (default: the NIC 00:03.0 of the built-in one) raises N "
            + "interrupts, one at a time, 5 us of virtual time apart (200,000 a second, below what Xen's irq_ratelimit "
            + "lets through); each is timed (wall clock) from the raise until the guest driver has "
            + "handled it and the machine is idle. Prints the latency histogram: HdrHistogram percentiles "
            + "p50/p90/p99/p99.9/max, mean and count, in ns, us, ms or s (with --json: in ns). Progress goes to "
            + "stderr every 10%% when a terminal is "
            + "attached (or with --progress).",
        "With --devmodel ADDRESS the interrupts travel through an attached device model instead: the scenario is "
            + "served as by 'irqsim serve --listen ADDRESS', the example NIC model (as 'irqsim devmodel') connects "
            + "over ADDRESS and attaches to the scenario's first guest, and each interrupt is timed from asking the "
            + "model to raise INTx until the guest driver has read STATUS and written ACK through the socket and the "
            + "EOI notice is back at the model. Server and model both run in this process.",
        "With --throughput it measures the whole scenario instead of one interrupt at a time: the scenario runs as "
            + "'irqsim run' runs it, its traffic scaled to N interrupts, after a warm-up run of --warmup interrupts; "
            + "it prints simulated interrupts per second (wall clock, boot to verdict) and the thread's CPU time per "
            + "interrupt.",
        "A scenario's vfio-user devices (guests[].vfioUser) are plugged into every machine the command boots, a "
            + "connection each; their interrupts are not driven or timed, since their server paces them "
            + "(docs/vfio-user.md)."},
    footer = {"", "Exit status: 0 ok, 1 the strategy does not deliver the device's interrupts (with --throughput: "
        + "none of the run's; with --devmodel: the server cannot listen at ADDRESS, or the model's interrupts are not "
        + "handled), 2 usage or scenario-file error (in the latency mode without --devmodel: a scenario that passes "
        + "no device through, one with only vfio-user devices too)."})
public final class BenchCommand implements Callable<Integer> {

    /** Highest latency the histogram tracks: 1 s. */
    static final long HIGHEST_NS = 1_000_000_000L;
    /**
     * What {@code bench} runs in place of a scenario's {@value Scenario#DEFAULT_STRATEGY}: the design
     * upstream took, which delivers. status-quo is the failure under study; it has nothing to time.
     */
    static final String DEFAULT_STRATEGY = "pciback-setup-gsi";

    /** What this command's lines on standard error start with. */
    private static final String WHO = "irqsim bench";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private ScenarioInput input;

    @Option(names = {"-n", "--interrupts"}, paramLabel = "N", defaultValue = "100000",
        description = "Interrupts to measure (default: ${DEFAULT-VALUE}).")
    private long interrupts;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "10000",
        description = "Interrupts driven first, not measured (the JIT compiles the path meanwhile;"
            + " default: ${DEFAULT-VALUE}).")
    private long warmup;

    @Option(names = {"-s", "--strategy"}, paramLabel = "NAME",
        description = "Design to run (default: the scenario's, except that status-quo, which fails to attach and"
            + " so has nothing to time, becomes " + DEFAULT_STRATEGY + "). See 'irqsim strategies'.")
    private String strategy;

    @Option(names = "--devmodel", paramLabel = "ADDRESS", converter = ListenAddressConverter.class,
        description = {"Measure through a device model attached over a socket: tcp:HOST:PORT (port 0 picks a free "
            + "one, e.g. tcp:127.0.0.1:0), tcp::PORT (loopback) or unix:PATH (needs Netty's epoll transport; the "
            + "socket file is removed afterwards)."})
    private ListenAddress devmodel;

    @Option(names = "--throughput",
        description = {"Measure whole-scenario throughput instead: run the scenario as 'irqsim run' does (boot, attach, "
            + "its traffic with the counts scaled to N interrupts in all, trace and timeline) after a warm-up run of "
            + "--warmup interrupts, and print simulated interrupts per second and the run thread's CPU time per "
            + "interrupt."})
    private boolean throughput;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    private boolean json;

    @Option(names = "--progress", negatable = true,
        description = "Progress on stderr every 10%% (default: when not --json and a terminal is attached).")
    private Boolean progress;

    @Override
    public Integer call() {
        if (interrupts < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interrupts must be at least 1");
        }
        if (warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup must not be negative");
        }
        if (throughput && devmodel != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--throughput runs the scenario in this process; leave out --devmodel");
        }
        if (throughput && interrupts > Integer.MAX_VALUE) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                "--throughput: at most " + Integer.MAX_VALUE + " interrupts (a scenario's traffic count)");
        }
        final ListenAddress address = devmodel;
        final Scenario scenario = input.load(spec.commandLine().getErr());
        final Strategy s = ScenarioInput.strategy(spec, scenario, strategy != null ? strategy
            : Scenario.DEFAULT_STRATEGY.equals(scenario.strategy()) ? DEFAULT_STRATEGY : null);
        final PrintWriter err = spec.commandLine().getErr();
        if (throughput) {
            return throughput(scenario, s, err);
        }
        if (address == null && !scenario.passesThroughAny()) {
            // InterruptDriver raises interrupts from the first passed-through device; a vfio-user
            // device's are paced by its server, and a model attached with --devmodel brings its own
            throw new CommandLine.ParameterException(spec.commandLine(), "scenario " + scenario.name()
                + " passes no device through to a guest: no interrupt for bench to raise (--devmodel attaches a"
                + " model that raises them; --throughput times the scenario's traffic)");
        }
        // guests[].vfioUser: plugged at boot (the guest has them, their BAR accesses at probe are
        // forwarded), their interrupts not driven: the server paces them in wall-clock time
        final RunVfioUser vfio;
        try {
            vfio = RunVfioUser.connect(scenario);
        } catch (final IOException e) {
            return StderrLine.failed(err, WHO, e.getMessage());
        }
        try (vfio) {
            return measure(scenario, s, address, vfio, err);
        }
    }

    private int measure(final Scenario scenario, final Strategy s, final ListenAddress address, final RunVfioUser vfio,
                        final PrintWriter err) {
        final BenchTarget opened;
        if (address == null) {
            opened = BenchTarget.inProcess(scenario, s, vfio::plug);
        } else {
            try {
                opened = BenchTarget.devmodel(scenario, s, address, vfio::plug);
            } catch (final IOException | IllegalStateException e) {
                return StderrLine.failed(err, WHO, "no device model to measure through at " + devmodel + ": "
                    + e.getMessage());
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.EXIT_FAILED;
            }
        }
        try (BenchTarget target = opened) {
            if (!vfioPlugged(vfio, err)) {
                return Main.EXIT_FAILED;
            }
            final String reason = target.notDeliveringReason();
            if (reason != null) {
                return StderrLine.failed(err, WHO, address != null ? reason + ". Nothing to measure."
                    : String.format(Locale.ROOT, "strategy %s does not deliver interrupts here: %s. Nothing to measure",
                        s.name(), reason) + tryDefault(s));
            }
            for (long i = 0; i < warmup; i++) {
                target.idle();
                if (!target.raiseAndWait()) {
                    return notHandled(err, s, target, i + 1, "warm-up");
                }
            }
            final Histogram h = new Histogram(HIGHEST_NS, 3);
            final Progress p = new Progress(err, interrupts, showProgress());
            long clamped = 0;
            for (long i = 0; i < interrupts; i++) {
                target.idle(); // virtual time between interrupts, outside the timed window
                final long start = System.nanoTime();
                final boolean handled = target.raiseAndWait();
                final long ns = System.nanoTime() - start;
                if (!handled) {
                    p.abandon();
                    return notHandled(err, s, target, i + 1, "measurement");
                }
                if (ns > HIGHEST_NS) {
                    clamped++;
                }
                h.recordValue(Math.max(1, Math.min(ns, HIGHEST_NS)));
                p.done(i + 1);
            }
            final BenchResult r = BenchResult.of(scenario.name(), s.name(), target, warmup, h, clamped);
            final PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.write(r));
                out.flush();
            } else {
                r.text(out, target.timing());
            }
        }
        return Main.EXIT_OK;
    }

    /**
     * Says on standard error which vfio-user devices are plugged (and that bench does not drive
     * them), or why one could not be.
     *
     * @return whether every device plugged
     */
    static boolean vfioPlugged(final RunVfioUser vfio, final PrintWriter err) {
        for (final String line : vfio.plugged()) {
            StderrLine.say(err, WHO, line + " (its interrupts are not driven: the server paces them)");
        }
        for (final String f : vfio.failures()) {
            StderrLine.say(err, WHO, f);
        }
        return vfio.failures().isEmpty();
    }

    private int throughput(final Scenario scenario, final Strategy s, final PrintWriter err) {
        final ScenarioThroughput r;
        try {
            r = ScenarioThroughput.measure(scenario, s, interrupts, Math.min(warmup, Integer.MAX_VALUE), err);
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--throughput: " + e.getMessage());
        } catch (final IOException e) {
            return StderrLine.failed(err, WHO, e.getMessage());
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(r));
            out.flush();
        } else {
            r.text(out);
        }
        if (r.delivered() == 0) {
            // the figures are printed all the same, but a run that delivers nothing is not the
            // delivery bench measures: the exit status says so, as in the latency mode
            final String what = String.format(Locale.ROOT, "strategy %s delivered none of the %d interrupts to a"
                + " driver", s.name(), r.interrupts());
            return StderrLine.failed(err, WHO, what + tryDefault(s));
        }
        return Main.EXIT_OK;
    }

    private boolean showProgress() {
        return progress != null ? progress : !json && System.console() != null;
    }

    private int notHandled(final PrintWriter err, final Strategy s, final BenchTarget target, final long n,
                           final String phase) {
        final String what = String.format(Locale.ROOT, "interrupt %d of the %s from %s was not handled by the guest"
            + " driver", n, phase, target.describe());
        if (devmodel != null) {
            return StderrLine.failed(err, WHO, what + " (over " + target.transport() + ").");
        }
        final long handledBefore = n - 1 + ("measurement".equals(phase) ? warmup : 0);
        final String after = handledBefore > 0 ? String.format(Locale.ROOT, " after it had handled %d", handledBefore)
            : "";
        return StderrLine.failed(err, WHO, String.format(Locale.ROOT, "%s under strategy %s%s: it does not deliver here",
            what, s.name(), after) + tryDefault(s));
    }

    /**
     * @param s the strategy that did not deliver
     * @return the end of the sentence: the default strategy suggested, unless it is the one in use
     */
    static String tryDefault(final Strategy s) {
        return DEFAULT_STRATEGY.equals(s.name()) ? "."
            : "; try --strategy " + DEFAULT_STRATEGY + " (see 'irqsim strategies').";
    }

    /** A percentage line on stderr, updated every 10% (never per interrupt), outside the timed region. */
    static final class Progress {
        private final PrintWriter err;
        private final long total;
        private final boolean on;
        private final boolean overwrite;
        private long nextMark;
        private int percent;

        Progress(final PrintWriter err, final long total, final boolean on) {
            this.err = err;
            this.total = total;
            this.on = on;
            this.overwrite = System.console() != null;
            this.nextMark = mark(10);
            this.percent = 10;
        }

        private long mark(final int pct) {
            return Math.max(1, total * pct / 100);
        }

        void done(final long n) {
            if (!on || n < nextMark) {
                return;
            }
            while (percent <= 100 && n >= mark(percent)) {
                percent += 10;
            }
            final int shown = percent - 10;
            err.printf(Locale.ROOT, "%sbench: %3d%% (%d/%d)%s", overwrite ? "\r" : "", shown, n, total,
                overwrite && shown < 100 ? "" : System.lineSeparator());
            err.flush();
            nextMark = percent <= 100 ? mark(percent) : Long.MAX_VALUE;
        }

        void abandon() {
            if (on && overwrite && percent > 10) {
                err.println();
                err.flush();
            }
        }
    }
}
