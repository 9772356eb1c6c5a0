package io.irqsim.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code irqsim compare}'s rows for a scenario's {@code guests[].vfioUser} devices: one per design
 * and device, its own table under the matrix (the matrix's columns are a passed-through device's)
 * and {@code vfioUser[]} in {@code --json}. Each design's run connected afresh to the server.
 */
final class CompareVfioUser {

    private CompareVfioUser() {
    }

    /**
     * @param strategy the design
     * @param vfio what its run's vfio-user devices did
     * @return the rows, the JSON shape of {@code vfioUser[]}
     */
    static List<Map<String, Object>> rows(final String strategy, final List<VfioUserOutcome> vfio) {
        final List<Map<String, Object>> out = new ArrayList<>();
        for (final VfioUserOutcome v : vfio) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("strategy", strategy);
            m.put("entry", v.entry());
            m.put("socket", v.socket());
            m.put("guest", v.guest());
            m.put("function", v.function().toString());
            m.put("vendorId", v.vendorId());
            m.put("deviceId", v.deviceId());
            m.put("gsi", v.gsi());
            m.put("interrupts", v.interrupts());
            m.put("asserted", v.asserted());
            m.put("eoid", v.eoid());
            m.put("handled", v.handled());
            m.put("ok", v.ok());
            m.put("failure", v.failure());
            out.add(m);
        }
        return out;
    }

    /**
     * Prints the table (nothing when there are no rows).
     *
     * @param rows from {@link #rows}
     * @param out where
     */
    static void table(final List<Map<String, Object>> rows, final PrintWriter out) {
        if (rows.isEmpty()) {
            return;
        }
        out.println();
        out.println("vfio-user devices (guests[].vfioUser; a fresh connection to the server per design):");
        final String fmt = "%-24s %-22s %-8s %-8s %4s %8s %7s %7s  %s%n";
        out.printf(fmt, "strategy", "entry", "guest", "function", "GSI", "asserted", "EOId", "handled", "result");
        for (final Map<String, Object> m : rows) {
            out.printf(fmt, m.get("strategy"), m.get("entry"), m.get("guest"), m.get("function"), m.get("gsi"),
                m.get("asserted"), m.get("eoid") + "/" + m.get("interrupts"), m.get("handled"),
                Boolean.TRUE.equals(m.get("ok")) ? "ok" : "FAILED: " + m.get("failure"));
        }
    }
}
