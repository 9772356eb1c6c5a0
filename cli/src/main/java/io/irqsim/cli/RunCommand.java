package io.irqsim.cli;

import io.irqsim.guest.run.RunResult;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.hv.trace.TraceRecorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
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
        description = "Write the binary trace of the run to FILE (decode with 'irqsim trace dump FILE').")
    private Path trace;

    @Option(names = "--json", description = "Print the result as JSON instead of text.")
    private boolean json;

    @Option(names = "--no-timeline", negatable = false, description = "Leave the timeline out of the text output.")
    private boolean noTimeline;

    @Override
    public Integer call() {
        final Scenario scenario = input.load();
        final Strategy s = ScenarioInput.strategy(spec, scenario, strategy);
        final RunResult r = trace == null ? ScenarioRunner.run(scenario, s)
            : ScenarioRunner.run(scenario, s, clock -> TraceRecorder.mappedFile(trace, clock));
        final PrintWriter out = spec.commandLine().getOut();
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
}
