package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code irqsim run} and {@code irqsim compare} say: expectations and delivery apart, an attach that left
 * INTx disabled by the device model never shown as plain {@code ok}, one compare row per passed-through device,
 * and compare's exit status following the scenario's {@code expect:} section.
 */
class RunAndCompareVerdictTest {

    @TempDir
    Path dir;

    record Out(int status, String out, String err) {
    }

    private static Out exec(final Callable<Integer> command, final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Out(cl.execute(args), out.toString(), err.toString());
    }

    static Path scenarios() {
        Path d = Path.of("").toAbsolutePath();
        while (!Files.isDirectory(d.resolve("scenarios"))) {
            d = d.getParent();
        }
        return d.resolve("scenarios");
    }

    /** The NIC, ahci and the NIC behind the bridge passed through to one guest; firmware's default wiring. */
    private Path threeDevices(final String expect) throws Exception {
        final Path f = dir.resolve("three.yaml");
        Files.writeString(f, String.join("\n",
            "description: three devices passed through to one guest",
            "strategy: pciback-setup-gsi",
            "dom0:",
            "  drivers: []",
            "guests:",
            "  - name: domU",
            "    passthrough:",
            "      - {device: \"00:03.0\", slot: 5}",
            "      - {device: \"00:04.0\", slot: 6}",
            "      - {device: \"01:02.0\", slot: 7}",
            "traffic:",
            "  - {device: \"00:03.0\", count: 10, intervalNs: 10000}",
            "  - {device: \"00:04.0\", count: 10, intervalNs: 10000}",
            "  - {device: \"01:02.0\", count: 10, intervalNs: 10000}",
            expect, ""));
        return f;
    }

    // nothing passed through and no vfio-user device: no design can differ, so compare says so
    // instead of printing an empty matrix and its legend
    @Test
    void compareOfAScenarioWithNothingToCompareIsAUsageError() throws Exception {
        final Path f = Files.writeString(dir.resolve("none.yaml"), "guests:\n  - name: domU\ntraffic: []\n");
        final CliRun.Result r = CliRun.run("compare", f.toString());
        assertEquals(Main.EXIT_USAGE, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("passes no device through to a guest and plugs no vfio-user device"), r.err());
    }

    @Test
    void runOfAScenarioThatExpectsLostInterruptsSaysPassedAndZeroDeliveredApart() {
        // firmware-edge-high expects pciback-setup-gsi to program edge/high from the lying _CRS: its expectations
        // hold while none of the 100 interrupts arrives, and the verdict line says both
        final Out r = exec(new RunCommand(), "--no-timeline", scenarios().resolve("firmware-edge-high.yaml").toString());
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("expectations (the scenario's expect:): 3 of 3 held"), r.out());
        assertTrue(r.out().contains("verdict: PASSED: every expectation held (3 of 3); delivery: 0 of 100 interrupts "
            + "reached the guest's driver (not among the expectations)"), r.out());
        assertFalse(r.out().contains("every interrupt reached"), r.out());
        assertTrue(r.out().contains("    delivery: 0 of 100 delivered"), r.out());
    }

    @Test
    void runWithoutExpectationsThatDeliversEverythingSaysSo() {
        final Out r = exec(new RunCommand(), "--no-timeline", "--strategy", "pciback-setup-gsi");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("verdict: PASSED (no expectations given: every device attached with INTx and every "
            + "interrupt reached its guest); delivery: 100 of 100 interrupts reached the guest's driver"), r.out());
        assertTrue(r.out().contains("00:03.0 -> domU: attach ok"), r.out());
    }

    @Test
    void runOfAnAttachWithIntxDisabledByQemuIsNotOkAndFails() {
        // hwdom-map-any-write: xen_pt_realize's bind_pt_irq -EBUSY; libxl succeeds, the device has no INTx
        final Out r = exec(new RunCommand(), "--no-timeline", "--strategy", "hwdom-map-any-write");
        assertEquals(Main.EXIT_FAILED, r.status(), r.err());
        assertTrue(r.out().contains("00:03.0 -> domU: attach attached, INTx disabled by QEMU (bind_pt_irq:-EBUSY)"),
            r.out());
        assertTrue(r.out().contains("  - 00:03.0 is in domU without INTx: attached, INTx disabled by QEMU "
            + "(bind_pt_irq:-EBUSY)"), r.out());
        assertTrue(r.out().contains("verdict: FAILED (no expectations given); delivery: 0 of 100"), r.out());
    }

    @Test
    void runWithAFailedExpectationCountsWhatHeld() throws Exception {
        final Out r = exec(new RunCommand(), "--no-timeline", threeDevices("expect: {attach: ok, delivered: 29}")
            .toString());
        assertEquals(Main.EXIT_FAILED, r.status(), r.err());
        assertTrue(r.out().contains("verdict: FAILED: expectations held 1 of 2; delivery: 30 of 30 interrupts"),
            r.out());
        assertTrue(r.out().contains("  - expected delivered 29, got 30"), r.out());
    }

    @Test
    void aScenarioCanExpectAnAttachWithIntxDisabledByQemu() throws Exception {
        final Path f = dir.resolve("intx.yaml");
        Files.writeString(f, String.join("\n",
            "description: dom0's first masked write binds GSI 16 edge and exclusive",
            "strategy: hwdom-map-any-write",
            "expect: {attach: 'attached, INTx disabled by QEMU (bind_pt_irq:-EBUSY)', delivered: 0}", ""));
        final Out r = exec(new RunCommand(), "--no-timeline", f.toString());
        assertEquals(Main.EXIT_OK, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("verdict: PASSED: every expectation held (2 of 2); delivery: 0 of 100"), r.out());
    }

    @Test
    void compareHasOneRowPerStrategyAndPassedThroughDevice() throws Exception {
        final Out r = exec(new CompareCommand(), "--json", threeDevices("expect: {attach: ok, delivered: 30}").toString());
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        final JsonNode j = Json.MAPPER.readTree(r.out());
        final JsonNode rows = j.get("results");
        assertEquals(10 * 3, rows.size());
        final List<String> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertEquals("pv-dom0", rows.get(i).get("strategy").asText());
            first.add(rows.get(i).get("device").asText());
            assertEquals(10, rows.get(i).get("fired").asLong());
        }
        assertEquals(List.of("00:03.0", "00:04.0", "01:02.0"), first);
        assertEquals("pciback-setup-gsi", j.get("expectStrategy").asText());
        assertTrue(j.get("expectationsHeld").asBoolean());
        int checked = 0;
        for (final JsonNode row : rows) {
            if (!row.get("expect").isNull()) {
                checked++;
                assertEquals("pciback-setup-gsi", row.get("strategy").asText());
                assertEquals("held", row.get("expect").asText());
            }
        }
        assertEquals(3, checked, "the expectation verdict is on the rows of the scenario's own strategy only");
    }

    @Test
    void compareExitsNonZeroWhenTheScenariosExpectationsFail() throws Exception {
        final Out r = exec(new CompareCommand(), threeDevices("expect: {attach: ok, delivered: 29}").toString());
        assertEquals(Main.EXIT_FAILED, r.status(), r.err());
        assertTrue(r.out().contains("expect: the scenario's expect: section, checked under its strategy "
            + "pciback-setup-gsi: FAILED"), r.out());
    }

    @Test
    void compareShowsIntxDisabledByQemuAndNeverPlainOk() throws Exception {
        final Out r = exec(new CompareCommand(), "--json");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        for (final JsonNode row : Json.MAPPER.readTree(r.out()).get("results")) {
            if ("hwdom-map-any-write".equals(row.get("strategy").asText())) {
                assertEquals("attached, INTx disabled by QEMU (bind_pt_irq:-EBUSY)", row.get("attach").asText());
                assertTrue(row.get("intxDisabled").asBoolean());
                assertEquals("00:03.0", row.get("device").asText());
            } else if ("ok".equals(row.get("attach").asText())) {
                assertFalse(row.get("intxDisabled").asBoolean(), row.toString());
            }
        }
    }

    @Test
    void compareTableNamesDeliveryThrottlingColumns() {
        final Out r = exec(new CompareCommand());
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        final String header = r.out().lines().filter(l -> l.startsWith("strategy")).findFirst().orElseThrow();
        for (final String col : List.of("device", "attach", "delivered", "coalesced", "forced", "latency mean/max")) {
            assertTrue(header.contains(col), header);
        }
        assertTrue(r.out().contains("attached, INTx disabled by QEMU (bind_pt_irq:-EBUSY)"), r.out());
    }
}
