package io.irqsim.cli;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioException;
import io.irqsim.guest.scenario.ScenarioLoader;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import picocli.CommandLine;

import java.nio.file.Path;

/**
 * The scenario argument shared by {@code run}, {@code compare}, {@code bench} and {@code serve}: a YAML file, or
 * the built-in default scenario when none is given.
 */
final class ScenarioInput {

    @CommandLine.Parameters(index = "0", arity = "0..1", paramLabel = "SCENARIO",
        description = "Scenario file (YAML, see docs/scenarios.md). Default: the built-in default scenario.")
    Path file;

    /**
     * @param file a scenario file, or {@code null} for the built-in default
     * @return an input for it (for commands that take several)
     */
    static ScenarioInput of(final Path file) {
        final ScenarioInput in = new ScenarioInput();
        in.file = file;
        return in;
    }

    /**
     * @return the scenario
     * @throws ScenarioException if the file cannot be read or is invalid (exit 2)
     */
    Scenario load() {
        return file == null ? Scenario.defaultScenario() : ScenarioLoader.load(file, Strategies.names());
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
        final String n = name != null ? name : scenario.strategy();
        final Strategy s = Strategies.byName(n);
        if (s == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown strategy '" + n + "'; known: "
                + String.join(", ", Strategies.names()));
        }
        return s;
    }
}
