package io.irqsim.cli;

import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * What {@code irqsim bench} reports: the latency distribution of the measured interrupts, in
 * nanoseconds of wall-clock time, from an HdrHistogram with 3 significant digits (each value is
 * exact to within 0.1%). Serialised as JSON with these field names.
 *
 * @param scenario scenario name
 * @param strategy strategy name
 * @param device the passed-through device that raised the interrupts
 * @param guest the guest it is passed through to
 * @param transport how interrupts travelled
 * @param warmup interrupts driven before measuring
 * @param count interrupts measured
 * @param unit always {@code "ns"}
 * @param min fastest
 * @param mean mean
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p99_9 99.9th percentile
 * @param max slowest
 * @param clamped values above the histogram's range (1 s), recorded as 1 s
 */
record BenchResult(String scenario, String strategy, String device, String guest, String transport, long warmup,
                   long count, String unit, long min, double mean, long p50, long p90, long p99, long p99_9, long max,
                   long clamped) {

    /**
     * @param scenario scenario name
     * @param strategy strategy name
     * @param target the target measured
     * @param warmup warm-up interrupts
     * @param h the histogram
     * @param clamped values clamped to the top of the range
     * @return the result
     */
    static BenchResult of(final String scenario, final String strategy, final BenchTarget target, final long warmup,
                          final Histogram h, final long clamped) {
        return new BenchResult(scenario, strategy, target.device(), target.guest(), target.transport(), warmup,
            h.getTotalCount(), "ns", h.getMinValue(), Math.round(h.getMean() * 10) / 10.0, h.getValueAtPercentile(50),
            h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(),
            clamped);
    }

    /**
     * Prints the result for people.
     *
     * @param out where
     * @param timing what each value spans, from its start to its end ({@link BenchTarget#timing()})
     */
    void text(final PrintWriter out, final String timing) {
        out.printf(Locale.ROOT, "irqsim bench: scenario %s, strategy %s%n", scenario, strategy);
        out.printf(Locale.ROOT, "  %s -> %s (%s)%n", device, guest, transport);
        out.printf(Locale.ROOT, "  %d interrupts after %d warm-up; latency: wall clock %s%n%n", count, warmup,
            timing.replace("\n", System.lineSeparator()));
        row(out, "count", Long.toString(count), "");
        row(out, "mean", duration(Math.round(mean)), "");
        row(out, "min", duration(min), "");
        row(out, "p50", duration(p50), "");
        row(out, "p90", duration(p90), "");
        row(out, "p99", duration(p99), "");
        row(out, "p99.9", duration(p99_9), "");
        row(out, "max", duration(max), "");
        if (clamped > 0) {
            out.printf(Locale.ROOT, "  (%d value(s) above 1 s recorded as 1 s)%n", clamped);
        }
        out.flush();
    }

    /**
     * @param ns a duration in nanoseconds
     * @return it in the largest unit that keeps it at 1 or more, three significant digits at least:
     *     {@code 950 ns}, {@code 2.10 us}, {@code 275.25 ms}, {@code 1.000 s}
     */
    static String duration(final long ns) {
        if (ns < 1_000) {
            return ns + " ns";
        }
        if (ns < 1_000_000) {
            return String.format(Locale.ROOT, "%.2f us", ns / 1e3);
        }
        if (ns < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", ns / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f s", ns / 1e9);
    }

    private static void row(final PrintWriter out, final String label, final String value, final String unit) {
        out.printf(Locale.ROOT, "  %-6s %12s%s%n", label, value, unit.isEmpty() ? "" : " " + unit);
    }
}
