package io.irqsim.cli;

import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.trace.HwEvent;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code perfetto} format of {@code irqsim trace dump}: Chrome trace-event JSON
 * ({@code {"traceEvents": [...], "displayTimeUnit": "ns"}}) that ui.perfetto.dev and
 * chrome://tracing open as a timeline. Tracks are threads of three made-up processes:
 *
 * <ul>
 *   <li>pid {@value #PID_CPUS} "physical CPUs": one thread per physical CPU that appears in the
 *       trace, tid {@code cpu + 1}, named {@code CPU <n>};</li>
 *   <li>pid {@value #PID_DOMAINS} "domains": one thread per domain, tid
 *       {@code 0x10000 + domid}, named {@code Xen} (DOMID_XEN) or {@code d<id>};</li>
 *   <li>pid {@value #PID_IRQS} "physical IRQs" (only if the trace has {@code do_IRQ} records):
 *       one thread per Xen irq, tid {@code 0x20000 + irq}, named {@code irq <n>}.</li>
 * </ul>
 *
 * <p>Every record is an instant event ({@code "ph":"i","s":"t"}) on its domain's track and, if it
 * has a CPU, also on that CPU's track. Every interrupt Xen takes is in addition a complete event
 * ({@code "ph":"X"}) on its irq's track, from the {@code do_IRQ} record to the next
 * {@code physical_eoi} of the same irq: the time the line was in service. A {@code do_IRQ} while
 * that irq's slice is still open belongs to the open slice; a slice with no physical EOI by the
 * end of the trace ends at the last record and is named {@code irq <n> (no EOI)}.
 *
 * <p>Thread ids are unique across the three processes and never 0: the Perfetto importer models
 * Linux, where a tid names one thread system-wide (thread names are looked up by tid alone) and
 * tid 0 is the idle task.
 *
 * <p>{@code ts} and {@code dur} are in microseconds (the format's unit) with three decimals, so
 * no nanosecond is lost. Arguments {@code a}, {@code b}, {@code c} are JSON numbers when a
 * JavaScript double holds them exactly (|v| &lt; 2^53) and otherwise strings of their 64-bit
 * two's-complement value in hexadecimal, 16 digits (RTEs with a destination in bits 56..63).
 * The output is deterministic.
 */
final class TracePerfettoDump {

    /** pid of the process whose threads are the physical CPUs. */
    static final int PID_CPUS = 1;
    /** pid of the process whose threads are the domains. */
    static final int PID_DOMAINS = 2;
    /** pid of the process whose threads are Xen's physical irqs. */
    static final int PID_IRQS = 3;
    /** Added to a domain id to make its tid. */
    static final int DOMAIN_TID_BASE = 0x10000;
    /** Added to an irq number to make its tid. */
    static final int IRQ_TID_BASE = 0x20000;

    /** Largest magnitude a JSON number keeps exactly in JavaScript ({@code Number.MAX_SAFE_INTEGER}). */
    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    private TracePerfettoDump() {
    }

    /** An interrupt in service on a physical irq, from {@code do_IRQ} to its physical EOI. */
    private static final class Slice {
        final int irq;
        final long startSeq;
        final TraceRecord start;
        long endSeq = -1;
        TraceRecord end;

        Slice(final int irq, final long startSeq, final TraceRecord start) {
            this.irq = irq;
            this.startSeq = startSeq;
            this.start = start;
        }
    }

    /**
     * @param trace a decoded trace
     * @param out destination: one JSON document, one trace event per line
     * @throws IOException if {@code out} fails
     */
    static void write(final TraceReader trace, final Appendable out) throws IOException {
        final SortedSet<Integer> cpus = new TreeSet<>();
        final SortedSet<Integer> domains = new TreeSet<>();
        final SortedSet<Integer> irqs = new TreeSet<>();
        final List<Slice> slices = new ArrayList<>();
        final Map<Integer, Slice> open = new TreeMap<>();
        long lastTime = 0;
        for (long i = 0; i < trace.count(); i++) {
            final TraceRecord r = trace.get(i);
            lastTime = r.time();
            if (r.cpu() >= 0) {
                cpus.add(r.cpu());
            }
            domains.add(r.domain());
            if (r.event() == HvEvent.DO_IRQ && r.b() >= 0 && r.b() <= Integer.MAX_VALUE - IRQ_TID_BASE) {
                final int irq = (int) r.b();
                irqs.add(irq);
                if (!open.containsKey(irq)) {
                    final Slice s = new Slice(irq, i, r);
                    open.put(irq, s);
                    slices.add(s);
                }
            } else if (r.event() == HvEvent.PHYS_EOI && r.a() >= 0 && r.a() <= Integer.MAX_VALUE) {
                final Slice s = open.remove((int) r.a());
                if (s != null) {
                    s.endSeq = i;
                    s.end = r;
                }
            }
        }

        final StringBuilder sb = new StringBuilder(256);
        out.append("{\"traceEvents\":[\n");
        boolean first = true;

        process(sb, PID_CPUS, "physical CPUs");
        first = emit(out, sb, first);
        for (final int cpu : cpus) {
            thread(sb, PID_CPUS, cpuTid(cpu), "CPU " + cpu, cpu);
            first = emit(out, sb, first);
        }
        process(sb, PID_DOMAINS, "domains");
        first = emit(out, sb, first);
        for (final int domain : domains) {
            thread(sb, PID_DOMAINS, domainTid(domain), domainName(domain),
                domain == TraceFormat.DOMID_XEN ? -1 : domain);
            first = emit(out, sb, first);
        }
        if (!irqs.isEmpty()) {
            process(sb, PID_IRQS, "physical IRQs");
            first = emit(out, sb, first);
            for (final int irq : irqs) {
                thread(sb, PID_IRQS, irqTid(irq), "irq " + irq, irq);
                first = emit(out, sb, first);
            }
        }

        for (long i = 0; i < trace.count(); i++) {
            final TraceRecord r = trace.get(i);
            final String text = TraceTextDump.describe(r);
            if (r.cpu() >= 0) {
                instant(sb, r, i, text, PID_CPUS, cpuTid(r.cpu()));
                first = emit(out, sb, first);
            }
            instant(sb, r, i, text, PID_DOMAINS, domainTid(r.domain()));
            first = emit(out, sb, first);
        }
        for (final Slice s : slices) {
            slice(sb, s, lastTime);
            first = emit(out, sb, first);
        }
        out.append("\n],\"displayTimeUnit\":\"ns\"}\n");
    }

    private static boolean emit(final Appendable out, final StringBuilder sb, final boolean first) throws IOException {
        if (!first) {
            out.append(",\n");
        }
        out.append(sb);
        sb.setLength(0);
        return false;
    }

    /**
     * @param cpu a physical CPU
     * @return the tid of its track
     */
    static int cpuTid(final int cpu) {
        return cpu + 1;
    }

    /**
     * @param domain a domain id
     * @return the tid of its track
     */
    static int domainTid(final int domain) {
        return DOMAIN_TID_BASE + domain;
    }

    /**
     * @param irq a Xen irq
     * @return the tid of its track
     */
    static int irqTid(final int irq) {
        return IRQ_TID_BASE + irq;
    }

    /**
     * @param domain a domain id
     * @return the name of its track: {@code Xen} or {@code d<id>}
     */
    static String domainName(final int domain) {
        return domain == TraceFormat.DOMID_XEN ? "Xen" : "d" + domain;
    }

    private static void process(final StringBuilder sb, final int pid, final String name) {
        sb.append("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":").append(pid).append(",\"args\":{\"name\":");
        TraceJsonDump.string(sb, name).append("}},\n");
        sb.append("{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":").append(pid)
            .append(",\"args\":{\"sort_index\":").append(pid).append("}}");
    }

    private static void thread(final StringBuilder sb, final int pid, final int tid, final String name,
                               final int sortIndex) {
        sb.append("{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":").append(pid).append(",\"tid\":").append(tid)
            .append(",\"args\":{\"name\":");
        TraceJsonDump.string(sb, name).append("}},\n");
        sb.append("{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":").append(pid).append(",\"tid\":").append(tid)
            .append(",\"args\":{\"sort_index\":").append(sortIndex).append("}}");
    }

    private static void instant(final StringBuilder sb, final TraceRecord r, final long seq, final String text,
                                final int pid, final int tid) {
        sb.append("{\"ph\":\"i\",\"s\":\"t\",\"name\":");
        TraceJsonDump.string(sb, TraceText.name(r.event()));
        sb.append(",\"cat\":\"").append(layer(r.event())).append('"');
        sb.append(",\"ts\":").append(micros(r.time()));
        sb.append(",\"pid\":").append(pid).append(",\"tid\":").append(tid);
        sb.append(",\"args\":{\"seq\":").append(seq);
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
        TraceJsonDump.string(sb, text);
        sb.append("}}");
    }

    private static void slice(final StringBuilder sb, final Slice s, final long lastTime) {
        final long endTime = s.end != null ? s.end.time() : lastTime;
        sb.append("{\"ph\":\"X\",\"name\":");
        TraceJsonDump.string(sb, "irq " + s.irq + (s.end == null ? " (no EOI)" : ""));
        sb.append(",\"cat\":\"irq\"");
        sb.append(",\"ts\":").append(micros(s.start.time()));
        sb.append(",\"dur\":").append(micros(endTime - s.start.time()));
        sb.append(",\"pid\":").append(PID_IRQS).append(",\"tid\":").append(irqTid(s.irq));
        sb.append(",\"args\":{\"irq\":").append(s.irq);
        sb.append(",\"vector\":");
        number(sb, s.start.a());
        sb.append(",\"cpu\":\"").append(TraceTextDump.cpu(s.start.cpu())).append('"');
        sb.append(",\"guests\":");
        number(sb, s.start.c());
        sb.append(",\"eoi\":");
        TraceJsonDump.string(sb, s.end == null ? "none before the end of the trace" : eoiMethod(s.end.c()));
        sb.append(",\"do_IRQ_seq\":").append(s.startSeq);
        if (s.end != null) {
            sb.append(",\"eoi_seq\":").append(s.endSeq);
        }
        sb.append("}}");
    }

    private static String eoiMethod(final long method) {
        if (method == HvEvent.EOI_LAPIC) {
            return "LAPIC EOI broadcast";
        }
        if (method == HvEvent.EOI_IOAPIC_EOIR) {
            return "IO-APIC EOI register";
        }
        if (method == HvEvent.EOI_UNMASK) {
            return "unmask";
        }
        return "method " + method;
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
