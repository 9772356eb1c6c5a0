package io.irqsim.cli;

import io.irqsim.guest.run.RunResult;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

/**
 * {@code irqsim run}: boots the scenario, attaches its devices, drives its interrupts, prints what
 * each layer did and a verdict.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a scenario: boot it, pass its devices through, drive its interrupts, print a verdict.",
        "Boots the scenario (dom0, the toolstack, HVM guests), passes its devices through, drives its interrupt "
            + "traffic, and prints a timeline of what each layer did (with errno values) and a verdict.",
        "Without SCENARIO it runs the built-in default: PVH dom0, the NIC 00:03.0 passed through to one HVM guest, "
            + "100 interrupts. Under the default strategy (status-quo) that reproduces the xen-devel thread's "
            + "failure: XEN_DOMCTL_irq_permission returns -EPERM."},
    footer = {"", "Exit status: 0 when the expectations hold (or, with none, every interrupt reached its guest),",
        "1 when not, 2 on a usage or scenario-file error.", "",
        "Strategies: irqsim strategies. Scenario format: docs/scenarios.md."})
public final class RunCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private ScenarioInput input;

    @Option(names = {"-s", "--strategy"}, paramLabel = "NAME",
        description = "Design to run (default: the scenario's, else status-quo). See 'irqsim strategies'.")
    private String strategy;

    @Option(names = "--trace", paramLabel = "FILE",
        description = {"Write the binary trace of the run to FILE (decode with 'irqsim trace dump FILE'): a new or "
            + "regular file, truncated in place; a directory, device, FIFO or symbolic link is refused. '-' writes "
            + "the trace to standard output after the run, and the report to standard error."})
    private Path trace;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    private boolean json;

    @Option(names = "--no-timeline", negatable = false, description = "Leave the timeline out of the text output.")
    private boolean noTimeline;

    @Override
    public Integer call() {
        final Scenario scenario = input.load();
        final Strategy s = ScenarioInput.strategy(spec, scenario, strategy);
        final boolean traceToStdout = trace != null && "-".equals(trace.toString());
        final RunResult r;
        if (trace == null) {
            r = ScenarioRunner.run(scenario, s);
        } else if (traceToStdout) {
            r = runTracingToStandardOutput(scenario, s);
        } else {
            r = ScenarioRunner.run(scenario, s, clock -> TraceRecorder.mappedFile(trace, clock));
        }
        final PrintWriter out = traceToStdout ? spec.commandLine().getErr() : spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(r));
            out.flush();
        } else {
            RunReport.text(r, !noTimeline, out);
            if (trace != null) {
                out.printf("trace: %d records in %s%n", r.traceRecords(), trace);
                out.flush();
            }
        }
        return r.passed() ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    /**
     * Records into a private temporary file, then copies its header and records (not the chunk
     * padding after them) to standard output and deletes it.
     */
    private static RunResult runTracingToStandardOutput(final Scenario scenario, final Strategy s) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("irqsim-", ".trace");
            final Path file = tmp;
            final RunResult r = ScenarioRunner.run(scenario, s, clock -> TraceRecorder.mappedFile(file, clock));
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
