package io.irqsim.guest.run;

import io.irqsim.guest.Timeline;
import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a run's guest-side timeline and its binary trace into one readable story: the guest and
 * toolstack lines, with the hypervisor's decisions from the trace interleaved where they
 * happened (GSI registration, pirq mapping, permission checks, bindings, vIO-APIC entries that
 * changed), and every event of one chosen window (the first interrupt) so its path is visible.
 */
final class TimelineRenderer {

    private TimelineRenderer() {
    }

    static List<RunResult.TimelineLine> render(final List<Timeline.Entry> guest, final TraceReader trace,
                                               final long windowFrom, final long windowTo) {
        final List<RunResult.TimelineLine> out = new ArrayList<>();
        long next = 0;
        for (final Timeline.Entry e : guest) {
            next = emit(out, trace, next, Math.min(e.traceIndex(), trace.count()), windowFrom, windowTo);
            out.add(RunResult.line(e));
        }
        emit(out, trace, next, trace.count(), windowFrom, windowTo);
        return out;
    }

    private static long emit(final List<RunResult.TimelineLine> out, final TraceReader trace, final long from,
                             final long to, final long windowFrom, final long windowTo) {
        for (long i = from; i < to; i++) {
            final TraceRecord r = trace.get(i);
            final boolean inWindow = i >= windowFrom && i < windowTo;
            final String text = inWindow ? TraceText.interruptPath(r) : TraceText.decision(r);
            if (text != null) {
                out.add(new RunResult.TimelineLine(r.time(), "xen", text));
            }
        }
        return to;
    }

}
