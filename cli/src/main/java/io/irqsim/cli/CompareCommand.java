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

import io.irqsim.hv.trace.TraceRecorder;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code irqsim compare}: runs every strategy on one scenario and prints the matrix, one row per
 * strategy and passed-through device.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Run every design from the xen-devel thread on one scenario and print the matrix.",
        "One row per design and passed-through device: whether attach succeeds (which call fails, with its errno, "
            + "or 'attached, INTx disabled by QEMU (...)' when the device model's own map_pirq or bind_pt_irq failed), "
            + "interrupts fired and delivered, raises coalesced and physical EOIs Xen forced after its 1 ms timeout "
            + "(throttled delivery), the mean and maximum latency in virtual time, the GSI's trigger/polarity as "
            + "programmed vs. as ACPI says, whether the GSI is also bound to dom0, interrupts nobody handled, whether "
            + "the design needs an interface that did not exist at the time of the thread, and, on the rows of the "
            + "scenario's own strategy, whether its expect: section held. Without SCENARIO: the built-in default "
            + "scenario."},
    footer = {"", "A scenario's vfio-user devices (guests[].vfioUser) are plugged under every design, a fresh connection to"
        + " their server each time, and get a table of their own (docs/vfio-user.md).", "",
        "Exit status: 0, 1 when the scenario has expectations and they fail under its own strategy, or a vfio-user"
        + " server cannot be reached for a design, 2 on a usage or scenario-file error. See docs/strategies.md."})
public final class CompareCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private ScenarioInput input;

    @Option(names = "--json", description = "Print the matrix as JSON: {\"scenario\": ..., \"expectStrategy\": ..., "
        + "\"expectationsHeld\": ..., \"results\": [one object per strategy and device]}.")
    private boolean json;

    @Override
    public Integer call() {
        final Scenario scenario = input.load(spec.commandLine().getErr());
        if (!scenario.passesThroughAny() && !RunVfioUser.has(scenario)) {
            // every design would give the same empty row set: an empty matrix and its legend said nothing
            throw new CommandLine.ParameterException(spec.commandLine(), "scenario " + scenario.name()
                + " passes no device through to a guest and plugs no vfio-user device: the designs have nothing to"
                + " differ on");
        }
        final String own = expectStrategy(scenario);
        final List<Map<String, Object>> rows = new ArrayList<>();
        final List<Map<String, Object>> vfioRows = new ArrayList<>();
        Boolean held = null;
        for (final Strategy s : Strategies.all()) {
            final RunResult r;
            final List<VfioUserOutcome> vfio;
            // a fresh connection to each vfio-user server per design (docs/vfio-user.md)
            final RunVfioUser servers;
            try {
                servers = RunVfioUser.connect(scenario);
            } catch (final IOException e) {
                return StderrLine.failed(spec.commandLine().getErr(), "irqsim compare", "design " + s.name() + ": "
                    + e.getMessage() + " (compare connects to each vfio-user server once per design, "
                    + Strategies.all().size() + " in all: a server that serves one client and exits, as libvfio-user's"
                    + " sample does, cannot be compared)");
            }
            try (servers) {
                r = ScenarioRunner.run(scenario, s, clock -> TraceRecorder.inMemory(clock, 1 << 16), servers::plug,
                    servers::deliver);
                vfio = servers.outcomes();
            }
            final boolean checked = s.name().equals(own) && !r.checks().isEmpty();
            if (checked) {
                held = r.passed();
            }
            rows.addAll(rows(r, checked));
            vfioRows.addAll(CompareVfioUser.rows(s.name(), vfio));
        }
        final PrintWriter out = spec.commandLine().getOut();
        if (json) {
            final Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("scenario", scenario.name());
            doc.put("expectStrategy", held == null ? null : own);
            doc.put("expectationsHeld", held);
            doc.put("results", rows);
            if (RunVfioUser.has(scenario)) {
                doc.put("vfioUser", vfioRows);
            }
            out.println(Json.write(doc));
        } else {
            table(scenario, rows, own, held, out);
            CompareVfioUser.table(vfioRows, out);
        }
        out.flush();
        return Boolean.FALSE.equals(held) ? Main.EXIT_FAILED : Main.EXIT_OK;
    }

    /** The strategy a scenario's {@code expect:} section is written for: its own, else the run default. */
    private static String expectStrategy(final Scenario scenario) {
        return scenario.strategy() != null ? scenario.strategy() : "status-quo";
    }

    /**
     * The rows of one run, the JSON shape of {@code results[]}: one per passed-through device.
     *
     * @param r a run
     * @param checked whether this is the run the scenario's expectations are checked against
     * @return the rows
     */
    static List<Map<String, Object>> rows(final RunResult r, final boolean checked) {
        final List<Map<String, Object>> out = new ArrayList<>();
        for (final DeviceOutcome d : r.devices()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("strategy", r.strategy());
            m.put("device", d.device());
            m.put("guest", d.guest());
            m.put("attach", d.attach());
            m.put("intxDisabled", d.intxDisabled());
            m.put("fired", d.fired());
            m.put("delivered", d.delivered());
            m.put("coalesced", d.coalesced());
            m.put("forcedEois", d.forcedEois());
            m.put("meanLatencyNs", d.meanLatencyNs());
            m.put("maxLatencyNs", d.maxLatencyNs());
            m.put("physicalTrigger", d.physicalTrigger());
            m.put("physicalPolarity", d.physicalPolarity());
            m.put("firmwareTrigger", d.firmwareTrigger());
            m.put("firmwarePolarity", d.firmwarePolarity());
            m.put("boundToDom0", d.boundToDom0());
            m.put("spurious", r.spurious());
            m.put("newInterface", r.newInterface());
            m.put("expect", checked ? (r.passed() ? "held" : "failed") : null);
            out.add(m);
        }
        return out;
    }

    private static void table(final Scenario scenario, final List<Map<String, Object>> rows, final String own,
                              final Boolean held, final PrintWriter out) {
        out.printf("irqsim compare: scenario %s%n%n", scenario.name());
        final String fmt = "%-24s %-8s %-52s %5s %9s %9s %6s %-21s %-11s %-11s %-6s %8s %-4s %s%n";
        out.printf(fmt, "strategy", "device", "attach", "fired", "delivered", "coalesced", "forced", "latency mean/max",
            "programmed", "firmware", "dom0", "spurious", "new", "expect");
        for (final Map<String, Object> m : rows) {
            final long delivered = (Long) m.get("delivered");
            out.printf(fmt, m.get("strategy"), m.get("device"), m.get("attach"), m.get("fired"), delivered,
                m.get("coalesced"), m.get("forcedEois"),
                delivered == 0 ? "-" : us((Long) m.get("meanLatencyNs")) + "/" + us((Long) m.get("maxLatencyNs")),
                m.get("physicalTrigger") + "/" + m.get("physicalPolarity"),
                m.get("firmwareTrigger") + "/" + m.get("firmwarePolarity"),
                Boolean.TRUE.equals(m.get("boundToDom0")) ? "bound" : "-", m.get("spurious"),
                Boolean.TRUE.equals(m.get("newInterface")) ? "yes" : "no",
                m.get("expect") == null ? "" : m.get("expect"));
        }
        out.println();
        out.println("attach: 'attached, INTx disabled by QEMU (call:errno)' = libxl succeeded, but xen_pt_realize's own");
        out.println("  map_pirq or bind_pt_irq failed, so QEMU set PCI_COMMAND_INTX_DISABLE: the guest has the device, no INTx;");
        out.println("coalesced: raises that found the previous interrupt still pending; forced: physical EOIs Xen forced");
        out.println("  after 1 ms (irq_guest_eoi_timer_fn) because a domain bound to the IRQ did not EOI; latency in us of");
        out.println("  virtual time, raise to the driver's acknowledge;");
        out.println("programmed: the passed-through GSI's trigger/polarity as finally programmed in the physical IO-APIC;");
        out.println("dom0: the GSI is also bound to dom0; new: needs a hypercall or ioctl that did not exist in Dec 2023.");
        if (held != null) {
            out.printf("expect: the scenario's expect: section, checked under its strategy %s: %s%n", own,
                held ? "held" : "FAILED");
        }
    }

    private static String us(final long ns) {
        return String.format(java.util.Locale.ROOT, "%.1f", ns / 1e3);
    }
}
