package io.irqsim.guest.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.irqsim.guest.Timeline;

import java.util.List;

/**
 * The outcome of running a scenario under one strategy.
 *
 * @param scenario scenario name
 * @param strategy strategy name
 * @param devices one entry per passed-through device
 * @param dom0Fired interrupts raised by dom0's own devices
 * @param dom0Handled of those, handled by dom0's drivers
 * @param spurious interrupts nobody handled: guest interrupts no handler claimed (Linux's unhandled count, in every
 *     domain: on a GSI shared between domains, each counts the other's interrupts), vectors with no irq, and
 *     physical IRQs no guest took
 * @param newInterface whether the design needs an interface that did not exist at the time of the thread
 * @param timeline the readable story; in a long run its first and last lines, with one line between that says
 *     how many were left out ({@code timelineOmitted})
 * @param checks expectation checks (empty if the scenario has none)
 * @param failures what went wrong (a failed attach, lost interrupts, a failed expectation)
 * @param traceRecords binary trace records written
 * @param endTimeNs virtual time at the end
 * @param timelineOmitted timeline lines left out of {@code timeline} (0: it is whole, and JSON leaves the field out)
 */
public record RunResult(String scenario, String strategy, List<DeviceOutcome> devices, long dom0Fired, long dom0Handled,
                        long spurious, boolean newInterface, List<TimelineLine> timeline, List<Check> checks,
                        List<String> failures, long traceRecords, long endTimeNs,
                        @JsonInclude(JsonInclude.Include.NON_DEFAULT) long timelineOmitted) {

    /**
     * One line of the rendered timeline.
     *
     * @param timeNs virtual time
     * @param actor who
     * @param text what
     */
    public record TimelineLine(long timeNs, String actor, String text) {
    }

    /**
     * One expectation.
     *
     * @param what the field
     * @param expected expected value
     * @param actual actual value
     * @param ok whether they agree
     */
    public record Check(String what, String expected, String actual, boolean ok) {
    }

    /** @return {@code "ok"}, or the first failed attach */
    public String attach() {
        for (final DeviceOutcome d : devices) {
            if (!"ok".equals(d.attach())) {
                return d.attach();
            }
        }
        return "ok";
    }

    /** @return interrupts raised by passed-through devices */
    public long fired() {
        return devices.stream().mapToLong(DeviceOutcome::fired).sum();
    }

    /** @return interrupts the guests' drivers handled */
    public long delivered() {
        return devices.stream().mapToLong(DeviceOutcome::delivered).sum();
    }

    /** @return whether the run passed: every expectation held, or (none given) nothing failed */
    public boolean passed() {
        if (!checks.isEmpty()) {
            return checks.stream().allMatch(Check::ok);
        }
        return failures.isEmpty();
    }

    static TimelineLine line(final Timeline.Entry e) {
        return new TimelineLine(e.time(), e.actor(), e.text());
    }
}
