package io.irqsim.cli;

import io.irqsim.guest.run.DeviceOutcome;
import io.irqsim.guest.run.RunResult;

import java.io.PrintWriter;
import java.util.Locale;

/** Renders a {@link RunResult} as text for {@code irqsim run}. */
final class RunReport {

    private RunReport() {
    }

    static void text(final RunResult r, final boolean timeline, final PrintWriter out) {
        out.printf("irqsim run: scenario %s, strategy %s%n", r.scenario(), r.strategy());
        if (timeline) {
            out.println();
            out.println("timeline (virtual time in seconds):");
            for (final RunResult.TimelineLine l : r.timeline()) {
                out.printf(Locale.ROOT, "  [%.6f] %-13s %s%n", l.timeNs() / 1e9, l.actor(), l.text());
            }
        }
        out.println();
        out.println("result:");
        for (final DeviceOutcome d : r.devices()) {
            out.printf("  %s -> %s: attach %s; %d interrupt(s) fired, %d delivered to the guest's driver%n",
                d.device(), d.guest(), d.attach(), d.fired(), d.delivered());
            out.printf("    GSI %d programmed %s/%s (firmware says %s/%s); also bound to dom0: %s%n", d.gsi(),
                d.physicalTrigger(), d.physicalPolarity(), d.firmwareTrigger(), d.firmwarePolarity(),
                d.boundToDom0() ? "yes" : "no");
        }
        if (r.dom0Fired() > 0) {
            out.printf("  dom0's own devices: %d interrupt(s) fired, %d handled%n", r.dom0Fired(), r.dom0Handled());
        }
        out.printf("  interrupts nobody handled: %d; needs an interface that did not exist at the time of the thread: %s%n",
            r.spurious(), r.newInterface() ? "yes" : "no");
        for (final RunResult.Check c : r.checks()) {
            out.printf("  expect %-16s %-24s got %-24s %s%n", c.what(), c.expected(), c.actual(), c.ok() ? "ok" : "FAILED");
        }
        out.println();
        if (r.passed()) {
            out.println(r.checks().isEmpty() ? "verdict: PASSED (every interrupt reached its guest)"
                : "verdict: PASSED (every expectation held)");
        } else {
            out.println("verdict: FAILED");
            for (final String f : r.failures()) {
                out.println("  - " + f);
            }
            if (r.attach().startsWith("irq_permission:-EPERM")) {
                out.println("  This is the failure of the xen-devel thread (PVH dom0, XEN_DOMCTL_irq_permission).");
                out.println("  Compare the proposed fixes with: irqsim compare   or try: irqsim run --strategy pciback-setup-gsi");
            }
        }
        out.flush();
    }
}
