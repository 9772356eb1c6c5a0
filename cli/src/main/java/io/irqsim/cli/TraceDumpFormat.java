package io.irqsim.cli;

import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;

import java.io.IOException;
import java.util.Iterator;
import java.util.Arrays;
import java.util.Locale;

/** The output formats of {@code irqsim trace dump}; see {@code docs/trace.md}. */
enum TraceDumpFormat {

    /** One readable line per record ({@link TraceTextDump}). */
    TEXT("text") {
        @Override
        void write(final TraceReader trace, final Appendable out) throws IOException {
            TraceTextDump.write(trace, out);
        }
    },
    /** JSON Lines, one object per record ({@link TraceJsonDump}). */
    JSON("json") {
        @Override
        void write(final TraceReader trace, final Appendable out) throws IOException {
            TraceJsonDump.write(trace, out);
        }
    },
    /** Chrome / Perfetto trace-event JSON for a timeline ({@link TracePerfettoDump}). */
    PERFETTO("perfetto") {
        @Override
        void write(final TraceReader trace, final Appendable out) throws IOException {
            TracePerfettoDump.write(trace, out);
        }
    };

    private final String label;

    TraceDumpFormat(final String label) {
        this.label = label;
    }

    /**
     * Writes the whole trace in this format.
     *
     * @param trace the decoded trace
     * @param out destination
     * @throws IOException if {@code out} fails
     */
    abstract void write(TraceReader trace, Appendable out) throws IOException;

    /**
     * Writes one line per record, each built by {@code format} into a reused buffer.
     *
     * @param trace the decoded trace
     * @param out destination
     * @param format appends one record's line (without the line end)
     * @throws IOException if {@code out} fails
     */
    static void perRecord(final TraceReader trace, final Appendable out,
                          final java.util.function.BiConsumer<TraceRecord, StringBuilder> format) throws IOException {
        final StringBuilder line = new StringBuilder(200);
        for (long i = 0; i < trace.count(); i++) {
            line.setLength(0);
            format.accept(trace.get(i), line);
            out.append(line).append('\n');
        }
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * @param name a format name as typed (any case)
     * @return the format
     * @throws IllegalArgumentException naming the valid formats if {@code name} is none of them
     */
    static TraceDumpFormat parse(final String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        for (final TraceDumpFormat f : values()) {
            if (f.label.equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "' (expected " + String.join(", ", new Names())
            + ")");
    }

    /** The format names, for picocli's {@code ${COMPLETION-CANDIDATES}} and shell completion. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(values()).map(f -> f.label).iterator();
        }
    }
}
