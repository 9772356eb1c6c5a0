package io.irqsim.guest.scenario;

import io.irqsim.hv.domain.DomainType;
import io.irqsim.hw.platform.DefaultPlatform;

import java.util.List;

/**
 * The built-in scenario: the default platform, a PVH dom0 whose own drivers claim the two devices
 * sharing GSI 17 and the device behind the bridge, one HVM domU with the NIC (00:03.0, INTA &rarr;
 * LNKA &rarr; GSI 16, level/active-low) passed through at virtual slot 5, and 100 interrupts from
 * the NIC, 10 us apart.
 */
final class DefaultScenario {

    private DefaultScenario() {
    }

    static Scenario get() {
        return new Scenario("default",
            "Default platform; PVH dom0; the NIC at 00:03.0 (INTA -> LNKA -> GSI 16, level/low) passed through to one "
                + "HVM domU; 100 interrupts.",
            DefaultPlatform.spec(),
            new Scenario.Dom0Spec(DomainType.PVH, 2,
                List.of(DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_B, DefaultPlatform.BEHIND_BRIDGE)),
            List.of(new Scenario.GuestSpec("domU", 1,
                List.of(new Scenario.PassthroughSpec(DefaultPlatform.NIC, 5)))),
            Scenario.DEFAULT_STRATEGY,
            List.of(new Scenario.TrafficSpec(DefaultPlatform.NIC, 100, 10_000)),
            Scenario.Expectations.NONE);
    }
}
