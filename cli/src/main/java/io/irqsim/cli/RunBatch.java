package io.irqsim.cli;

import io.irqsim.guest.run.RunResult;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioException;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.hw.firmware.acpi.AcpiInputException;
import picocli.CommandLine;

import io.irqsim.hv.trace.TraceRecorder;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code irqsim run A.yaml B.yaml ...}: runs every scenario and prints one line each, then a
 * summary, as kvm-unit-tests' {@code run_tests.sh} does:
 *
 * <pre>
 * PASS scenarios/bridge.yaml (bridge, strategy pciback-setup-gsi)
 * FAIL scenarios/default.yaml (default, strategy status-quo): attach of 00:03.0 to domU failed at irq_permission:-EPERM
 * ERROR scenarios/bad.yaml:3:1: foo: unknown key 'foo'; allowed here: ...
 * 3 scenarios: 1 passed, 1 failed, 1 error
 * </pre>
 *
 * Exit status: 0 if all passed, 2 if any file could not be loaded, else 1 if any failed.
 */
final class RunBatch {

    /** One scenario's verdict, for the text lines and the JUnit XML. */
    record Outcome(String file, String scenario, String strategy, boolean passed, boolean error, List<String> failures,
                   double seconds) {

        static Outcome of(final String file, final RunResult r, final double seconds) {
            return of(file, r, List.of(), seconds);
        }

        static Outcome of(final String file, final RunResult r, final List<VfioUserOutcome> vfio, final double seconds) {
            return new Outcome(file, r.scenario(), r.strategy(), VfioUserOutcome.passed(r, vfio), false,
                VfioUserOutcome.failures(r, vfio), seconds);
        }

        static Outcome failed(final String file, final Scenario scenario, final Strategy s, final String why) {
            return new Outcome(file, scenario.name(), s.name(), false, false, List.of(why), 0);
        }

        static Outcome error(final String file, final String message) {
            return new Outcome(file, null, null, false, true, List.of(message), 0);
        }

        /** @return the line {@code irqsim run} prints for it */
        String line() {
            if (error) {
                // most messages name the file themselves ("F: cannot read ...", "F:2:1: unknown key"): once is enough
                final String m = failures.get(0);
                return m.startsWith(file + ":") ? "ERROR " + m : "ERROR " + file + ": " + m;
            }
            final String head = (passed ? "PASS " : "FAIL ") + file + " (" + scenario + ", strategy " + strategy + ")";
            return passed || failures.isEmpty() ? head : head + ": " + String.join("; ", failures);
        }
    }

    private RunBatch() {
    }

    static int run(final List<Path> files, final String strategy, final Path firmware, final Path junitXml,
                   final CommandLine.Model.CommandSpec spec) {
        final PrintWriter out = spec.commandLine().getOut();
        final List<Outcome> outcomes = new ArrayList<>();
        for (final Path f : files) {
            final long started = System.nanoTime();
            Outcome o;
            try {
                final Scenario scenario = ScenarioInput.of(f, firmware).load(spec.commandLine().getErr());
                final Strategy s = ScenarioInput.strategy(spec, scenario, strategy);
                o = run(f.toString(), scenario, s, started);
            } catch (final ScenarioException | AcpiInputException e) {
                o = Outcome.error(f.toString(), e.getMessage());
            }
            outcomes.add(o);
            out.println(o.line());
            out.flush();
        }
        return summary(outcomes, junitXml, out);
    }

    /**
     * One file: its vfio-user servers (if any) connected for this run only, plugged at boot and
     * waited for after the traffic, as a single-file run does; a server that cannot be reached
     * fails the file (a FAIL line, as a single run exits 1), it is not a file error.
     */
    private static Outcome run(final String file, final Scenario scenario, final Strategy s, final long started) {
        final RunVfioUser vfio;
        try {
            vfio = RunVfioUser.connect(scenario);
        } catch (final IOException e) {
            return Outcome.failed(file, scenario, s, e.getMessage());
        }
        try (vfio) {
            final RunResult r = ScenarioRunner.run(scenario, s, clock -> TraceRecorder.inMemory(clock, 1 << 16),
                vfio::plug, vfio::deliver);
            return Outcome.of(file, r, vfio.outcomes(), (System.nanoTime() - started) / 1e9);
        }
    }

    private static int summary(final List<Outcome> outcomes, final Path junitXml, final PrintWriter out) {
        int passed = 0;
        int failed = 0;
        int errors = 0;
        for (final Outcome o : outcomes) {
            if (o.error()) {
                errors++;
            } else if (o.passed()) {
                passed++;
            } else {
                failed++;
            }
        }
        out.printf("%d scenarios: %d passed, %d failed%s%n", outcomes.size(), passed, failed,
            errors > 0 ? ", " + errors + (errors == 1 ? " error" : " errors") : "");
        out.flush();
        if (junitXml != null) {
            JunitXml.write(junitXml, outcomes);
        }
        return errors > 0 ? Main.EXIT_USAGE : failed > 0 ? Main.EXIT_FAILED : Main.EXIT_OK;
    }
}
