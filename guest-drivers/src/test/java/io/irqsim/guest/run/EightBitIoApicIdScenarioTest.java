package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioLoader;
import io.irqsim.guest.strategy.Strategies;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A scenario file that numbers its IO-APICs past 15, as AMD boards' MADTs do (the ASRock X570's 25 and 26,
 * {@link AsrockX570FirmwareTest}): the file's IO-APICs get the 8-bit IOAPICID as the firmware path's do
 * ({@code PlatformSpec.IoApicSpec#idBitsFor}), and the machine boots and runs. Before, the loader refused any id
 * above 15.
 */
class EightBitIoApicIdScenarioTest {

    private static final Scenario AMD_NUMBERED = ScenarioLoader.parse("""
        platform:
          ioapics:
            - {id: 25, address: 0xfec00000, gsiBase: 0}
            - {id: 26, address: 0xfec01000, gsiBase: 24, pins: 32}
        """, "scenarios/amd.yaml", Strategies.names());

    // as on the X570's firmware: the parts read their ids back whole in bits 31:24; dom0's vIO-APICs take them whole
    // and read their low nibble (vioapic_read_indirect's 4-bit field, xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0)
    @Test
    void thePartsHoldTheirIdsAndDom0sVioapicsTakeThem() {
        AsrockX570FirmwareTest.assertIds25And26ReadBack(
            ScenarioMachine.boot(AMD_NUMBERED, Strategies.byName("pciback-setup-gsi")));
    }

    // the ids change nothing in the thread's outcome: the default design fails as on the built-in machine, the fix
    // delivers every interrupt
    @Test
    void theThreadsOutcomeIsTheDefaultMachines() {
        final RunResult failing = ScenarioRunner.run(AMD_NUMBERED, Strategies.byName("status-quo"));
        assertEquals("irq_permission:-EPERM", failing.attach());
        assertEquals(0, failing.delivered());
        final RunResult fixed = ScenarioRunner.run(AMD_NUMBERED, Strategies.byName("pciback-setup-gsi"));
        assertEquals("ok", fixed.attach());
        assertEquals(100, fixed.fired());
        assertEquals(100, fixed.delivered());
    }
}
