package io.irqsim.guest.scenario;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.strategy.Strategies;

import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the scenario loader: the input, as UTF-8 text, is a scenario file.
 * Refusing it with a {@link ScenarioException} is the expected answer to nearly every input; any
 * other exception is a finding (a user would see a stack trace), and so is a scenario that loads
 * but that the machine then refuses to boot (the loader and the schema must catch everything the
 * domain code rejects). The build replays the seeds in {@code ScenarioLoaderFuzzTestInputs/},
 * which start from the example scenarios.
 */
class ScenarioLoaderFuzzTest {

    // ScenarioLoader.parse + ScenarioMachine.boot: refused with a ScenarioException, or loads and boots
    @FuzzTest(maxDuration = "10m")
    void anyFileIsRefusedCleanlyOrLoadsAndBoots(final byte[] input) {
        final String text = new String(input, StandardCharsets.UTF_8);
        final Scenario scenario;
        try {
            scenario = ScenarioLoader.parse(text, "fuzz.yaml", Strategies.names());
        } catch (final ScenarioException refused) {
            return;
        }
        final ScenarioMachine machine = ScenarioMachine.boot(scenario, Strategies.byName(scenario.strategy()));
        machine.trace().close();
    }
}
