package io.irqsim.cli;

import io.irqsim.guest.run.DeviceOutcome;
import io.irqsim.guest.run.RunResult;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** Renders a {@link RunResult} as text for {@code irqsim run}. */
final class RunReport {

    private RunReport() {
    }

    static void text(final RunResult r, final boolean timeline, final PrintWriter out) {
        text(r, List.of(), timeline, out);
    }

    /**
     * @param r the run
     * @param vfio its {@code guests[].vfioUser} devices: under {@code result:} after the
     *     passed-through ones, in the verdict and its failures
     * @param timeline whether to print the timeline
     * @param out where
     */
    static void text(final RunResult r, final List<VfioUserOutcome> vfio, final boolean timeline,
                     final PrintWriter out) {
        out.printf("irqsim run: scenario %s, strategy %s%n", r.scenario(), r.strategy());
        if (timeline) {
            out.println();
            out.println("timeline (virtual time in seconds):");
            for (final RunResult.TimelineLine l : r.timeline()) {
                out.printf(Locale.ROOT, "  [%.6f] %-13s %s%n", l.timeNs() / 1e9, l.actor(), l.text());
            }
            if (r.timelineOmitted() > 0) {
                out.printf("  (timeline summarised: %d lines left out of the middle; the counts below are exact. "
                    + "For every event run with --trace FILE, then 'irqsim trace dump FILE'.)%n", r.timelineOmitted());
            }
        }
        out.println();
        out.println("result:");
        for (final DeviceOutcome d : r.devices()) {
            out.printf("  %s -> %s: attach %s%n", d.device(), d.guest(), d.attach());
            out.printf("    delivery: %s%s%n", d.delivery(), d.throttled() ? " (throttled)" : "");
            out.printf("    GSI %d programmed %s/%s (firmware says %s/%s); also bound to dom0: %s%n", d.gsi(),
                d.physicalTrigger(), d.physicalPolarity(), d.firmwareTrigger(), d.firmwarePolarity(),
                d.boundToDom0() ? "yes" : "no");
        }
        for (final VfioUserOutcome v : vfio) {
            out.println("  " + v.line());
        }
        if (r.dom0Fired() > 0) {
            out.printf("  dom0's own devices: %d interrupt(s) fired, %d handled%n", r.dom0Fired(), r.dom0Handled());
        }
        out.printf("  interrupts nobody handled: %d; needs an interface that did not exist at the time of the thread: %s%n",
            r.spurious(), r.newInterface() ? "yes" : "no");
        if (!r.checks().isEmpty()) {
            out.println();
            out.printf("expectations (the scenario's expect:): %d of %d held%n", r.checks().stream()
                .filter(RunResult.Check::ok).count(), r.checks().size());
            for (final RunResult.Check c : r.checks()) {
                out.printf("  %-16s expected %-24s got %-24s %s%n", c.what(), c.expected(), c.actual(),
                    c.ok() ? "ok" : "FAILED");
            }
        }
        out.println();
        out.println(verdict(r, vfio));
        if (!VfioUserOutcome.passed(r, vfio)) {
            for (final String f : VfioUserOutcome.failures(r, vfio)) {
                out.println("  - " + f);
            }
            if (r.attach().startsWith("irq_permission:-EPERM")) {
                out.println("  This is the failure of the xen-devel thread (PVH dom0, XEN_DOMCTL_irq_permission).");
                out.println("  Compare the proposed fixes with: irqsim compare   or try: irqsim run --strategy pciback-setup-gsi");
            }
        }
        out.flush();
    }

    /**
     * The verdict line: expectations and delivery are reported separately, so a scenario that expects a design
     * to lose its interrupts passes without reading as "everything was delivered".
     *
     * @param r a run
     * @return e.g. {@code "verdict: PASSED: every expectation held (3 of 3); delivery: 0 of 100 interrupts
     *     reached the guest's driver (not among the expectations)"}
     */
    static String verdict(final RunResult r) {
        return verdict(r, List.of());
    }

    /**
     * The verdict line with the run's vfio-user devices: it passes only if each plugged and the guest
     * EOId every interrupt waited for, and their count follows the traffic's delivery.
     *
     * @param r a run
     * @param vfio its vfio-user devices
     * @return e.g. {@code "verdict: PASSED (...); delivery: 0 of 0 interrupts reached the guest's driver;
     *     vfio-user: 3 of 3 interrupts EOI'd by the guest"}
     */
    static String verdict(final RunResult r, final List<VfioUserOutcome> vfio) {
        final boolean passed = VfioUserOutcome.passed(r, vfio);
        final String delivery = String.format("delivery: %d of %d interrupts reached the guest's driver", r.delivered(),
            r.fired());
        if (r.checks().isEmpty()) {
            return (passed ? "verdict: PASSED (no expectations given: every device attached with INTx and every "
                + "interrupt reached its guest); " : "verdict: FAILED (no expectations given); ") + delivery
                + VfioUserOutcome.delivery(vfio);
        }
        final long held = r.checks().stream().filter(RunResult.Check::ok).count();
        final boolean deliveryChecked = r.checks().stream().anyMatch(c -> "delivered".equals(c.what()));
        final String suffix = deliveryChecked || r.delivered() == r.fired() ? "" : " (not among the expectations)";
        return (passed ? "verdict: PASSED: every expectation held (" : "verdict: FAILED: expectations held ")
            + held + " of " + r.checks().size() + (passed ? "); " : "; ") + delivery + suffix
            + VfioUserOutcome.delivery(vfio);
    }
}
