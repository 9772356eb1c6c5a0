package io.irqsim.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hv.trace.TraceRecorder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code irqsim trace dump} on a real trace from the scenario runner, and its errors. */
class TraceCommandTest {

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private static Path realTrace;
    private static List<TraceRecord> records;

    /** Keeps fractional numbers (ts, dur) exact, as BigDecimal. */
    private static final ObjectMapper JSON = JsonMapper.builder()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    /** Runs the default scenario once, writing its trace to a memory-mapped file. */
    @BeforeAll
    static void runScenario() throws Exception {
        realTrace = shared.resolve("run.trace");
        ScenarioRunner.run(Scenario.defaultScenario(), Strategies.byName("pciback-setup-gsi"),
            clock -> TraceRecorder.mappedFile(realTrace, clock));
        records = TraceReader.open(realTrace).records();
        assertTrue(records.size() > 100, "the run recorded only " + records.size() + " records");
    }

    /** Exit status, standard output and standard error of one command line. */
    private record Result(int exit, String out, String err) {
    }

    private static Result run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new TraceCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        final int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static String ok(final String... args) {
        final Result r = run(args);
        assertEquals(Main.EXIT_OK, r.exit(), r.err());
        assertEquals("", r.err());
        return r.out();
    }

    private static List<String> lines(final String s) {
        assertTrue(s.isEmpty() || s.endsWith("\n"), "output does not end with a line end");
        return s.isEmpty() ? List.of() : List.of(s.substring(0, s.length() - 1).split("\n", -1));
    }

    // ---- text ------------------------------------------------------------------------------

    @Test
    void textHasOneLinePerRecord() {
        final List<String> lines = lines(ok("dump", realTrace.toString()));
        assertEquals(records.size(), lines.size());
        final Pattern shape = Pattern.compile("\\d+\\.\\d{9} (cpu\\d+ *|- {4}) (d\\d+ *|xen  ) \\S+ +\\S.*");
        for (int i = 0; i < lines.size(); i++) {
            final TraceRecord r = records.get(i);
            final String line = lines.get(i);
            assertTrue(shape.matcher(line).matches(), line);
            final String[] col = line.split(" +", 5);
            assertEquals(r.time(), new BigDecimal(col[0]).movePointRight(9).longValueExact(), line);
            assertEquals(r.cpu() < 0 ? "-" : "cpu" + r.cpu(), col[1], line);
            assertEquals(r.domain() == TraceFormat.DOMID_XEN ? "xen" : "d" + r.domain(), col[2], line);
            assertEquals(TraceText.name(r.event()), col[3], line);
            assertTrue(line.endsWith(" " + TraceText.describe(r)), line);
        }
    }

    @Test
    void everyFormatIsDeterministic() {
        for (final String format : List.of("text", "json", "perfetto")) {
            assertEquals(ok("dump", "--format", format, realTrace.toString()),
                ok("dump", "--format", format, realTrace.toString()), format);
        }
    }

    // ---- json ------------------------------------------------------------------------------

    @Test
    void jsonLinesMatchTheRecords() throws Exception {
        final List<String> lines = lines(ok("dump", "--format", "json", realTrace.toString()));
        assertEquals(records.size(), lines.size());
        for (int i = 0; i < lines.size(); i++) {
            final TraceRecord r = records.get(i);
            final JsonNode o = JSON.readTree(lines.get(i));
            assertEquals(List.of("t", "cpu", "domain", "event", "code", "a", "b", "c", "text"), fieldNames(o));
            assertEquals(r.time(), o.get("t").longValue());
            if (r.cpu() < 0) {
                assertTrue(o.get("cpu").isNull(), lines.get(i));
            } else {
                assertEquals(r.cpu(), o.get("cpu").intValue());
            }
            if (r.domain() == TraceFormat.DOMID_XEN) {
                assertEquals("xen", o.get("domain").textValue());
            } else {
                assertTrue(o.get("domain").isInt(), lines.get(i));
                assertEquals(r.domain(), o.get("domain").intValue());
            }
            assertEquals(TraceText.name(r.event()), o.get("event").textValue());
            assertEquals(r.event(), o.get("code").intValue());
            assertEquals(r.a(), o.get("a").longValue());
            assertEquals(r.b(), o.get("b").longValue());
            assertEquals(r.c(), o.get("c").longValue());
            assertEquals(TraceText.describe(r), o.get("text").textValue());
        }
    }

    private static List<String> fieldNames(final JsonNode o) {
        final List<String> names = new java.util.ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }

    // ---- output file -------------------------------------------------------------------------

    @Test
    void outputFileGetsWhatStdoutWould() throws Exception {
        final Path out = dir.resolve("sub/../run.json");
        Files.createDirectories(dir.resolve("sub"));
        final Result r = run("dump", "--format", "json", "-o", out.toString(), realTrace.toString());
        assertEquals(Main.EXIT_OK, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(ok("dump", "--format", "json", realTrace.toString()), Files.readString(out, StandardCharsets.UTF_8));
    }

    @Test
    void unwritableOutputIsAFileError() {
        final Path out = dir.resolve("no-such-dir/run.txt");
        final Result r = run("dump", "-o", out.toString(), realTrace.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("", r.out());
        assertEquals("irqsim: " + out + ": no such file\n", r.err().replace(System.lineSeparator(), "\n"));
    }

    // ---- bad input ---------------------------------------------------------------------------

    private void assertFileError(final Path file, final String message) {
        final Path out = dir.resolve("never-written.txt");
        final Result r = run("dump", "-o", out.toString(), file.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("", r.out());
        assertEquals("irqsim: " + file + ": " + message + "\n", r.err().replace(System.lineSeparator(), "\n"));
        assertFalse(Files.exists(out), "the output was created for a bad input");
        // the same on standard output
        final Result s = run("dump", "--format", "perfetto", file.toString());
        assertEquals(Main.EXIT_USAGE, s.exit());
        assertEquals("", s.out());
        assertEquals(r.err(), s.err());
    }

    @Test
    void missingFile() {
        assertFileError(dir.resolve("absent.trace"), "no such file");
    }

    @Test
    void directory() {
        assertFileError(dir, "is a directory, not a trace file");
    }

    @Test
    void garbageFile() throws Exception {
        final Path f = dir.resolve("garbage.trace");
        Files.write(f, "this is not a trace, just some text long enough for a header\n".getBytes(StandardCharsets.US_ASCII));
        assertFileError(f, "not an irqsim trace: bad magic (expected \"IRQSIMTR\")");
    }

    @Test
    void fileShorterThanTheHeader() throws Exception {
        final Path f = dir.resolve("short.trace");
        Files.write(f, Arrays.copyOf(Files.readAllBytes(realTrace), 20));
        assertFileError(f, "not an irqsim trace: 20 bytes is shorter than the 32-byte header");
    }

    @Test
    void emptyFile() throws Exception {
        final Path f = Files.createFile(dir.resolve("empty.trace"));
        assertFileError(f, "not an irqsim trace: 0 bytes is shorter than the 32-byte header");
    }

    @Test
    void truncatedFile() throws Exception {
        final int n = records.size();
        final byte[] whole = Files.readAllBytes(realTrace);
        final Path f = dir.resolve("truncated.trace");
        // cut in the middle of the last record
        Files.write(f, Arrays.copyOf(whole, (int) TraceFormat.recordOffset(n) - TraceFormat.RECORD_SIZE / 2));
        assertFileError(f, "truncated trace: header says " + n + " records but the file holds " + (n - 1));
    }

    @Test
    void otherFormatVersion() throws Exception {
        final byte[] bytes = Arrays.copyOf(Files.readAllBytes(realTrace), (int) TraceFormat.recordOffset(records.size()));
        bytes[8] = 2;
        final Path f = dir.resolve("v2.trace");
        Files.write(f, bytes);
        assertFileError(f, "unsupported trace format version 2 (this irqsim reads 1)");
    }

    // ---- usage -------------------------------------------------------------------------------

    @Test
    void unknownFormatIsAUsageError() {
        final Result r = run("dump", "--format", "xml", realTrace.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().contains("unknown format 'xml' (expected text, json, perfetto)"), r.err());
    }

    @Test
    void unknownFormatIsAUsageErrorUnderMainsHandlers() {
        // Main.commandLine()'s exception mapping and handler, applied to this command
        final CommandLine cl = new CommandLine(new TraceCommand());
        final CommandLine main = Main.commandLine();
        cl.setExitCodeExceptionMapper(main.getExitCodeExceptionMapper());
        cl.setParameterExceptionHandler(main.getParameterExceptionHandler());
        final StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("dump", "--format=csv", realTrace.toString()));
        assertTrue(err.toString().startsWith("irqsim: Invalid value for option '--format'"), err.toString());
        assertTrue(err.toString().contains("unknown format 'csv'"), err.toString());
    }

    @Test
    void missingFileArgumentIsAUsageError() {
        final Result r = run("dump");
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("Missing required parameter: 'FILE'"), r.err());
    }

    @Test
    void traceAloneIsAUsageError() {
        final Result r = run();
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("missing subcommand"), r.err());
    }

    @Test
    void helpDescribesFormatsAndOptions() {
        final String help = ok("dump", "--help");
        for (final String s : List.of("FILE", "--format=FORMAT", "text, json, perfetto", "--output=OUT",
            "ui.perfetto.dev", "Exit status")) {
            assertTrue(help.contains(s), s + " not in\n" + help);
        }
        assertTrue(ok("--help").contains("dump"));
    }
}
