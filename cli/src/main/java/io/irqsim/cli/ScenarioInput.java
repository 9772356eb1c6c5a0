package io.irqsim.cli;

import io.irqsim.guest.scenario.FirmwareScenario;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioException;
import io.irqsim.guest.scenario.ScenarioLoader;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.hw.firmware.acpi.AcpiFirmware;
import io.irqsim.hw.firmware.acpi.AcpiInputException;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The scenario argument shared by {@code run}, {@code compare}, {@code bench} and {@code serve}: a YAML file, or
 * the built-in default scenario when none is given.
 */
final class ScenarioInput {

    @CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO",
        description = "Scenario file (YAML, see docs/scenarios.md). Default: the built-in default scenario.")
    Path file;

    /** {@code --firmware}'s help, shared with {@code run}, which takes several scenario files. */
    static final String FIRMWARE_HELP = "Boot on a real machine's firmware: acpidump output (docs/firmware.md). Its"
        + " IO-APICs, overrides, SCI, _PRTs and link devices replace the scenario's platform; the default scenario's"
        + " NIC is seated at the first slot the host bridge routes.";

    @CommandLine.Option(names = "--firmware", paramLabel = "DUMP", description = FIRMWARE_HELP)
    Path firmware;

    /**
     * @param file a scenario file, or {@code null} for the built-in default
     * @param firmware acpidump output to boot on, or {@code null}
     * @return an input for them (for commands that take several scenario files)
     */
    static ScenarioInput of(final Path file, final Path firmware) {
        final ScenarioInput in = new ScenarioInput();
        in.file = file;
        in.firmware = firmware;
        return in;
    }

    /**
     * @param err the command's error stream: the firmware's warnings go there, one line each
     * @return the scenario, on {@code --firmware}'s tables when given
     * @throws ScenarioException if the file cannot be read or is invalid (exit 2)
     * @throws AcpiInputException if the firmware tables cannot be read or build no machine (exit 2)
     */
    Scenario load(final PrintWriter err) {
        final Scenario s = file == null ? Scenario.defaultScenario() : ScenarioLoader.load(file, Strategies.names());
        if (firmware == null) {
            return s;
        }
        final FirmwareScenario.Result r = FirmwareScenario.on(s, AcpiFirmware.read(firmware));
        try {
            Platform.build(r.scenario().platform(), new VirtualClock(), HwTrace.NONE);
        } catch (IllegalArgumentException e) {
            throw new AcpiInputException(firmware + ": the firmware describes no machine irqsim can build: "
                + e.getMessage());
        }
        r.warnings().forEach(w -> StderrLine.say(err, "irqsim", "firmware: " + w));
        return r.scenario();
    }

    /**
     * Resolves the strategy: the command line's, else the scenario's.
     *
     * @param spec the command, for usage errors
     * @param scenario the scenario
     * @param name {@code --strategy}, or {@code null}
     * @return the strategy
     * @throws CommandLine.ParameterException for an unknown name (exit 2)
     */
    static Strategy strategy(final CommandLine.Model.CommandSpec spec, final Scenario scenario, final String name) {
        return strategyOf(spec, scenario, name);
    }

    private static Strategy strategyOf(final CommandLine.Model.CommandSpec spec, final Scenario scenario,
                                       final String name) {
        final String n = name != null ? name : scenario.strategy();
        final Strategy s = Strategies.byName(n);
        if (s == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown strategy '" + n + "'; known: "
                + String.join(", ", Strategies.names()));
        }
        return s;
    }
}
