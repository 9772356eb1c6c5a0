package io.irqsim.cli;

import io.irqsim.guest.run.RunResult;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text report says when a long run's timeline was summarised, and how to get every event. */
class RunReportLongRunTest {

    private static String text(final long omitted) {
        final RunResult r = new RunResult("long", "pciback-setup-gsi", List.of(), 0, 0, 0, false,
            List.of(new RunResult.TimelineLine(0, "irqsim", "first"), new RunResult.TimelineLine(5, "irqsim", "last")),
            List.of(), List.of(), 10, 5, omitted);
        final StringWriter out = new StringWriter();
        RunReport.text(r, true, new PrintWriter(out));
        return out.toString();
    }

    @Test
    void aSummarisedTimelineSaysHowManyLinesWereLeftOutAndHowToKeepThem() {
        final String t = text(123_456);
        assertTrue(t.contains("  (timeline summarised: 123456 lines left out of the middle; the counts below are exact. "
            + "For every event run with --trace FILE, then 'irqsim trace dump FILE'.)"), t);
        assertTrue(t.indexOf("timeline summarised") > t.indexOf("] irqsim        last"), "under the timeline: " + t);
    }

    @Test
    void aWholeTimelineHasNoSuchNote() {
        assertFalse(text(0).contains("summarised"));
    }
}
