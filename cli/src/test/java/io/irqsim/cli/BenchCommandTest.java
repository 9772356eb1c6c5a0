package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.irqsim.dm.net.DmTransport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {

    /** Output of one run. */
    record Run(int status, String out, String err) {
    }

    static Run bench(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        // configured as Main.commandLine() configures its subcommands (exit codes, error handlers)
        final CommandLine cl = new CommandLine(new BenchCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        final int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void jsonReportsEveryFieldAndOrderedPercentiles() throws Exception {
        final Run r = bench("-n", "200", "--warmup", "50", "--json");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        final JsonNode j = Json.MAPPER.readTree(r.out());
        for (final String f : List.of("scenario", "strategy", "device", "guest", "transport", "warmup", "count", "unit",
            "min", "mean", "p50", "p90", "p99", "p99_9", "max", "clamped")) {
            assertTrue(j.has(f), "missing field " + f + " in " + r.out());
        }
        assertEquals("default", j.get("scenario").asText());
        assertEquals("pciback-setup-gsi", j.get("strategy").asText());
        assertEquals("00:03.0", j.get("device").asText());
        assertEquals("domU", j.get("guest").asText());
        assertEquals("ns", j.get("unit").asText());
        assertEquals(200, j.get("count").asLong());
        assertEquals(50, j.get("warmup").asLong());
        final long min = j.get("min").asLong();
        final long p50 = j.get("p50").asLong();
        final long p90 = j.get("p90").asLong();
        final long p99 = j.get("p99").asLong();
        final long p999 = j.get("p99_9").asLong();
        final long max = j.get("max").asLong();
        assertTrue(min > 0 && min <= p50 && p50 <= p90 && p90 <= p99 && p99 <= p999 && p999 <= max,
            "percentiles out of order: " + r.out());
        final double mean = j.get("mean").asDouble();
        assertTrue(mean >= min && mean <= max, r.out());
        assertEquals("", r.err(), "no progress with --json");
    }

    @Test
    void textShowsTheHistogramRows() {
        final Run r = bench("-n", "200", "--warmup", "0");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        for (final String label : List.of("count", "mean", "min", "p50", "p90", "p99", "p99.9", "max")) {
            assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(label + " ")), label + " missing:\n" + r.out());
        }
        assertTrue(r.out().contains("scenario default, strategy pciback-setup-gsi"), r.out());
        assertTrue(r.out().contains("until the guest driver has handled it and the machine is idle"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().matches("count\\s+200\\s*")), r.out());
        // durations in human units, never a bare count of nanoseconds past a thousand
        assertTrue(r.out().lines().filter(l -> l.trim().startsWith("p50 "))
            .allMatch(l -> l.trim().matches("p50\\s+(\\d{1,3} ns|\\d+\\.\\d\\d (us|ms)|\\d+\\.\\d{3} s)")), r.out());
    }

    @Test
    void durationsReadInTheLargestFittingUnit() {
        assertEquals("950 ns", BenchResult.duration(950));
        assertEquals("2.10 us", BenchResult.duration(2_104));
        assertEquals("275.25 ms", BenchResult.duration(275_251_199));
        assertEquals("1.500 s", BenchResult.duration(1_500_000_000));
    }

    @Test
    void progressEveryTenPercentWhenAsked() {
        final Run r = bench("-n", "200", "--warmup", "0", "--progress");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        final List<String> lines = r.err().lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        assertEquals(10, lines.size(), r.err());
        assertEquals("bench:  10% (20/200)", lines.get(0));
        assertEquals("bench: 100% (200/200)", lines.get(9));
    }

    // the default warm-up is 10,000 interrupts, irq_ratelimit's limit per 10 ms: virtual time has to
    // move on between interrupts, or the first measured one is rate-limited and never handled
    @Test
    void theDefaultWarmUpLeavesTheLineDelivering() {
        final Run r = bench("-n", "20");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("20 interrupts after 10000 warm-up"), r.out());
    }

    // a scenario with nothing passed through has no interrupt to raise: a usage error, not an
    // internal one (BenchVfioUserTest's scenarios pass a device through besides their vfio-user one)
    @Test
    void aScenarioThatPassesNothingThroughIsAUsageError() throws Exception {
        final java.nio.file.Path file = java.nio.file.Files.createTempFile("bench-none", ".yaml");
        try {
            java.nio.file.Files.writeString(file, "guests:\n  - name: domU\ntraffic: []\n");
            final Run r = bench(file.toString(), "-n", "10");
            assertEquals(Main.EXIT_USAGE, r.status(), r.err());
            assertTrue(r.err().contains("passes no device through to a guest: no interrupt for bench to raise"), r.err());
            assertTrue(!r.err().contains("internal error"), r.err());
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void aStrategyThatDoesNotDeliverIsAClearErrorWithStatusOne() {
        final Run r = bench("-n", "10", "--strategy", "status-quo");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().contains("strategy status-quo does not deliver")
            && r.err().contains("irq_permission:-EPERM"), r.err());
    }

    @Test
    void anAttachWithIntxDisabledByTheDeviceModelSaysSo() {
        // hwdom-map-any-write: xen_pt_realize's bind_pt_irq fails, libxl succeeds, the device has no INTx
        final Run r = bench("-n", "10", "--warmup", "0", "--strategy", "hwdom-map-any-write");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.err().contains("00:03.0 is in domU without INTx: attached, INTx disabled by QEMU "
            + "(bind_pt_irq:-EBUSY)"), r.err());
    }

    @Test
    void anAttachThatWorksButDeliversNothingIsAlsoStatusOne() {
        // early-pirq-map: permission passes, but the pin dom0 never unmasks is never configured
        final Run r = bench("-n", "10", "--warmup", "0", "--strategy", "early-pirq-map");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.err().contains("does not deliver"), r.err());
    }

    @Test
    void aScenarioFileBenchmarksItsFirstPassedThroughDevice() throws Exception {
        final java.nio.file.Path file = java.nio.file.Files.createTempFile("bench-scenario", ".yaml");
        try {
            // the device behind the bridge: INTA swizzled onto the bridge's INTC, GSI 22
            java.nio.file.Files.writeString(file, String.join("\n",
                "description: bench test",
                "dom0:",
                "  drivers: [\"00:04.0\", \"00:05.0\"]",
                "guests:",
                "  - name: guest1",
                "    vcpus: 1",
                "    passthrough:",
                "      - {device: \"01:02.0\", slot: 6}",
                ""));
            final Run r = bench(file.toString(), "-n", "200", "--warmup", "0", "--json");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            final JsonNode j = Json.MAPPER.readTree(r.out());
            assertEquals("01:02.0", j.get("device").asText());
            assertEquals("guest1", j.get("guest").asText());
            assertEquals(200, j.get("count").asLong());
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void aScenarioNamingAStrategyIsBenchmarkedUnderIt() throws Exception {
        final Path file = Files.createTempFile("bench-strategy", ".yaml");
        try {
            Files.writeString(file, String.join("\n",
                "description: a PV dom0 names its own strategy",
                "strategy: pv-dom0",
                "dom0:",
                "  type: pv",
                ""));
            final JsonNode j = okJson(bench(file.toString(), "-n", "20", "--warmup", "0", "--json"));
            assertEquals("pv-dom0", j.get("strategy").asText());
            // status-quo named by the file is still replaced: it has nothing to time
            Files.writeString(file, "description: status quo\nstrategy: status-quo\n");
            assertEquals(BenchCommand.DEFAULT_STRATEGY,
                okJson(bench(file.toString(), "-n", "20", "--warmup", "0", "--json")).get("strategy").asText());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    // ------------------------------------------------------------------ --devmodel

    private static JsonNode okJson(final Run r) throws Exception {
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        final JsonNode j = Json.MAPPER.readTree(r.out());
        final long min = j.get("min").asLong();
        assertTrue(min > 0 && min <= j.get("p50").asLong() && j.get("p50").asLong() <= j.get("p90").asLong()
            && j.get("p90").asLong() <= j.get("p99").asLong() && j.get("p99").asLong() <= j.get("p99_9").asLong()
            && j.get("p99_9").asLong() <= j.get("max").asLong(), "percentiles out of order: " + r.out());
        return j;
    }

    @Test
    void devmodelOverTcpLoopbackTimesTheModelsInterrupts() throws Exception {
        final Run r = bench("-n", "50", "--warmup", "10", "--json", "--devmodel", "tcp:127.0.0.1:0");
        final JsonNode j = okJson(r);
        assertEquals("default", j.get("scenario").asText());
        assertEquals("00:06.0", j.get("device").asText(), "the example model's function, at the first free slot");
        assertEquals("domU", j.get("guest").asText());
        assertEquals(50, j.get("count").asLong());
        assertEquals(10, j.get("warmup").asLong());
        final String transport = j.get("transport").asText();
        assertTrue(transport.startsWith("device model over tcp:127.0.0.1:") && !transport.contains(":0 ")
            && transport.contains("example NIC model"), transport);
    }

    @Test
    void devmodelOverAUnixSocketRemovesItsSocketFile() throws Exception {
        Assumptions.assumeTrue(DmTransport.epollAvailable(), "Unix sockets need Netty's epoll transport");
        final Path dir = Files.createTempDirectory("bench-devmodel");
        final Path sock = dir.resolve("dm.sock");
        try {
            final Run r = bench("-n", "50", "--warmup", "0", "--json", "--devmodel", "unix:" + sock);
            final JsonNode j = okJson(r);
            assertEquals(50, j.get("count").asLong());
            assertEquals("device model over unix:" + sock + " (example NIC model, dm-net)", j.get("transport").asText());
            assertFalse(Files.exists(sock), "the socket file is left behind");
        } finally {
            Files.deleteIfExists(sock);
            Files.delete(dir);
        }
    }

    @Test
    void devmodelTextNamesTheTransport() {
        final Run r = bench("-n", "20", "--warmup", "0", "--devmodel", "tcp::0");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("00:06.0 -> domU (device model over tcp:127.0.0.1:"), r.out());
        assertTrue(r.out().contains("the EOI notice is back at the model"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.trim().matches("count\\s+20\\s*")), r.out());
    }

    @Test
    void devmodelTakesTheFirstFreeSlotOfTheScenariosFirstGuest() throws Exception {
        final Path file = Files.createTempFile("bench-devmodel", ".yaml");
        try {
            // guest1 has the device behind the bridge at its slot 6: the model goes to slot 7
            Files.writeString(file, String.join("\n",
                "description: bench devmodel test",
                "dom0:",
                "  drivers: [\"00:04.0\", \"00:05.0\"]",
                "guests:",
                "  - name: guest1",
                "    vcpus: 1",
                "    passthrough:",
                "      - {device: \"01:02.0\", slot: 6}",
                ""));
            final JsonNode j = okJson(bench(file.toString(), "-n", "20", "--warmup", "0", "--json", "--devmodel",
                "tcp:127.0.0.1:0"));
            assertEquals("00:07.0", j.get("device").asText());
            assertEquals("guest1", j.get("guest").asText());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void devmodelAddressErrors() throws Exception {
        final Run bad = bench("-n", "10", "--devmodel", "udp:127.0.0.1:1");
        assertEquals(Main.EXIT_USAGE, bad.status());
        assertTrue(bad.err().contains("--devmodel") && bad.err().contains("tcp:HOST:PORT"), bad.err());
        // a path that cannot be a socket: the server cannot listen, status 1 and why
        final Path file = Files.createTempFile("bench-devmodel", ".not-a-socket");
        try {
            final Run busy = bench("-n", "10", "--devmodel", "unix:" + file);
            assertEquals(Main.EXIT_FAILED, busy.status(), busy.err());
            assertTrue(busy.err().contains("no device model to measure through") && busy.err().contains("not a socket"),
                busy.err());
            assertEquals("", busy.out());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void badCountsAreUsageErrors() {
        assertEquals(Main.EXIT_USAGE, bench("-n", "0").status());
        assertEquals(Main.EXIT_USAGE, bench("--warmup", "-1").status());
        assertEquals(Main.EXIT_USAGE, bench("--strategy", "no-such-design").status());
    }
}
