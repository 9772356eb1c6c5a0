package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks a scenario's {@code expect} section against a run. For several passed-through devices,
 * {@code attach} is the first failure (or "ok"), {@code delivered} the total, and the physical
 * trigger/polarity and {@code boundToDom0} those of the first device.
 */
final class Expectations {

    private Expectations() {
    }

    static List<RunResult.Check> check(final Scenario.Expectations e, final RunResult r) {
        final List<RunResult.Check> out = new ArrayList<>();
        if (e == null || e.isEmpty()) {
            return out;
        }
        final DeviceOutcome first = r.devices().isEmpty() ? null : r.devices().get(0);
        add(out, "attach", e.attach(), r.attach());
        add(out, "delivered", e.delivered(), r.delivered());
        add(out, "spurious", e.spurious(), r.spurious());
        if (first != null) {
            add(out, "boundToDom0", e.boundToDom0(), first.boundToDom0());
            add(out, "physicalTrigger", e.physicalTrigger(), first.physicalTrigger());
            add(out, "physicalPolarity", e.physicalPolarity(), first.physicalPolarity());
        }
        return out;
    }

    private static void add(final List<RunResult.Check> out, final String what, final Object expected,
                            final Object actual) {
        if (expected != null) {
            out.add(new RunResult.Check(what, String.valueOf(expected), String.valueOf(actual),
                String.valueOf(expected).equals(String.valueOf(actual))));
        }
    }
}
