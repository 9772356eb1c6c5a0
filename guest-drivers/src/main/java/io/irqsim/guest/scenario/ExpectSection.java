package io.irqsim.guest.scenario;

import io.irqsim.guest.scenario.YamlTree.Node;
import io.irqsim.hv.Errno;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The {@code expect} section of a scenario: the outcome a run is checked against. */
final class ExpectSection {

    /** The errno names Xen's hypercalls return ({@link Errno#name}), as {@code expect.attach} writes them. */
    static final List<String> ERRNO_NAMES = errnoNames();

    private static List<String> errnoNames() {
        final List<String> out = new ArrayList<>();
        for (int e = 1; e < 4096; e++) {
            final String n = Errno.name(-e);
            if (n.startsWith("-E")) {
                out.add(n);
            }
        }
        return List.copyOf(out);
    }

    private static final List<String> EXPECT_TRIGGERS = List.of("level", "edge", "unset");
    private static final List<String> EXPECT_POLARITIES = List.of("low", "high", "unset");
    /** An expected attach outcome; group 1 or 2 is the errno of a failed call. */
    private static final Pattern ATTACH = Pattern.compile(
        "ok|[a-z][a-z0-9_]*:(-E[A-Z0-9]+)|attached, INTx disabled by QEMU \\([a-z][a-z0-9_]*:(-E[A-Z0-9]+)\\)");

    private final ScenarioReader r;

    ExpectSection(final ScenarioReader r) {
        this.r = r;
    }

    Scenario.Expectations expect(final Node n) {
        if (n == null) {
            return Scenario.Expectations.NONE;
        }
        final ScenarioReader.Obj o = r.obj(n, ScenarioKeys.EXPECT);
        String attach = null;
        if (o.has("attach")) {
            final Node a = o.get("attach");
            attach = r.string(a);
            final java.util.regex.Matcher m = ATTACH.matcher(attach);
            if (!m.matches()) {
                throw r.err(a, "'" + attach + "' is neither ok nor CALL:-ERRNO (e.g. irq_permission:-EPERM) nor 'attached, INTx"
                    + " disabled by QEMU (CALL:-ERRNO)'");
            }
            final String errno = m.group(1) != null ? m.group(1) : m.group(2);
            if (errno != null && !ERRNO_NAMES.contains(errno)) {
                throw r.err(a, "unknown errno " + errno + ScenarioReader.didYouMean(errno, ERRNO_NAMES) + "; Xen returns "
                    + String.join(", ", ERRNO_NAMES));
            }
        }
        final Long delivered = o.has("delivered") ? r.integer(o.get("delivered"), 0, Long.MAX_VALUE, false) : null;
        final Long spurious = o.has("spurious") ? r.integer(o.get("spurious"), 0, Long.MAX_VALUE, false) : null;
        final Boolean bound = o.has("boundToDom0") ? r.bool(o.get("boundToDom0")) : null;
        final String trigger = o.has("physicalTrigger") ? r.choice(o.get("physicalTrigger"), EXPECT_TRIGGERS) : null;
        final String polarity = o.has("physicalPolarity")
            ? r.choice(o.get("physicalPolarity"), EXPECT_POLARITIES) : null;
        return new Scenario.Expectations(attach, delivered, spurious, bound, trigger, polarity);
    }
}
