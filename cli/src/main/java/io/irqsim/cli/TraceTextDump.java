package io.irqsim.cli;

import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * The {@code text} format of {@code irqsim trace dump}: one line per record,
 *
 * <pre>
 * 0.000010000 cpu0  xen   do_IRQ                 do_IRQ: vector 0x40 -&gt; irq 16, 1 guest(s)
 * </pre>
 *
 * virtual time in seconds with nanosecond digits, physical CPU ({@code -} for none), domain
 * ({@code xen} for Xen itself), event name padded to a column, and the sentence
 * {@link TraceText#describe} gives (see {@link #describe}). Lines end in {@code \n} on every
 * platform; the same trace always gives the same bytes.
 */
final class TraceTextDump {

    /** Width of the event-name column (the longest name known, {@code privcmd_pcidev_get_gsi}). */
    static final int NAME_WIDTH = 22;
    /** Width of the CPU and domain columns. */
    static final int CONTEXT_WIDTH = 5;

    private TraceTextDump() {
    }

    /**
     * @param trace a decoded trace
     * @param out destination, one line per record
     * @throws IOException if {@code out} fails
     */
    static void write(final TraceReader trace, final Appendable out) throws IOException {
        TraceDumpFormat.perRecord(trace, out, TraceTextDump::appendLine);
    }

    /**
     * @param r a record
     * @param sb where its line goes (without the line end)
     */
    static void appendLine(final TraceRecord r, final StringBuilder sb) {
        sb.append(seconds(r.time())).append(' ');
        pad(sb, cpu(r.cpu()), CONTEXT_WIDTH).append(' ');
        pad(sb, domain(r.domain()), CONTEXT_WIDTH).append(' ');
        pad(sb, TraceText.name(r.event()), NAME_WIDTH).append(' ');
        sb.append(describe(r));
    }

    /**
     * {@link TraceText#describe}, made safe for records with arguments it cannot decode (a PCI
     * address outside segment 0, say, in a damaged or foreign file): those get the generic
     * {@code name a=.. b=.. c=..} form rather than an exception.
     *
     * @param r a record
     * @return its sentence
     */
    static String describe(final TraceRecord r) {
        try {
            return TraceText.describe(r);
        } catch (final RuntimeException e) {
            return TraceText.raw(r);
        }
    }

    private static StringBuilder pad(final StringBuilder sb, final String s, final int width) {
        sb.append(s);
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        return sb;
    }

    /**
     * @param ns virtual time in nanoseconds
     * @return seconds with exactly nine decimals, e.g. {@code 0.000010000} for 10000
     */
    static String seconds(final long ns) {
        return BigDecimal.valueOf(ns, 9).toPlainString();
    }

    /**
     * @param cpu a record's CPU, -1 for none
     * @return {@code cpu<n>} or {@code -}
     */
    static String cpu(final int cpu) {
        return cpu < 0 ? "-" : "cpu" + cpu;
    }

    /**
     * @param domain a record's domain id
     * @return {@code xen} for {@link TraceFormat#DOMID_XEN}, else {@code d<id>}
     */
    static String domain(final int domain) {
        return domain == TraceFormat.DOMID_XEN ? "xen" : "d" + domain;
    }
}
