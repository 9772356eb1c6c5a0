package io.irqsim.cli;

import io.irqsim.guest.run.DeviceOutcome;
import io.irqsim.guest.run.RunResult;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code irqsim compare}: runs every strategy on one scenario and prints the matrix.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Run every design from the xen-devel thread on one scenario and print the matrix.",
        "For each design: whether attach succeeds (or which call fails, with its errno), interrupts fired and "
            + "delivered, the GSI's trigger/polarity as programmed vs. as ACPI says, whether the GSI is also bound to "
            + "dom0, interrupts nobody handled, and whether the design needs an interface that did not exist at "
            + "the time of the thread. Without SCENARIO: the built-in default scenario."},
    footer = {"", "Exit status: 0, or 2 on a usage or scenario-file error. See docs/strategies.md."})
public final class CompareCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private ScenarioInput input;

    @Option(names = "--json", description = "Print the matrix as JSON: {\"scenario\": ..., \"results\": [...]}.")
    private boolean json;

    @Override
    public Integer call() {
        final Scenario scenario = input.load();
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final Strategy s : Strategies.all()) {
            rows.add(row(ScenarioRunner.run(scenario, s)));
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (json) {
            final Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("scenario", scenario.name());
            doc.put("results", rows);
            out.println(Json.write(doc));
        } else {
            table(scenario, rows, out);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /**
     * One row of the matrix, the JSON shape of {@code results[]}.
     *
     * @param r a run
     * @return the row
     */
    static Map<String, Object> row(final RunResult r) {
        final DeviceOutcome d = r.devices().isEmpty() ? null : r.devices().get(0);
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", r.strategy());
        m.put("attach", r.attach());
        m.put("fired", r.fired());
        m.put("delivered", r.delivered());
        m.put("physicalTrigger", d == null ? "unset" : d.physicalTrigger());
        m.put("physicalPolarity", d == null ? "unset" : d.physicalPolarity());
        m.put("firmwareTrigger", d == null ? "unset" : d.firmwareTrigger());
        m.put("firmwarePolarity", d == null ? "unset" : d.firmwarePolarity());
        m.put("boundToDom0", d != null && d.boundToDom0());
        m.put("spurious", r.spurious());
        m.put("newInterface", r.newInterface());
        return m;
    }

    private static void table(final Scenario scenario, final List<Map<String, Object>> rows, final PrintWriter out) {
        out.printf("irqsim compare: scenario %s%n%n", scenario.name());
        final String fmt = "%-24s %-24s %5s %9s  %-11s %-11s %-6s %8s %-4s%n";
        out.printf(fmt, "strategy", "attach", "fired", "delivered", "programmed", "firmware", "dom0", "spurious", "new");
        for (final Map<String, Object> m : rows) {
            out.printf(fmt, m.get("strategy"), m.get("attach"), m.get("fired"), m.get("delivered"),
                m.get("physicalTrigger") + "/" + m.get("physicalPolarity"),
                m.get("firmwareTrigger") + "/" + m.get("firmwarePolarity"),
                Boolean.TRUE.equals(m.get("boundToDom0")) ? "bound" : "-", m.get("spurious"),
                Boolean.TRUE.equals(m.get("newInterface")) ? "yes" : "no");
        }
        out.println();
        out.println("programmed: the passed-through GSI's trigger/polarity as finally programmed in the physical IO-APIC;");
        out.println("dom0: the GSI is also bound to dom0; new: needs a hypercall or ioctl that did not exist in Dec 2023.");
    }
}
