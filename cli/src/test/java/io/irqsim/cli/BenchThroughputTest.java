package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.irqsim.cli.BenchCommandTest.bench;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code irqsim bench --throughput}: the whole scenario, timed as one run. */
class BenchThroughputTest {

    @Test
    void jsonGivesTheRunsInterruptsRateAndCpuPerInterrupt() throws Exception {
        final BenchCommandTest.Run r = bench("--throughput", "-n", "2000", "--warmup", "500", "--json");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        final JsonNode j = Json.MAPPER.readTree(r.out());
        assertEquals("default", j.get("scenario").asText());
        assertEquals("pciback-setup-gsi", j.get("strategy").asText(), "status-quo has nothing to time");
        assertEquals(2000, j.get("interrupts").asLong(), "the default scenario's 100 scaled to 2000");
        assertEquals(2000, j.get("delivered").asLong());
        assertEquals(500, j.get("warmup").asLong());
        final long wall = j.get("wallNs").asLong();
        assertTrue(wall > 0, r.out());
        assertEquals(Math.round(2000 * 1e9 / wall), j.get("interruptsPerSecond").asLong());
        final long cpu = j.get("threadCpuNs").asLong();
        assertTrue(cpu > 0, "this JVM measures thread CPU time: " + r.out());
        assertEquals(cpu / 2000, j.get("cpuNsPerInterrupt").asLong());
    }

    @Test
    void textNamesWhatWasTimed() {
        final BenchCommandTest.Run r = bench("--throughput", "-n", "300", "--warmup", "0");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().startsWith("irqsim bench --throughput: scenario default, strategy pciback-setup-gsi"), r.out());
        assertTrue(r.out().contains("interrupts         300 (300 handled by a driver)"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("  throughput +[0-9,]+ simulated interrupts/s")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  thread CPU ") && l.contains(" per interrupt")), r.out());
    }

    @Test
    void trafficIsScaledInItsProportionsToTheCountAsked() {
        final Scenario d = Scenario.defaultScenario();
        final Bdf a = new Bdf(0, 3, 0);
        final Bdf b = new Bdf(0, 5, 0);
        final Scenario two = new Scenario(d.name(), d.description(), d.platform(), d.dom0(), d.guests(), d.strategy(),
            List.of(new Scenario.TrafficSpec(a, 100, 10_000), new Scenario.TrafficSpec(b, 50, 20_000)), d.expect());
        // 1000 * 100/150 = 666.7 and 1000 * 50/150 = 333.3: floors 666 and 333, the one left over to the first
        assertEquals(List.of(new Scenario.TrafficSpec(a, 667, 10_000), new Scenario.TrafficSpec(b, 333, 20_000)),
            ScenarioThroughput.scaled(two, 1000).traffic());
        final Scenario none = new Scenario(d.name(), d.description(), d.platform(), d.dom0(), d.guests(), d.strategy(),
            List.of(), d.expect());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScenarioThroughput.scaled(none, 10)).getMessage()
            .contains("has no traffic to time"));
    }

    // status-quo delivers nothing: the figures are printed, but the status is 1 as in the latency mode
    @Test
    void aStrategyThatDeliversNothingIsStatusOne() {
        final BenchCommandTest.Run r = bench("--throughput", "-n", "200", "--warmup", "0", "-s", "status-quo");
        assertEquals(Main.EXIT_FAILED, r.status(), r.err());
        assertTrue(r.out().contains("interrupts         200 (0 handled by a driver)"), r.out());
        assertEquals("irqsim bench: strategy status-quo delivered none of the 200 interrupts to a driver; try"
            + " --strategy pciback-setup-gsi (see 'irqsim strategies').\n", r.err());
    }

    // every "does not deliver" message suggests the default strategy only when another one is in use
    @Test
    void theDefaultStrategyIsNotSuggestedToItself() {
        assertEquals(".", BenchCommand.tryDefault(io.irqsim.guest.strategy.Strategies.byName("pciback-setup-gsi")));
        assertEquals("; try --strategy pciback-setup-gsi (see 'irqsim strategies').",
            BenchCommand.tryDefault(io.irqsim.guest.strategy.Strategies.byName("status-quo")));
    }

    @Test
    void throughputWithADeviceModelIsAUsageError() {
        final BenchCommandTest.Run r = bench("--throughput", "--devmodel", "tcp:127.0.0.1:0");
        assertEquals(Main.EXIT_USAGE, r.status());
        assertTrue(r.err().contains("leave out --devmodel"), r.err());
    }
}
