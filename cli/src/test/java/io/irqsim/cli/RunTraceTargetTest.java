package io.irqsim.cli;

import io.irqsim.hv.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code irqsim run --trace PATH} writes only to a regular file: whatever else is at PATH (a
 * directory, a FIFO, a device node, a symbolic link, to a FIFO or device or anything else) is
 * refused with one line on standard error, exit 2, and left as it was. Every FIFO, device node and
 * link here is made in a temporary directory: code that replaced what is at PATH would delete it.
 */
class RunTraceTargetTest {

    @TempDir
    Path dir;

    private static CliRun.Result run(final String... args) {
        return CliRun.run(args);
    }

    @Test
    void anEmptyDirectoryIsRefusedAndKept() throws Exception {
        final Path d = Files.createDirectory(dir.resolve("empty"));
        final CliRun.Result r = run("run", "--trace", d.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: cannot write trace file " + d + ": is a directory\n", r.err());
        assertTrue(Files.isDirectory(d));
    }

    @Test
    void aFifoIsRefusedAndKept() throws Exception {
        final Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final CliRun.Result r = run("run", "--trace", fifo.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: cannot write trace file " + fifo + ": is not a regular file (a device, FIFO or socket); "
            + "traces are written to regular files only\n", r.err());
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo));
    }

    @Test
    void aDeviceNodeIsRefusedAndKept() throws Exception {
        // a character device like /dev/null (major 1, minor 3), made in the temporary directory
        final Path dev = dir.resolve("null");
        assumeTrue(new ProcessBuilder("mknod", dev.toString(), "c", "1", "3").start().waitFor() == 0,
            "mknod needs CAP_MKNOD");
        final CliRun.Result r = run("run", "--trace", dev.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: cannot write trace file " + dev + ": is not a regular file (a device, FIFO or socket); "
            + "traces are written to regular files only\n", r.err());
        assertTrue(Files.exists(dev) && !Files.isRegularFile(dev) && !Files.isDirectory(dev), "the device node is gone");
    }

    @Test
    void aSymbolicLinkToAFifoIsRefusedAndBothKept() throws Exception {
        final Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final Path link = Files.createSymbolicLink(dir.resolve("stdout"), fifo);
        final CliRun.Result r = run("run", "--trace", link.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: cannot write trace file " + link + ": is a symbolic link (give the path of a regular "
            + "file)\n", r.err());
        assertTrue(Files.isSymbolicLink(link), "the link is gone");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is gone");
    }

    @Test
    void aSymbolicLinkIsRefusedAndItsTargetKept() throws Exception {
        final Path target = Files.writeString(dir.resolve("notes.txt"), "mine");
        final Path link = Files.createSymbolicLink(dir.resolve("link.trace"), target);
        final CliRun.Result r = run("run", "--trace", link.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertTrue(r.err().startsWith("irqsim: cannot write trace file " + link + ": is a symbolic link"), r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("mine", Files.readString(target));
    }

    @Test
    void aRegularFileGetsTheTrace() throws Exception {
        final Path f = Files.writeString(dir.resolve("old.trace"), "x".repeat(5000));
        final CliRun.Result r = run("run", "--no-timeline", "--trace", f.toString());
        assertTrue(r.out().contains("records in " + f), r.out());
        try (TraceReader t = TraceReader.open(f)) {
            assertTrue(t.count() > 100);
        }
    }
}
