package io.irqsim.cli;

import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;

import java.io.IOException;
import java.util.Locale;

/**
 * The {@code json} format of {@code irqsim trace dump}: JSON Lines, one object per record, keys
 * always in this order:
 *
 * <pre>
 * {"t":10000,"cpu":0,"domain":0,"event":"do_IRQ","code":75,"a":49,"b":16,"c":1,"text":"do_IRQ: ..."}
 * </pre>
 *
 * {@code t} is virtual time in ns; {@code cpu} is {@code null} for records without a CPU;
 * {@code domain} is the domain id, or the string {@code "xen"} for Xen itself; {@code a}, {@code b},
 * {@code c} are the raw arguments as signed 64-bit integers, exactly as {@code TraceReader}
 * returns them. Lines end in {@code \n}.
 */
final class TraceJsonDump {

    private TraceJsonDump() {
    }

    /**
     * @param trace a decoded trace
     * @param out destination, one JSON object per line
     * @throws IOException if {@code out} fails
     */
    static void write(final TraceReader trace, final Appendable out) throws IOException {
        TraceDumpFormat.perRecord(trace, out, TraceJsonDump::append);
    }

    private static void append(final TraceRecord r, final StringBuilder sb) {
        sb.append("{\"t\":").append(r.time());
        sb.append(",\"cpu\":");
        if (r.cpu() < 0) {
            sb.append("null");
        } else {
            sb.append(r.cpu());
        }
        sb.append(",\"domain\":");
        if (r.domain() == TraceFormat.DOMID_XEN) {
            sb.append("\"xen\"");
        } else {
            sb.append(r.domain());
        }
        sb.append(",\"event\":");
        string(sb, TraceText.name(r.event()));
        sb.append(",\"code\":").append(r.event());
        sb.append(",\"a\":").append(r.a());
        sb.append(",\"b\":").append(r.b());
        sb.append(",\"c\":").append(r.c());
        sb.append(",\"text\":");
        string(sb, TraceTextDump.describe(r));
        sb.append('}');
    }

    /**
     * Appends a JSON string literal. Quote, backslash and control characters are escaped, and so is
     * everything outside printable ASCII, so the output is plain ASCII whatever the platform
     * encoding.
     *
     * @param sb destination
     * @param s the string
     * @return {@code sb}
     */
    static StringBuilder string(final StringBuilder sb, final String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char ch = s.charAt(i);
            switch (ch) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (ch < 0x20 || ch > 0x7E) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
            }
        }
        return sb.append('"');
    }
}
