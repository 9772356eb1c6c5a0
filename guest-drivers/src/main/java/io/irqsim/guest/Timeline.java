package io.irqsim.guest;

import io.irqsim.hw.time.VirtualClock;

import java.util.ArrayList;
import java.util.List;

/**
 * The readable story of a run: what each layer did, in order, with virtual time and errno values.
 * Guest-side code adds lines as it goes; each line remembers how many binary trace records
 * existed when it was written, so the renderer can interleave hypervisor events from the trace.
 * Not a hot path: lines are added for set-up steps and summaries, not for every interrupt.
 */
public final class Timeline {

    /**
     * One line.
     *
     * @param time virtual time, ns
     * @param traceIndex trace records written before it
     * @param actor who acted, e.g. {@code "dom0 linux"}, {@code "libxl"}
     * @param text what happened
     */
    public record Entry(long time, long traceIndex, String actor, String text) {
    }

    /** Where the number of trace records so far comes from. */
    @FunctionalInterface
    public interface RecordCounter {
        /** @return records written so far */
        long recordCount();
    }

    private final VirtualClock clock;
    private final RecordCounter records;
    private final List<Entry> entries = new ArrayList<>();

    /**
     * @param clock virtual time
     * @param records the trace's record counter
     */
    public Timeline(final VirtualClock clock, final RecordCounter records) {
        this.clock = clock;
        this.records = records;
    }

    /**
     * Adds a line.
     *
     * @param actor who
     * @param format text, {@link String#format} style
     * @param args arguments
     */
    public void log(final String actor, final String format, final Object... args) {
        entries.add(new Entry(clock.now(), records.recordCount(), actor, args.length == 0 ? format
            : String.format(java.util.Locale.ROOT, format, args)));
    }

    /** @return the lines so far (since the last {@link #drain}) */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** @return how many lines {@link #entries} holds */
    public int size() {
        return entries.size();
    }

    /**
     * Hands over the lines so far and forgets them: a long run renders its timeline as it goes
     * instead of keeping every line.
     *
     * @return the lines since the last drain, in order
     */
    public List<Entry> drain() {
        final List<Entry> out = List.copyOf(entries);
        entries.clear();
        return out;
    }
}
