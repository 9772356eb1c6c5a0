package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest side of {@code XENFEAT_hvm_pirqs}: Xen 4.18's libxl creates every HVM guest with
 * {@code XEN_X86_EMU_USE_PIRQ} ({@code tools/libs/light/libxl_x86.c:libxl__arch_domain_prepare_config@RELEASE-4.18.0}),
 * 4.20's only on request; a Linux guest with the feature registers its GSI through
 * {@code PHYSDEVOP_map_pirq(DOMID_SELF)} ({@code arch/x86/pci/xen.c:acpi_register_gsi_xen_hvm@v6.12}) and takes the
 * passed-through INTx as a pirq event, ended by {@code PHYSDEVOP_eoi}.
 */
class HvmPirqGuestTest {

    private static Scenario withGuestPirq(final Boolean hvmPirq) {
        final Scenario d = Scenario.defaultScenario();
        final Scenario.GuestSpec g = d.guests().get(0);
        return new Scenario(d.name(), d.description(), d.platform(), d.dom0(),
            List.of(new Scenario.GuestSpec(g.name(), g.vcpus(), g.passthrough(), hvmPirq)), d.strategy(), d.traffic(),
            d.expect());
    }

    private static boolean has(final RunResult r, final String actor, final String fragment) {
        return r.timeline().stream().anyMatch(l -> l.actor().equals(actor) && l.text().contains(fragment));
    }

    @Test
    void onXen418TheGuestMapsItsGsiThroughXenAndTakesTheInterruptAsAPirqEvent() {
        final Strategy pvDom0 = Strategies.byName("pv-dom0"); // a working design on 4.18
        final RunResult r = ScenarioRunner.run(Scenario.defaultScenario(), pvDom0);
        assertTrue(has(r, "libxl", "XEN_X86_EMU_USE_PIRQ"), "4.18's libxl sets it for every HVM guest");
        assertTrue(has(r, "domU linux", "acpi_register_gsi_xen_hvm: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 36, pirq -1) = 0, pirq 16"),
            "physdev_hvm_map_pirq answers with the passthrough binding's pirq (the NIC's GSI 16 mapped as pirq 16)");
        assertTrue(has(r, "domU linux", "startup_pirq: EVTCHNOP_bind_pirq(pirq 16, shareable) = 0"));
        assertFalse(has(r, "domU linux", "PHYSDEVOP_setup_gsi"), "an HVM guest has no setup_gsi");
        assertEquals(100, r.delivered(), "every interrupt reaches the guest's driver as an event");
        assertEquals(0, r.devices().get(0).forcedEois(), "each one ended by the guest's PHYSDEVOP_eoi, not by a timer");
    }

    @Test
    void onXen420TheGuestHasNoPirqsUnlessTheScenarioAsks() {
        final Strategy upstream = Strategies.byName("pciback-setup-gsi"); // 4.20
        final RunResult plain = ScenarioRunner.run(Scenario.defaultScenario(), upstream);
        assertFalse(has(plain, "libxl", "XEN_X86_EMU_USE_PIRQ"), "hvm.pirq defaults to false from 4.19");
        assertFalse(has(plain, "domU linux", "acpi_register_gsi_xen_hvm"));
        assertEquals(100, plain.delivered());

        final RunResult asked = ScenarioRunner.run(withGuestPirq(true), upstream);
        assertTrue(has(asked, "libxl", "XEN_X86_EMU_USE_PIRQ"));
        assertTrue(has(asked, "domU linux", "acpi_register_gsi_xen_hvm"));
        assertEquals(100, asked.delivered(), "the same interrupts, by event channel");
    }

    @Test
    void turningPirqsOffOnXen418IsAWhatIfThatTakesTheVioapicPath() {
        final RunResult r = ScenarioRunner.run(withGuestPirq(false), Strategies.byName("pv-dom0"));
        assertFalse(has(r, "libxl", "XEN_X86_EMU_USE_PIRQ"));
        assertFalse(has(r, "domU linux", "acpi_register_gsi_xen_hvm"));
        assertEquals(100, r.delivered());
    }

    // __startup_pirq (drivers/xen/events/events_base.c@v6.12) ends with do_eoi_pirq: the idle line's
    // first interrupt, raised when QEMU bound the pirq, before the guest had a channel, has its event
    // dropped (event_handler_exit) and is EOI'd (PHYSDEVOP_eoi: XENIRQSTAT_needs_eoi) at the guest's
    // request_irq, so Xen's pirq_guest_eoi ends it at once, not its 1 ms irq_guest_eoi_timer_fn, and
    // the line, idle-asserted under the wrong polarity, storms the event-channel guest too
    @Test
    void aWronglyGuessedPolarityStormsTheGuestByVioapicAndByEventChannel() {
        final Scenario ahl = ScenarioFileMatrixTest.load("active-high-line");
        final Scenario.GuestSpec g = ahl.guests().get(0);
        final Strategy guess = Strategies.byName("default-level-low"); // 4.18: hvm_pirq on by default
        final RunResult events = ScenarioRunner.run(ahl, guess);
        assertTrue(has(events, "domU linux", "startup_pirq: PHYSDEVOP_eoi(pirq 16) = 0"));
        assertEquals(0, events.devices().get(0).forcedEois(), "the guest's startup EOI ended the first interrupt");
        assertEquals(9_999, events.spurious(),
            "irq_ratelimit's 10,000, less the first interrupt, whose event the startup's eoi_pirq dropped");
        assertEquals(0, events.delivered());

        final Scenario vioapic = new Scenario(ahl.name(), ahl.description(), ahl.platform(), ahl.dom0(),
            List.of(new Scenario.GuestSpec(g.name(), g.vcpus(), g.passthrough(), false)), ahl.strategy(), ahl.traffic(),
            ahl.expect());
        final RunResult storm = ScenarioRunner.run(vioapic, guess);
        assertEquals(10_000, storm.spurious(), "through the vIO-APIC the guest takes the storm until irq_ratelimit");
        assertEquals(0, storm.delivered());
    }
}
