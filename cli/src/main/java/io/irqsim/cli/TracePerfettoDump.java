package io.irqsim.cli;

import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.trace.HwEvent;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code perfetto} format of {@code irqsim trace dump}: Chrome trace-event JSON
 * ({@code {"traceEvents": [...], "displayTimeUnit": "ns"}}) that ui.perfetto.dev and
 * chrome://tracing open as a timeline. docs/trace.md describes what a user sees.
 *
 * <ul>
 *   <li>every record is a short complete event ({@code "ph":"X"}) on one track
 *       ({@link PerfettoLayout}: a physical CPU, a device, a domain or a domain's vCPU), with its
 *       sentence, exact virtual time and raw arguments in {@code args};</li>
 *   <li>slices with a duration: Xen's {@code do_IRQ}, the dpci softirq and the EOI path on the
 *       physical CPU, each irq in service from {@code do_IRQ} to its physical EOI and the wait for
 *       the guest's EOI (ended by {@code pirq_guest_eoi} or the 1 ms timer) on the irq's track,
 *       the guest's handler from injection to its vLAPIC EOI on the vCPU's track;</li>
 *   <li>one flow ({@code "ph":"s"}, {@code "t"}, {@code "f"}) per interrupt
 *       ({@link InterruptEpisodes}) through every step of its path;</li>
 *   <li>failed calls (a negative errno) in category {@code failed} with colour {@code terrible},
 *       and a process-scoped instant {@code FAILED: ...} so they are found at a glance.</li>
 * </ul>
 *
 * <p>Slices on one track always nest (a slice that would cross its parent's end is cut there).
 * {@code ts} and {@code dur} are microseconds with three decimals. Numbers beyond 2^53 are
 * strings of their 64-bit value in hexadecimal. The output is deterministic.
 */
final class TracePerfettoDump {

    /** Largest magnitude a JSON number keeps exactly in JavaScript ({@code Number.MAX_SAFE_INTEGER}). */
    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private TracePerfettoDump() {
    }

    /**
     * @param trace a decoded trace
     * @param out destination: one JSON document, one trace event per line
     * @throws IOException if {@code out} fails
     */
    static void write(final TraceReader trace, final Appendable out) throws IOException {
        final PerfettoLayout layout = new PerfettoLayout(trace);
        final Emitter e = new Emitter(out);
        out.append("{\"traceEvents\":[\n");
        metadata(layout, e);

        final Map<PerfettoLayout.Track, List<PerfettoLayout.Span>> byTrack = new LinkedHashMap<>();
        for (final PerfettoLayout.Track t : layout.tracks.values()) {
            byTrack.put(t, new ArrayList<>());
        }
        for (int i = 0; i < layout.home.length; i++) {
            byTrack.get(layout.home[i]).add(new PerfettoLayout.Span(layout.home[i], layout.drawn[i],
                layout.drawn[i] + PerfettoLayout.RECORD_NS, null, null, i, null));
        }
        for (final PerfettoLayout.Span s : layout.spans) {
            byTrack.get(s.track()).add(s);
        }
        final Comparator<PerfettoLayout.Span> order = Comparator.comparingLong(PerfettoLayout.Span::start)
            .thenComparing(Comparator.comparingLong(PerfettoLayout.Span::end).reversed())
            .thenComparingLong(PerfettoLayout.Span::seq);
        for (final List<PerfettoLayout.Span> spans : byTrack.values()) {
            spans.sort(order);
            final Deque<Long> ends = new ArrayDeque<>();
            for (final PerfettoLayout.Span s : spans) {
                while (!ends.isEmpty() && ends.peek() <= s.start()) {
                    ends.pop();
                }
                final long end = ends.isEmpty() ? s.end() : Math.min(s.end(), ends.peek());
                if (s.name() == null) {
                    record(e, layout, trace.get(s.seq()), s.seq(), s.track(), s.start(), end);
                } else {
                    slice(e, s, end);
                }
                ends.push(end);
            }
        }
        flows(e, layout, trace);
        failures(e, layout, trace);
        out.append(e.first ? "" : "\n").append("],\"displayTimeUnit\":\"ns\"}\n");
    }

    /** Writes events separated by ",\n". */
    private static final class Emitter {
        final Appendable out;
        final StringBuilder sb = new StringBuilder(256);
        boolean first = true;

        Emitter(final Appendable out) {
            this.out = out;
        }

        void emit() throws IOException {
            if (!first) {
                out.append(",\n");
            }
            out.append(sb);
            sb.setLength(0);
            first = false;
        }
    }

    private static void metadata(final PerfettoLayout layout, final Emitter e) throws IOException {
        final Set<Integer> named = new HashSet<>();
        for (final PerfettoLayout.Track t : layout.tracks.values()) {
            if (named.add(t.pid())) {
                e.sb.append("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":").append(t.pid()).append(",\"args\":{\"name\":");
                TraceJsonDump.string(e.sb, t.process()).append("}}");
                e.emit();
                e.sb.append("{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":").append(t.pid())
                    .append(",\"args\":{\"sort_index\":").append(t.pid()).append("}}");
                e.emit();
            }
            e.sb.append("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":").append(t.pid()).append(",\"tid\":").append(t.tid())
                .append(",\"args\":{\"name\":");
            TraceJsonDump.string(e.sb, t.thread()).append("}}");
            e.emit();
            e.sb.append("{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":").append(t.pid()).append(",\"tid\":")
                .append(t.tid()).append(",\"args\":{\"sort_index\":").append(t.sortIndex()).append("}}");
            e.emit();
        }
    }

    private static void record(final Emitter e, final PerfettoLayout layout, final TraceRecord r, final long seq,
                               final PerfettoLayout.Track t, final long start, final long end) throws IOException {
        final boolean failed = PerfettoLayout.failed(r);
        final StringBuilder sb = e.sb;
        sb.append("{\"ph\":\"X\",\"name\":");
        TraceJsonDump.string(sb, TraceText.name(r.event()));
        sb.append(",\"cat\":\"").append(failed ? "failed" : layer(r.event())).append('"');
        if (failed) {
            sb.append(",\"cname\":\"terrible\"");
        }
        sb.append(",\"ts\":").append(micros(start)).append(",\"dur\":").append(micros(end - start));
        sb.append(",\"pid\":").append(t.pid()).append(",\"tid\":").append(t.tid());
        sb.append(",\"args\":{\"seq\":").append(seq).append(",\"t_ns\":").append(r.time());
        sb.append(",\"cpu\":\"").append(TraceTextDump.cpu(r.cpu())).append('"');
        sb.append(",\"domain\":\"").append(TraceTextDump.domain(r.domain())).append('"');
        sb.append(",\"code\":").append(r.event());
        sb.append(",\"a\":");
        number(sb, r.a());
        sb.append(",\"b\":");
        number(sb, r.b());
        sb.append(",\"c\":");
        number(sb, r.c());
        sb.append(",\"text\":");
        TraceJsonDump.string(sb, TraceTextDump.describe(r));
        sb.append("}}");
        e.emit();
    }

    private static void slice(final Emitter e, final PerfettoLayout.Span s, final long end) throws IOException {
        final StringBuilder sb = e.sb;
        sb.append("{\"ph\":\"X\",\"name\":");
        TraceJsonDump.string(sb, s.name());
        sb.append(",\"cat\":\"").append(s.cat()).append('"');
        sb.append(",\"ts\":").append(micros(s.start())).append(",\"dur\":").append(micros(end - s.start()));
        sb.append(",\"pid\":").append(s.track().pid()).append(",\"tid\":").append(s.track().tid());
        sb.append(",\"args\":{").append(s.args()).append("}}");
        e.emit();
    }

    /** One flow per interrupt: "s" at its first record, "t" at each next one, "f" at its last. */
    private static void flows(final Emitter e, final PerfettoLayout layout, final TraceReader trace) throws IOException {
        int id = 0;
        for (final InterruptEpisodes.Episode ep : InterruptEpisodes.of(trace)) {
            id++;
            final List<Long> steps = ep.records;
            if (steps.size() < 2) {
                continue;
            }
            final String name = "interrupt " + id + " (irq " + ep.irq + ")";
            for (int k = 0; k < steps.size(); k++) {
                final int seq = steps.get(k).intValue();
                final PerfettoLayout.Track t = layout.home[seq];
                final String ph = k == 0 ? "s" : k == steps.size() - 1 ? "f" : "t";
                e.sb.append("{\"ph\":\"").append(ph).append("\",\"id\":").append(id).append(",\"name\":");
                TraceJsonDump.string(e.sb, name);
                e.sb.append(",\"cat\":\"interrupt\"");
                if (!"s".equals(ph)) {
                    e.sb.append(",\"bp\":\"e\"");
                }
                e.sb.append(",\"ts\":").append(micros(layout.drawn[seq] + 1)).append(",\"pid\":").append(t.pid())
                    .append(",\"tid\":").append(t.tid()).append(",\"args\":{\"seq\":").append(seq).append("}}");
                e.emit();
            }
        }
    }

    /** A process-scoped instant per failed call, so the failure shows above its process's tracks. */
    private static void failures(final Emitter e, final PerfettoLayout layout, final TraceReader trace)
        throws IOException {
        for (int i = 0; i < layout.home.length; i++) {
            final TraceRecord r = trace.get(i);
            if (!PerfettoLayout.failed(r)) {
                continue;
            }
            e.sb.append("{\"ph\":\"i\",\"s\":\"p\",\"name\":");
            TraceJsonDump.string(e.sb, "FAILED: " + TraceTextDump.describe(r));
            e.sb.append(",\"cat\":\"failed\",\"cname\":\"terrible\",\"ts\":").append(micros(layout.drawn[i]))
                .append(",\"pid\":").append(layout.home[i].pid()).append(",\"tid\":").append(layout.home[i].tid())
                .append(",\"args\":{\"seq\":").append(i).append("}}");
            e.emit();
        }
    }

    /**
     * @param event an event code
     * @return the layer that owns its code range: {@code hw}, {@code hv}, {@code guest} or {@code other}
     */
    static String layer(final int event) {
        if (event >= 1 && event <= HwEvent.LAST_HW_EVENT) {
            return "hw";
        }
        if (event < HvEvent.FIRST_GUEST_EVENT && event > HwEvent.LAST_HW_EVENT) {
            return "hv";
        }
        if (event >= HvEvent.FIRST_GUEST_EVENT && event <= 191) {
            return "guest";
        }
        return "other";
    }

    /**
     * @param ns nanoseconds
     * @return microseconds with three decimals, e.g. {@code 10.000} for 10000
     */
    static String micros(final long ns) {
        return BigDecimal.valueOf(ns, 3).toPlainString();
    }

    private static void number(final StringBuilder sb, final long v) {
        if (v >= -MAX_SAFE_INTEGER && v <= MAX_SAFE_INTEGER) {
            sb.append(v);
        } else {
            sb.append('"').append(String.format(Locale.ROOT, "0x%016x", v)).append('"');
        }
    }
}
