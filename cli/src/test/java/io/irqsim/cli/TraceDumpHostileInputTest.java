package io.irqsim.cli;

import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code irqsim trace dump} on hostile input: an overflowing record count, a device, a closed
 * standard output. Bad input never creates {@code -o OUT}; nothing ends in a stack trace.
 */
class TraceDumpHostileInputTest {

    @TempDir
    Path dir;

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

    private Path traceWithCount(final long count, final int records) throws IOException {
        final ByteBuffer b = ByteBuffer.allocate(TraceFormat.HEADER_SIZE + records * TraceFormat.RECORD_SIZE)
            .order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(TraceFormat.MAGIC).putInt(TraceFormat.VERSION).putInt(TraceFormat.RECORD_SIZE).putLong(count);
        return Files.write(dir.resolve("hostile.trace"), b.array());
    }

    @Test
    void aCountOf2To61IsAFileErrorAndLeavesOutUntouched() throws IOException {
        final Path file = traceWithCount(1L << 61, 1);
        final Path out = dir.resolve("out.txt");
        final Result r = run("dump", "-o", out.toString(), file.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: " + file + ": truncated trace: header says 2305843009213693952 records but the file "
            + "holds 1\n", r.err());
        assertFalse(Files.exists(out), "bad input created -o OUT");
    }

    @Test
    void aCountPast2To63IsReadUnsigned() throws IOException {
        final Path file = traceWithCount(-2L, 0);
        final Result r = run("dump", file.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: " + file + ": truncated trace: header says 18446744073709551614 records but the file "
            + "holds 0\n", r.err());
    }

    @Test
    void devZeroIsRefusedWithoutReadingIt() {
        final Result r = run("dump", "/dev/zero");
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: /dev/zero: not a regular file (a trace is read from a file irqsim wrote)\n", r.err());
        assertEquals("", r.out());
    }

    /** An OutputStream that fails like a pipe whose reader is gone, counting what it was offered. */
    static final class ClosedPipe extends OutputStream {
        long offered;

        @Override
        public void write(final int b) throws IOException {
            offered++;
            throw new IOException("Broken pipe");
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException {
            offered += len;
            throw new IOException("Broken pipe");
        }
    }

    // `irqsim trace dump big.trace | true`: exit 1 as documented, and the dump stops early
    @Test
    void aClosedStandardOutputExitsOneAndStopsDecoding() throws IOException {
        final Path file = dir.resolve("big.trace");
        final int records = 200_000;
        try (TraceRecorder t = TraceRecorder.mappedFile(file, new VirtualClock())) {
            for (int i = 0; i < records; i++) {
                t.event(1, i, 0, 0);
            }
        }
        final ClosedPipe pipe = new ClosedPipe();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new TraceCommand());
        cl.setOut(new PrintWriter(pipe, false));
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_FAILED, cl.execute("dump", file.toString()));
        assertEquals("irqsim: standard output: write error\n", err.toString());
        // every record's line is over 60 characters: a full dump would offer more than 12 MB
        assertTrue(pipe.offered < 1_000_000, "kept writing after the pipe closed: " + pipe.offered + " bytes");
    }

    // the same through a real pipe, as `irqsim trace dump big.trace | head -1` runs it: picocli's
    // standard output wraps System.out, which swallows EPIPE where the writer above cannot see it
    @Test
    void aPipeClosedByItsReaderExitsOneInARealProcess() throws Exception {
        final Path file = dir.resolve("big.trace");
        try (TraceRecorder t = TraceRecorder.mappedFile(file, new VirtualClock())) {
            for (int i = 0; i < 200_000; i++) {
                t.event(1, i, 0, 0);
            }
        }
        final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Path errFile = dir.resolve("stderr.txt");
        final Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
            Main.class.getName(), "trace", "dump", file.toString())
            .redirectError(errFile.toFile()).start();
        try {
            try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
                p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                assertTrue(r.readLine() != null, "the dump's first line");
            } // the reader goes away, as head's does
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the dump stopped");
            assertEquals(Main.EXIT_FAILED, p.exitValue());
            assertEquals("irqsim: standard output: write error\n", Files.readString(errFile));
        } finally {
            p.destroyForcibly();
        }
    }
}
