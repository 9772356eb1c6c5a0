package io.irqsim.guest.run;

import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hw.time.Timer;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run holds a bounded part of its trace and timeline whatever its number of interrupts: the
 * records and guest lines are read as the traffic goes and dropped ({@link TimelineStream}), the
 * timeline keeps its first and last lines, and the counts stay exact. Sampled on the run's own
 * virtual clock, so the figures are the same on every machine.
 */
class LongRunBoundedMemoryTest {

    /** What a run held at most, sampled every {@link #SAMPLE_NS} of virtual time. */
    static final class Peak {
        long traceRecords;
        long timelineLines;
        int samples;
    }

    static final long SAMPLE_NS = 500_000;

    static Scenario withTraffic(final int count, final long intervalNs) {
        final Scenario d = Scenario.defaultScenario();
        return new Scenario(d.name(), d.description(), d.platform(), d.dom0(), d.guests(), d.strategy(),
            List.of(new Scenario.TrafficSpec(d.traffic().get(0).device(), count, intervalNs)), d.expect());
    }

    static RunResult run(final Scenario s, final String strategy, final Peak peak) {
        return ScenarioRunner.run(s, Strategies.byName(strategy),
            clock -> io.irqsim.hv.trace.TraceRecorder.inMemory(clock, 1 << 16), m -> {
                final Timer[] sampler = new Timer[1];
                sampler[0] = m.clock().newTimer("held", () -> {
                    peak.traceRecords = Math.max(peak.traceRecords, m.trace().recordCount());
                    peak.timelineLines = Math.max(peak.timelineLines, m.timeline().size());
                    peak.samples++;
                    sampler[0].armAfter(SAMPLE_NS);
                });
                sampler[0].armAfter(SAMPLE_NS);
            });
    }

    // 10k and 100k interrupts of the default scenario (10 us apart) hold the same bounded trace
    @Test
    void trafficTenTimesLongerHoldsNoMoreTraceOrTimeline() {
        final Peak small = new Peak();
        final Peak large = new Peak();
        final RunResult a = run(withTraffic(10_000, 10_000), "pciback-setup-gsi", small);
        final RunResult b = run(withTraffic(100_000, 10_000), "pciback-setup-gsi", large);
        assertEquals(10_000, a.delivered());
        assertEquals(100_000, b.delivered());
        assertTrue(large.samples > 1_500, "sampled all along the traffic: " + large.samples);
        // ~31 records an interrupt: a whole trace would be 3.1 million records
        assertTrue(b.traceRecords() > 3_000_000, "records written: " + b.traceRecords());
        final long bound = TimelineStream.READ_EVERY_RECORDS + 100;
        assertTrue(large.traceRecords <= bound, "records held at once: " + large.traceRecords + " > " + bound);
        assertTrue(small.traceRecords <= bound, "records held at once at 10k: " + small.traceRecords);
        assertTrue(large.timelineLines <= TimelineStream.READ_EVERY_LINES, "lines held: " + large.timelineLines);
        assertEquals(a.timeline().size(), b.timeline().size(), "one line per phase, not per interrupt");
        assertEquals(0, b.timelineOmitted());
    }

    // pciback-unmask: dom0 never EOIs, so each interrupt 1.1 ms apart gets a forced EOI and a timeline line
    @Test
    void aTimelineWithALinePerInterruptKeepsItsHeadAndTailAndExactCounts() {
        final int n = TimelineStream.HEAD_LINES + TimelineStream.TAIL_LINES + 1_000;
        final RunResult r = run(withTraffic(n, 1_100_000), "pciback-unmask", new Peak());
        assertEquals(n, r.fired());
        assertEquals(n, r.delivered(), "each interrupt waits for irq_guest_eoi_timer_fn, none is lost");
        assertEquals(n, r.devices().get(0).forcedEois(), "counted over the whole run, not the lines kept");
        final List<RunResult.TimelineLine> lines = r.timeline();
        assertEquals(TimelineStream.HEAD_LINES + 1 + TimelineStream.TAIL_LINES, lines.size());
        assertTrue(r.timelineOmitted() > 1_000, "omitted: " + r.timelineOmitted());
        final RunResult.TimelineLine gap = lines.get(TimelineStream.HEAD_LINES);
        assertEquals("irqsim", gap.actor());
        assertTrue(gap.text().startsWith("[" + r.timelineOmitted() + " timeline lines left out here"), gap.text());
        assertTrue(lines.get(0).text().startsWith("scenario default, strategy pciback-unmask"), lines.get(0).text());
        assertTrue(lines.get(lines.size() - 1).text().contains("raised " + n + " interrupt(s)"),
            "the tail ends with the run's summary line: " + lines.get(lines.size() - 1).text());
        for (int i = 1; i < lines.size(); i++) {
            assertTrue(lines.get(i).timeNs() >= lines.get(i - 1).timeNs(), "in time order at line " + i);
        }
    }
}
