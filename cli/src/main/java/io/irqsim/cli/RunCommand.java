package io.irqsim.cli;

import io.irqsim.guest.run.RunResult;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioException;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.hv.debug.StateDump;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.firmware.acpi.AcpiInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@code irqsim run}: boots the scenario, attaches its devices, drives its interrupts, prints what
 * each layer did and a verdict. Given several scenario files it runs each and prints one
 * PASS/FAIL line per file and a summary ({@link RunBatch}).
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a scenario: boot it, pass its devices through, drive its interrupts, print a verdict.",
        "Boots the scenario (dom0, the toolstack, HVM guests), passes its devices through, drives its interrupt "
            + "traffic, and prints a timeline of what each layer did (with errno values) and a verdict. A long run "
            + "holds bounded memory: a timeline past 2,500 lines keeps its first 2,000 and last 500 (the counts stay "
            + "exact); --trace FILE keeps every event.",
        "Without SCENARIO it runs the built-in default: PVH dom0, the NIC 00:03.0 passed through to one HVM guest, "
            + "100 interrupts. Under the default strategy (status-quo) that reproduces the xen-devel thread's "
            + "failure: XEN_DOMCTL_irq_permission returns -EPERM.",
        "With several SCENARIO files it runs each and prints one PASS/FAIL line per file and a summary, "
            + "like kvm-unit-tests' run_tests.sh; --junit-xml writes the same as JUnit XML for CI."},
    footer = {"", "A scenario's vfio-user devices (guests[].vfioUser) are plugged at boot and their interrupts waited for"
        + " after the traffic; they are part of the verdict (docs/vfio-user.md).", "",
        "Exit status: 0 when the expectations hold (or, with none, every interrupt reached its guest) and every "
        + "vfio-user device delivered, 1 when not (for several files: when any failed), 2 on a usage or "
        + "scenario-file error.", "",
        "Strategies: irqsim strategies. Scenario format: docs/scenarios.md. State dumps: docs/state.md."})
public final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "SCENARIO",
        description = "Scenario file(s) (YAML, see docs/scenarios.md). Default: the built-in default scenario.")
    private List<Path> files = new ArrayList<>();

    @Option(names = {"-s", "--strategy"}, paramLabel = "NAME",
        description = "Design to run (default: the scenario's, else status-quo). See 'irqsim strategies'.")
    private String strategy;

    @Option(names = "--firmware", paramLabel = "DUMP", description = ScenarioInput.FIRMWARE_HELP)
    private Path firmware;

    @Option(names = "--trace", paramLabel = "FILE",
        description = {"Write the binary trace of the run, every event, to FILE (decode with 'irqsim trace dump FILE'): a new or "
            + "regular file, truncated in place, its missing directories created; a directory, device, FIFO or symbolic "
            + "link is refused. '-' writes "
            + "the trace to standard output after the run, and the report to standard error."})
    private Path trace;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    private boolean json;

    @Option(names = "--no-timeline", negatable = false, description = "Leave the timeline out of the text output.")
    private boolean noTimeline;

    @Option(names = "--dump-state", description = "After the run, print the interrupt state: IO-APIC entries, LAPICs, "
        + "Xen's IRQ descriptors, each domain's vIO-APIC, vLAPICs, pirqs and passthrough bindings (docs/state.md).")
    private boolean dumpState;

    @Option(names = "--dump-state-at", paramLabel = "NS",
        description = "Print the same state as it was when virtual time reached NS nanoseconds (repeatable).")
    private List<Long> dumpStateAt = new ArrayList<>();

    @Option(names = "--junit-xml", paramLabel = "FILE",
        description = "Also write the verdicts as JUnit XML to FILE: one testcase per scenario file.")
    private Path junitXml;

    @Override
    public Integer call() {
        if (junitXml != null) {
            // checked before the runs, which may take long, rather than when the report is written
            final Path parent = junitXml.toAbsolutePath().getParent();
            if (java.nio.file.Files.isDirectory(junitXml)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--junit-xml " + junitXml + " is a directory");
            }
            if (parent != null && !java.nio.file.Files.isDirectory(parent)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--junit-xml " + junitXml + ": no directory "
                    + parent);
            }
        }
        if (files.size() > 1 || junitXml != null) {
            if (files.size() > 1 && (json || trace != null || dumpState || !dumpStateAt.isEmpty())) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "--json, --trace and --dump-state take one scenario; with several, each gets a PASS/FAIL line");
            }
            if (files.size() > 1) {
                return RunBatch.run(files, strategy, firmware, junitXml, spec);
            }
        }
        if ((dumpState || !dumpStateAt.isEmpty()) && json) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dump-state prints text; leave out --json");
        }
        for (final long ns : dumpStateAt) {
            if (ns < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dump-state-at: negative time " + ns);
            }
        }
        final ScenarioInput input = ScenarioInput.of(files.isEmpty() ? null : files.get(0), firmware);
        final Scenario scenario;
        try {
            scenario = input.load(spec.commandLine().getErr());
        } catch (final ScenarioException | AcpiInputException e) {
            if (junitXml != null) {
                // CI reads the XML: a file that cannot be loaded is an error testcase there too, as with several
                JunitXml.write(junitXml, List.of(RunBatch.Outcome.error(files.isEmpty() ? "default scenario"
                    : files.get(0).toString(), e.getMessage())));
            }
            throw e;
        }
        final Strategy s = ScenarioInput.strategy(spec, scenario, strategy);
        final RunVfioUser vfioUser;
        try {
            vfioUser = RunVfioUser.connect(scenario);
        } catch (final IOException e) {
            return StderrLine.failed(spec.commandLine().getErr(), "irqsim run", e.getMessage());
        }
        try (vfioUser) {
            return run(scenario, s, vfioUser);
        }
    }

    private int run(final Scenario scenario, final Strategy s, final RunVfioUser vfioUser) {
        final boolean traceToStdout = trace != null && "-".equals(trace.toString());
        final long started = System.nanoTime();
        final AtomicReference<ScenarioMachine> machine = new AtomicReference<>();
        final List<String> dumps = new ArrayList<>();
        final Consumer<ScenarioMachine> onBoot = m -> {
            machine.set(m);
            vfioUser.plug(m);
            for (final long ns : dumpStateAt) {
                m.clock().newTimer("dump-state-at", () -> dumps.add(StateDump.of(m.xen()))).armAt(ns);
            }
        };
        final RunResult r = traceToStdout ? runTracingToStandardOutput(scenario, s, onBoot, vfioUser::deliver)
            : ScenarioRunner.run(scenario, s, trace == null ? clock -> TraceRecorder.inMemory(clock, 1 << 16)
                : clock -> TraceRecorder.mappedFile(trace, clock), onBoot, vfioUser::deliver);
        final PrintWriter out = traceToStdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
        final List<VfioUserOutcome> vfio = vfioUser.outcomes();
        if (json) {
            out.println(Json.write(VfioUserOutcome.json(r, vfio)));
            out.flush();
        } else {
            RunReport.text(r, vfio, !noTimeline, out);
            if (trace != null) {
                out.printf("trace: %d records in %s%n", r.traceRecords(), trace);
            }
            for (final String d : dumps) {
                out.println();
                out.print(d);
            }
            if (dumps.size() < dumpStateAt.size()) {
                out.printf("%nno state dump for --dump-state-at beyond the run's end (%d ns)%n",
                    machine.get().clock().now());
            }
            if (dumpState) {
                out.println();
                out.print(StateDump.of(machine.get().xen()));
            }
            out.flush();
        }
        if (junitXml != null) {
            final String name = files.isEmpty() ? "default scenario" : files.get(0).toString();
            JunitXml.write(junitXml, List.of(RunBatch.Outcome.of(name, r, vfio, (System.nanoTime() - started) / 1e9)));
        }
        if (!vfioUser.failures().isEmpty()) {
            // also on standard error, where a script looks for why a run failed (and with --json)
            for (final String f : vfioUser.failures()) {
                StderrLine.say(spec.commandLine().getErr(), "irqsim run", f);
            }
        }
        return VfioUserOutcome.passed(r, vfio) ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    /**
     * Records into a private temporary file, then copies its header and records (not the chunk
     * padding after them) to standard output and deletes it.
     */
    private static RunResult runTracingToStandardOutput(final Scenario scenario, final Strategy s,
                                                        final Consumer<ScenarioMachine> onBoot,
                                                        final Consumer<ScenarioMachine> afterTraffic) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("irqsim-", ".trace");
            final Path file = tmp;
            final RunResult r = ScenarioRunner.run(scenario, s, clock -> TraceRecorder.mappedFile(file, clock), onBoot,
                afterTraffic);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ)) {
                final long length = TraceFormat.recordOffset(r.traceRecords());
                final WritableByteChannel stdout = Channels.newChannel(System.out);
                for (long at = 0; at < length; ) {
                    at += ch.transferTo(at, length - at, stdout);
                }
                System.out.flush();
            }
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trace to standard output: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }
}
