package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules of the Trace Event Format (Google's "Trace Event Format" document, the JSON Object
 * Format) that the Perfetto export relies on, checked on a parsed document, because no trace
 * consumer (Perfetto's trace processor, catapult) can be installed on the build machine:
 *
 * <ul>
 *   <li>the object has a {@code traceEvents} array; every event has a known {@code ph};</li>
 *   <li>complete events ({@code X}) have numeric {@code ts} and {@code dur >= 0}, a {@code pid}
 *       and {@code tid}; on one thread they nest (a slice that starts inside another ends inside
 *       it), as the format requires of a thread's slices;</li>
 *   <li>instant events ({@code i}) have a scope {@code s} of {@code g}, {@code p} or {@code t};</li>
 *   <li>metadata ({@code M}) names processes and threads with {@code args.name};</li>
 *   <li>flow events ({@code s}, {@code t}, {@code f}) share {@code id}, {@code cat} and
 *       {@code name} per flow; a flow has one start and one finish, the start first and steps
 *       between; each flow event binds to a slice enclosing its {@code ts} on its thread (for
 *       {@code s} and {@code t} always, for {@code f} with {@code "bp":"e"}).</li>
 * </ul>
 */
final class TraceEventRules {

    private static final Set<String> PHASES = Set.of("X", "i", "M", "s", "t", "f");

    /** A checked document: the slices per thread, the flows by id. */
    record Checked(List<JsonNode> slices, Map<Long, List<JsonNode>> flows, List<JsonNode> instants) {
    }

    private TraceEventRules() {
    }

    static long nanos(final JsonNode n) {
        assertTrue(n != null && n.isNumber(), () -> "not a number: " + n);
        return n.decimalValue().movePointRight(3).setScale(0, java.math.RoundingMode.UNNECESSARY).longValueExact();
    }

    static Checked check(final JsonNode doc) {
        final JsonNode events = doc.get("traceEvents");
        assertTrue(events != null && events.isArray(), "no traceEvents array");
        final Map<String, List<long[]>> perThread = new HashMap<>();
        final List<JsonNode> slices = new ArrayList<>();
        final List<JsonNode> instants = new ArrayList<>();
        final Map<Long, List<JsonNode>> flows = new HashMap<>();
        for (final JsonNode e : events) {
            final String ph = e.path("ph").asText();
            assertTrue(PHASES.contains(ph), () -> "unknown phase: " + e);
            assertTrue(e.path("pid").isInt(), () -> "no pid: " + e);
            switch (ph) {
                case "M":
                    assertTrue(e.path("args").has("name") || e.path("args").has("sort_index"),
                        () -> "metadata without args: " + e);
                    break;
                case "X": {
                    assertTrue(e.path("tid").isInt(), () -> "no tid: " + e);
                    final long ts = nanos(e.get("ts"));
                    final long dur = nanos(e.get("dur"));
                    assertTrue(dur >= 0, () -> "negative dur: " + e);
                    perThread.computeIfAbsent(thread(e), k -> new ArrayList<>()).add(new long[] {ts, ts + dur});
                    slices.add(e);
                    break;
                }
                case "i":
                    assertTrue(Set.of("g", "p", "t").contains(e.path("s").asText()), () -> "instant scope: " + e);
                    nanos(e.get("ts"));
                    instants.add(e);
                    break;
                default:
                    assertTrue(e.path("id").isIntegralNumber(), () -> "flow without id: " + e);
                    assertTrue(e.path("tid").isInt(), () -> "no tid: " + e);
                    nanos(e.get("ts"));
                    flows.computeIfAbsent(e.get("id").longValue(), k -> new ArrayList<>()).add(e);
                    break;
            }
        }
        for (final Map.Entry<String, List<long[]>> t : perThread.entrySet()) {
            final List<long[]> s = t.getValue();
            s.sort(Comparator.<long[]>comparingLong(x -> x[0]).thenComparing(x -> -x[1]));
            final Deque<long[]> open = new ArrayDeque<>();
            for (final long[] x : s) {
                while (!open.isEmpty() && open.peek()[1] <= x[0]) {
                    open.pop();
                }
                assertTrue(open.isEmpty() || x[1] <= open.peek()[1],
                    () -> "slices on thread " + t.getKey() + " overlap without nesting at " + x[0] + " ns");
                open.push(x);
            }
        }
        for (final Map.Entry<Long, List<JsonNode>> f : flows.entrySet()) {
            final List<JsonNode> steps = f.getValue();
            final JsonNode first = steps.get(0);
            assertEquals("s", first.get("ph").asText(), () -> "flow " + f.getKey() + " does not begin with s");
            assertEquals("f", steps.get(steps.size() - 1).get("ph").asText(), () -> "flow " + f.getKey() + " has no f");
            long last = Long.MIN_VALUE;
            for (int k = 0; k < steps.size(); k++) {
                final JsonNode e = steps.get(k);
                assertEquals(first.get("cat"), e.get("cat"));
                assertEquals(first.get("name"), e.get("name"));
                if (k > 0 && k < steps.size() - 1) {
                    assertEquals("t", e.get("ph").asText());
                }
                if ("f".equals(e.get("ph").asText())) {
                    assertEquals("e", e.path("bp").asText(), "a finish binds to its enclosing slice");
                }
                final long ts = nanos(e.get("ts"));
                assertTrue(ts >= last, () -> "flow goes back in time: " + e);
                last = ts;
                assertTrue(enclosed(perThread.get(thread(e)), ts), () -> "flow event outside any slice: " + e);
            }
        }
        return new Checked(slices, flows, instants);
    }

    private static boolean enclosed(final List<long[]> slices, final long ts) {
        if (slices == null) {
            return false;
        }
        for (final long[] s : slices) {
            if (s[0] <= ts && ts < s[1]) {
                return true;
            }
        }
        return false;
    }

    private static String thread(final JsonNode e) {
        return e.get("pid").asInt() + "/" + e.get("tid").asInt();
    }

}
