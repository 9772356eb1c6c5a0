package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioException;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scenario the loader did not check (made in code, or by some future path) whose machine cannot be
 * built is refused by {@link ScenarioMachine#boot} with a {@link ScenarioException} that says what
 * overlaps what, which the CLI reports in one line; it used to be MmioBus.map's IllegalArgumentException
 * from the middle of BAR assignment.
 */
class ScenarioMachineRefusalTest {

    @Test
    void anIoApicInTheNicsBarSlotIsAScenarioErrorNamingBothRanges() {
        final Scenario d = Scenario.defaultScenario();
        final PlatformSpec p = d.platform();
        final PlatformSpec overlapping = new PlatformSpec(
            List.of(new PlatformSpec.IoApicSpec(2, 0xFE00_0C00L, 0, 24, IoApicRegisters.VERSION_20)), p.cpus(), p.pci(),
            p.intxWiring(), p.isaWiring(), p.firmware(), p.directedEoi());
        final Scenario s = new Scenario("made-in-code", d.description(), overlapping, d.dom0(), d.guests(), d.strategy(),
            d.traffic(), d.expect());
        final ScenarioException e = assertThrows(ScenarioException.class,
            () -> ScenarioMachine.boot(s, Strategies.byName(s.strategy())));
        assertEquals("scenario made-in-code: platform: the machine cannot be built: IO-APIC id 2's register window"
            + " 0xfe000c00-0xfe000cff overlaps the BAR0 slot of 00:03.0 (nic) 0xfe000000-0xfe00ffff (the PCI BAR window"
            + " 0xfe000000-0xfe03ffff: 64 KiB for BAR0 of each of the 4 PCI devices with an interrupt pin)", e.getMessage());
        assertTrue(e.getCause() instanceof IllegalArgumentException);
    }
}
