package io.irqsim.guest.run;

import io.irqsim.guest.Timeline;
import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a run's guest-side timeline and its binary trace into one readable story as the run goes:
 * the guest and toolstack lines, with the hypervisor's decisions from the trace interleaved where
 * they happened (GSI registration, pirq mapping, permission checks, bindings, vIO-APIC entries that
 * changed), and every event of one chosen window (the first interrupt) so its path is visible.
 *
 * <p>Bounded memory whatever the run's length: {@link #readNew} reads the records written since it
 * last ran and the guest lines logged since, then drops them (an in-memory trace is emptied, see
 * {@link ScenarioMachine#dropTraceRecords}; a trace file keeps every record). Of the rendered
 * lines, the first {@value #HEAD_LINES} and the last {@value #TAIL_LINES} are kept; those between
 * are counted ({@link #omitted()}) and stand as one line saying so. The counts a run reports
 * (forced EOIs per IRQ here; fired, delivered, coalesced and latency in the devices and drivers) are
 * running totals, exact however much of the timeline is left out.
 */
final class TimelineStream {

    /** Lines kept from the start of a timeline. */
    static final int HEAD_LINES = 2_000;
    /** Lines kept from its end. */
    static final int TAIL_LINES = 500;
    /** Trace records written before the run reads and drops them: 40 bytes each, 320 KiB (below G1's humongous size). */
    static final int READ_EVERY_RECORDS = 1 << 13;
    /** Guest lines logged before the run reads them. */
    static final int READ_EVERY_LINES = 1 << 10;

    private final ScenarioMachine machine;
    /** Index in the whole run of the first record not read yet. */
    private long next;
    private long windowFrom = -1;
    private long windowTo = -1;
    /** {@code irq_guest_eoi_timer_fn} firings per IRQ. */
    private final Map<Long, Long> eoiTimeouts = new HashMap<>();

    private final List<RunResult.TimelineLine> head = new ArrayList<>();
    private final RunResult.TimelineLine[] tail = new RunResult.TimelineLine[TAIL_LINES];
    /** Lines offered once the head was full: the tail's ring position. */
    private long pastHead;
    private long omitted;
    private long lastOmittedNs;

    /** @param machine the booted machine whose trace and timeline are read */
    TimelineStream(final ScenarioMachine machine) {
        this.machine = machine;
    }

    /**
     * Sets the window whose every event is rendered.
     *
     * @param from index in the whole run of its first record
     * @param to index of the first record after it
     */
    void window(final long from, final long to) {
        windowFrom = from;
        windowTo = to;
    }

    /** @return whether enough has piled up since the last {@link #readNew} to read it now */
    boolean due() {
        return machine.recordsWritten() - next >= READ_EVERY_RECORDS || machine.timeline().size() >= READ_EVERY_LINES;
    }

    /** Reads and renders what was written since the last call, then lets the trace drop it. */
    void readNew() {
        final long written = machine.recordsWritten();
        final long held = machine.trace().recordCount();
        final long base = next;
        final TraceReader trace = machine.trace().reader(held - (written - base));
        for (final Timeline.Entry e : machine.timeline().drain()) {
            emit(trace, base, Math.min(e.traceIndex(), written));
            add(RunResult.line(e));
        }
        emit(trace, base, written);
        machine.dropTraceRecords();
    }

    private void emit(final TraceReader trace, final long base, final long to) {
        for (long i = next; i < to; i++) {
            final TraceRecord r = trace.get(i - base);
            if (r.event() == HvEvent.EOI_TIMEOUT) {
                eoiTimeouts.merge(r.a(), 1L, Long::sum);
            }
            final boolean inWindow = i >= windowFrom && i < windowTo;
            final String text = inWindow ? TraceText.interruptPath(r) : TraceText.decision(r);
            if (text != null) {
                add(new RunResult.TimelineLine(r.time(), "xen", text));
            }
        }
        next = Math.max(next, to);
    }

    private void add(final RunResult.TimelineLine line) {
        if (head.size() < HEAD_LINES) {
            head.add(line);
            return;
        }
        final int slot = (int) (pastHead % TAIL_LINES);
        if (pastHead >= TAIL_LINES) {
            omitted++;
            lastOmittedNs = tail[slot].timeNs();
        }
        tail[slot] = line;
        pastHead++;
    }

    /**
     * @param irq a Xen IRQ
     * @return {@code irq_guest_eoi_timer_fn} firings on it so far
     */
    long eoiTimeouts(final int irq) {
        return eoiTimeouts.getOrDefault((long) irq, 0L);
    }

    /** @return lines left out of the middle of the timeline (0: it is whole) */
    long omitted() {
        return omitted;
    }

    /** @return the timeline: the whole of it, or its head, one line saying what was left out, and its tail */
    List<RunResult.TimelineLine> lines() {
        final List<RunResult.TimelineLine> out = new ArrayList<>(head);
        if (omitted > 0) {
            out.add(new RunResult.TimelineLine(lastOmittedNs, "irqsim", String.format(Locale.ROOT,
                "[%d timeline lines left out here: a long timeline keeps its first %d and last %d lines]", omitted,
                HEAD_LINES, TAIL_LINES)));
        }
        final long inTail = Math.min(pastHead, TAIL_LINES);
        for (long k = pastHead - inTail; k < pastHead; k++) {
            out.add(tail[(int) (k % TAIL_LINES)]);
        }
        return out;
    }
}
