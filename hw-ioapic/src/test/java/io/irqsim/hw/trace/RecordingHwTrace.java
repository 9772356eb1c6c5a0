package io.irqsim.hw.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: an {@link HwTrace} that keeps every event, so tests can assert what a device
 * reported (the role QEMU's trace-events play in its qtests).
 */
public final class RecordingHwTrace implements HwTrace {

    /**
     * One recorded event.
     *
     * @param event event code
     * @param a first argument
     * @param b second argument
     * @param c third argument
     */
    public record Event(int event, long a, long b, long c) {
        @Override
        public String toString() {
            return HwEvent.name(event) + "(0x" + Long.toHexString(a) + ", 0x" + Long.toHexString(b)
                + ", 0x" + Long.toHexString(c) + ")";
        }
    }

    private final List<Event> events = new ArrayList<>();

    @Override
    public void event(final int event, final long a, final long b, final long c) {
        events.add(new Event(event, a, b, c));
    }

    /** @return every event recorded since the last {@link #clear()}, oldest first */
    public List<Event> events() {
        return events;
    }

    /** @param event code @return the recorded events with that code, oldest first */
    public List<Event> events(final int event) {
        final List<Event> out = new ArrayList<>();
        for (final Event e : events) {
            if (e.event() == event) {
                out.add(e);
            }
        }
        return out;
    }

    /** @param event code @return how many events with that code were recorded */
    public int count(final int event) {
        int n = 0;
        for (final Event e : events) {
            if (e.event() == event) {
                n++;
            }
        }
        return n;
    }

    /** @param event code @return the newest event with that code, or {@code null} */
    public Event last(final int event) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (events.get(i).event() == event) {
                return events.get(i);
            }
        }
        return null;
    }

    /** Forgets every recorded event. */
    public void clear() {
        events.clear();
    }
}
