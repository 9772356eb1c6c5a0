package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every cell of {@code irqsim compare} for the built-in default scenario: each design does what the
 * seed thread's reviewers said it would (docs/strategies.md explains each row).
 */
class DefaultScenarioMatrixTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // strategy,               attach,                fired, delivered, physical,    firmware,  dom0,  spurious, new
        // (the toolstack's order is upstream's: QEMU's xen_pt_realize first, libxl's pci_add_dm_done after)
        "pv-dom0,                  ok,                    100,   100,       level/low,   level/low, false, 0,   false",
        "xen-4.18,                 map_pirq:-ENOSYS,      100,   0,         unset/unset, level/low, false, 0,   false",
        "status-quo,               irq_permission:-EPERM, 100,   0,         unset/unset, level/low, false, 0,   false",
        "pciback-unmask,           ok,                    100,   2,         level/low,   level/low, true,  0,   false",
        // QEMU's bind_pt_irq fails first (dom0 holds GSI 16 edge, exclusive): INTx disabled, the attach goes on
        "hwdom-map-any-write,      'attached, INTx disabled by QEMU (bind_pt_irq:-EBUSY)', 100, 0, edge/high, level/low, "
            + "true, 0, false",
        "early-pirq-map,           ok,                    100,   0,         unset/unset, level/low, false, 0,   false",
        "default-level-low,        ok,                    100,   100,       level/low,   level/low, false, 0,   false",
        "dom0-map-pirq-setup-gsi,  ok,                    100,   100,       level/low,   level/low, false, 0,   true",
        "pciback-enable-device,    irq_permission:-EPERM, 100,   0,         unset/unset, level/low, false, 0,   false",
        "pciback-setup-gsi,        ok,                    100,   100,       level/low,   level/low, false, 0,   true",
    })
    void strategyDoesWhatTheThreadSays(final String strategy, final String attach, final long fired,
                                       final long delivered, final String physical, final String firmware,
                                       final boolean boundToDom0, final long spurious, final boolean newInterface) {
        final RunResult r = ScenarioRunner.run(Scenario.defaultScenario(), Strategies.byName(strategy));
        final DeviceOutcome d = r.devices().get(0);
        assertEquals(attach, r.attach(), "attach");
        assertEquals(fired, r.fired(), "fired");
        assertEquals(delivered, r.delivered(), "delivered");
        assertEquals(physical, d.physicalTrigger() + "/" + d.physicalPolarity(), "physical trigger/polarity");
        assertEquals(firmware, d.firmwareTrigger() + "/" + d.firmwarePolarity(), "firmware trigger/polarity");
        assertEquals(boundToDom0, d.boundToDom0(), "boundToDom0");
        assertEquals(spurious, r.spurious(), "spurious");
        assertEquals(newInterface, r.newInterface(), "newInterface");
    }
}
