package io.irqsim.hv.trace;

import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binary format as docs/trace.md ("The binary format") lays it out, byte by byte: every
 * expected byte below is written out by hand from the doc's tables (little-endian, fixed offsets),
 * never computed with {@link TraceFormat} or the recorder, so moving or widening a field breaks a
 * test here.
 */
class TraceBinaryLayoutTest {

    /** docs/trace.md header: "IRQSIMTR", version 1, record size 40, then the count and 8 reserved zero bytes. */
    static byte[] header(final int count) {
        return bytes(
            'I', 'R', 'Q', 'S', 'I', 'M', 'T', 'R',
            0x01, 0x00, 0x00, 0x00,
            0x28, 0x00, 0x00, 0x00,
            count, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
    }

    static byte[] bytes(final int... values) {
        final byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] concat(final byte[]... parts) {
        int len = 0;
        for (final byte[] p : parts) {
            len += p.length;
        }
        final byte[] out = new byte[len];
        int at = 0;
        for (final byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    // docs/trace.md header table: magic at 0 (8), version at 8 (4), record size at 12 (4),
    // count at 16 (8), reserved 0 at 24 (8); an empty trace is the 32-byte header alone
    @Test
    void emptyTraceIsTheHeaderWithCountZero() {
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 0)) {
            assertArrayEquals(header(0), t.toByteArray());
            assertEquals(0, t.recordCount());
        }
    }

    // docs/trace.md record table: time u64 at 0, event u16 at 8, CPU u16 at 10, domain u16 at 12,
    // reserved u16 0 at 14, arguments a, b, c u64 at 16, 24, 32; record 0 starts at byte 32
    @Test
    void recordFieldsSitAtTheirDocumentedOffsetsAndWidths() {
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 4)) {
            clock.advanceBy(0x0102_0304_0506L);
            t.setContext(3, 0x0205);
            t.event(0x56, 0x1122_3344_5566_7788L, -2L, 0x8000_0000_0000_0001L);
            final byte[] record = bytes(
                0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00,   // time
                0x56, 0x00,                                       // event 86
                0x03, 0x00,                                       // CPU 3
                0x05, 0x02,                                       // domain 0x205
                0x00, 0x00,                                       // reserved
                0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,   // a
                0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,   // b = -2
                0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80);  // c
            assertArrayEquals(concat(header(1), record), t.toByteArray());
        }
    }

    // docs/trace.md: CPU 0xFFFF when outside any CPU, domain 0x7FF2 (DOMID_XEN) for Xen itself:
    // a recorder no context was set on stamps both
    @Test
    void recordsOutsideAnyContextCarryNoCpuAndDomidXen() {
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 4)) {
            t.event(1, 0, 0, 0);
            final byte[] all = t.toByteArray();
            assertArrayEquals(bytes(0x01, 0x00, 0xFF, 0xFF, 0xF2, 0x7F, 0x00, 0x00),
                Arrays.copyOfRange(all, 32 + 8, 32 + 16));
            assertEquals(-1, t.contextCpu());
        }
    }

    // setContext: a negative CPU is "none" (0xFFFF); CPU and domain are u16 fields, so only their
    // low 16 bits are stored and the reserved u16 after them stays 0
    @Test
    void contextFieldsAreSixteenBitsWide() {
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 4)) {
            t.setContext(-5, 0x3_0007);
            t.event(2, 0, 0, 0);
            assertEquals(-1, t.contextCpu());
            t.record(3, 0x2_0001, 0xF_7FF2, 0, 0, 0);
            t.setContext(0, 1);
            assertEquals(0, t.contextCpu());
            final byte[] all = t.toByteArray();
            assertArrayEquals(bytes(0x02, 0x00, 0xFF, 0xFF, 0x07, 0x00, 0x00, 0x00),
                Arrays.copyOfRange(all, 32 + 8, 32 + 16));
            assertArrayEquals(bytes(0x03, 0x00, 0x01, 0x00, 0xF2, 0x7F, 0x00, 0x00),
                Arrays.copyOfRange(all, 72 + 8, 72 + 16));
        }
    }

    // a recorder into memory is not a mapped file; mappedFile's is
    @Test
    void onlyAMappedFileRecorderIsMapped(@TempDir final Path dir) {
        try (TraceRecorder mem = TraceRecorder.inMemory(new VirtualClock(), 4);
             TraceRecorder file = TraceRecorder.mappedFile(dir.resolve("m.trace"), new VirtualClock())) {
            assertEquals(false, mem.isMapped());
            assertEquals(true, file.isMapped());
        }
    }

    // mappedFile: a path that cannot be a file (a regular file where a directory should be)
    // gives the file and the system's reason, nothing else
    @Test
    void unwritablePathNamesTheFileAndTheReason(@TempDir final Path dir) throws IOException {
        final Path notADir = dir.resolve("notes.txt");
        Files.writeString(notADir, "x");
        final Path file = notADir.resolve("run.trace");
        final java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
            () -> TraceRecorder.mappedFile(file, new VirtualClock()));
        assertEquals("cannot write trace file " + file + ": not a directory", e.getMessage());
    }

    // mappedFile: a dangling symbolic link where the trace's directory should be cannot become
    // one; the message names the obstacle (Files.createDirectories gives no reason of its own)
    @Test
    void danglingLinkInPlaceOfTheDirectoryIsNamed(@TempDir final Path dir) throws IOException {
        final Path dangling = Files.createSymbolicLink(dir.resolve("out"), dir.resolve("nowhere"));
        final Path file = dangling.resolve("run.trace");
        final java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class,
            () -> TraceRecorder.mappedFile(file, new VirtualClock()));
        assertEquals("cannot write trace file " + file + ": " + dangling, e.getMessage());
        assertTrue(Files.isSymbolicLink(dangling), "left as it was");
    }

    // TraceReader.open (docs/trace.md exit-status table): a directory and a missing file are
    // I/O errors with their own messages, not "not an irqsim trace"
    @Test
    void directoryAndMissingFileAreRefusedByOpen(@TempDir final Path dir) {
        assertEquals("is a directory, not a trace file",
            assertThrows(IOException.class, () -> TraceReader.open(dir)).getMessage());
        assertThrows(java.nio.file.NoSuchFileException.class, () -> TraceReader.open(dir.resolve("missing.trace")));
    }

    // docs/trace.md: an emulated device's events carry bit 32 set and the guest's domain id in
    // bits 40..55 of argument a, the device's own value in bits 0..31; b and c pass unchanged
    @Test
    void emulatedDeviceEventsTagArgumentAWithTheGuest() {
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 4)) {
            new EmulatedDeviceTrace(t, 0x0203).event(4, 0x0000_0210L, 7, 9);
            final byte[] all = t.toByteArray();
            assertArrayEquals(bytes(0x10, 0x02, 0x00, 0x00, 0x01, 0x03, 0x02, 0x00,
                    0x07, 0, 0, 0, 0, 0, 0, 0, 0x09, 0, 0, 0, 0, 0, 0, 0),
                Arrays.copyOfRange(all, 32 + 16, 32 + 40));
        }
    }

    // TraceReader: a file is read a window at a time; records of the window in hand are served
    // from it, not read from the file again (one read per window, not one per record)
    @Test
    void recordsOfTheCurrentWindowAreNotReadFromTheFileAgain(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("window.trace");
        final byte[] trace = concat(header(3), new byte[3 * 40]);
        trace[32 + 8] = 0x41;
        trace[72 + 8] = 0x42;
        trace[112 + 8] = 0x43;
        Files.write(file, trace);
        try (TraceReader r = TraceReader.open(file)) {
            assertEquals(0x41, r.get(0).event());
            trace[32 + 8] = 0x51;
            trace[72 + 8] = 0x52;
            trace[112 + 8] = 0x53;
            Files.write(file, trace);
            assertEquals(0x41, r.get(0).event(), "from the window");
            assertEquals(0x42, r.get(1).event(), "from the window");
            assertEquals(0x43, r.get(2).event(), "from the window");
        }
    }

    // eventFor: the record is about another domain, made on the current CPU
    @Test
    void eventForStampsTheDomainItIsAboutOnTheCurrentCpu() {
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 4)) {
            t.setContext(2, 0);
            t.eventFor(68, 9, 16, 17, 0);
            final byte[] all = t.toByteArray();
            assertArrayEquals(bytes(0x44, 0x00, 0x02, 0x00, 0x09, 0x00, 0x00, 0x00,
                    0x10, 0, 0, 0, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0, 0, 0),
                Arrays.copyOfRange(all, 32 + 8, 32 + 32));
        }
    }

    // docs/trace.md: record i starts at 32 + 40 * i, one after the other; the header count is
    // rewritten after every record
    @Test
    void recordsFollowOneAnotherAndTheCountMovesWithEach() {
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 1)) {
            for (int i = 0; i < 3; i++) {
                t.event(0x40 + i, i, 0, 0);
                clock.advanceBy(1);
            }
            final byte[] all = t.toByteArray();
            assertEquals(32 + 3 * 40, all.length);
            assertArrayEquals(bytes(3, 0, 0, 0, 0, 0, 0, 0), Arrays.copyOfRange(all, 16, 24));
            assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0x40), Arrays.copyOfRange(all, 32, 41));
            assertArrayEquals(bytes(1, 0, 0, 0, 0, 0, 0, 0, 0x41), Arrays.copyOfRange(all, 72, 81));
            assertArrayEquals(bytes(2, 0, 0, 0, 0, 0, 0, 0, 0x42), Arrays.copyOfRange(all, 112, 121));
            assertEquals(3, t.recordCount());
        }
    }

    // the count in a memory-mapped file is the header's bytes 16..23 of the file itself, readable
    // while the writer still runs; the file is a regular trace once closed
    @Test
    void mappedFileHeaderCarriesTheCountAtByteSixteen(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("live.trace");
        try (TraceRecorder t = TraceRecorder.mappedFile(file, new VirtualClock())) {
            t.event(5, 1, 2, 3);
            t.event(6, 4, 5, 6);
            final byte[] live = Files.readAllBytes(file);
            assertArrayEquals(header(2), Arrays.copyOf(live, 32));
            assertArrayEquals(bytes(0x06, 0x00, 0xFF, 0xFF, 0xF2, 0x7F, 0x00, 0x00, 0x04),
                Arrays.copyOfRange(live, 72 + 8, 72 + 17));
            t.clear();
            assertArrayEquals(header(0), Arrays.copyOf(Files.readAllBytes(file), 32));
        }
    }

    // clear/truncate: the count goes back and the next record takes the freed place
    @Test
    void clearRewritesTheCountAndRecordsAgainRightAfterTheHeader() {
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 4)) {
            t.event(7, 0, 0, 0);
            t.event(8, 0, 0, 0);
            t.clear();
            assertArrayEquals(header(0), t.toByteArray());
            t.event(9, 0, 0, 0);
            final byte[] all = t.toByteArray();
            assertArrayEquals(header(1), Arrays.copyOf(all, 32));
            assertEquals(0x09, all[40]);
            t.truncate(1);
            assertEquals(1, t.recordCount());
            t.truncate(0);
            assertEquals(0, t.recordCount());
            assertThrows(IllegalArgumentException.class, () -> t.truncate(-1));
        }
    }

    // a closed recorder records nothing and keeps its count (close is idempotent)
    @Test
    void closedRecorderDropsEvents() {
        final TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 4);
        t.event(1, 0, 0, 0);
        t.close();
        t.event(2, 0, 0, 0);
        t.truncate(0);
        assertEquals(1, t.recordCount());
        t.close();
    }

    // ---------------------------------------------------------------- reading hand-made bytes

    // TraceReader: each field is read from its documented offset, unsigned where the doc says
    // so (event, CPU, domain u16), arguments as signed 64-bit values; CPU 0xFFFF reads as "none"
    @Test
    void readerDecodesEachFieldFromItsOffset() {
        final byte[] trace = concat(header(2),
            bytes(0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
                0xFE, 0xFF, 0xFE, 0xFF, 0xFD, 0xFF, 0x99, 0x99,
                0x01, 0, 0, 0, 0, 0, 0, 0x80,
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                0x02, 0x01, 0, 0, 0, 0, 0, 0),
            bytes(0, 0, 0, 0, 0, 0, 0, 0,
                0x56, 0x00, 0xFF, 0xFF, 0xF2, 0x7F, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0));
        final TraceReader r = TraceReader.of(trace);
        assertEquals(2, r.count());
        assertEquals(new TraceRecord(0x0102_0304_0506_0708L, 0xFFFE, 0xFFFE, 0xFFFD,
            0x8000_0000_0000_0001L, -1L, 0x0102L), r.get(0));
        assertEquals(new TraceRecord(0, 86, -1, 0x7FF2, 0, 0, 0), r.get(1));
    }

    // TraceReader: exactly a header is a valid empty trace; one byte less is refused
    @Test
    void aBareHeaderIsAnEmptyTraceAndThirtyOneBytesAreNot() {
        assertEquals(0, TraceReader.of(header(0)).count());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TraceReader.of(Arrays.copyOf(header(0), 31)));
        assertEquals("not an irqsim trace: 31 bytes is shorter than the 32-byte header", e.getMessage());
    }

    // TraceReader: the count may be less than the file holds (a mapped file grows in chunks),
    // never more
    @Test
    void countUpToWhatTheFileHoldsIsReadAndOneMoreIsTruncated() {
        final byte[] twoRecordsAndSlack = concat(header(2), new byte[2 * 40 + 39]);
        assertEquals(2, TraceReader.of(twoRecordsAndSlack).count());
        final byte[] countOne = concat(header(1), new byte[2 * 40]);
        assertEquals(1, TraceReader.of(countOne).count());
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TraceReader.of(concat(header(3), new byte[2 * 40 + 39])));
        assertEquals("truncated trace: header says 3 records but the file holds 2", e.getMessage());
    }

    // docs/trace.md: N is read as an unsigned 64-bit number, so a count with the top bit set is
    // "more than any file could hold", not a negative count
    @Test
    void countWithTheTopBitSetIsRefusedAndPrintedUnsigned() {
        final byte[] h = header(0);
        h[23] = (byte) 0x80;
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceReader.of(h));
        assertEquals("truncated trace: header says 9223372036854775808 records but the file holds 0",
            e.getMessage());
    }

    // docs/trace.md: the magic is the 8 bytes "IRQSIMTR"; any other byte is a foreign file
    @Test
    void magicDifferingInItsLastByteIsRefused() {
        final byte[] h = header(0);
        h[7] = 'X';
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceReader.of(h));
        assertEquals("not an irqsim trace: bad magic (expected \"IRQSIMTR\")", e.getMessage());
    }

    // docs/trace.md messages: version and record size are u32 and printed unsigned
    @Test
    void versionAndRecordSizeAreCheckedAsUnsigned32BitFields() {
        final byte[] v = header(0);
        v[11] = (byte) 0x80;
        assertEquals("unsupported trace format version 2147483649 (this irqsim reads 1)",
            assertThrows(IllegalArgumentException.class, () -> TraceReader.of(v)).getMessage());
        final byte[] s = header(0);
        s[15] = (byte) 0xFF;
        assertEquals("unexpected record size 4278190120",
            assertThrows(IllegalArgumentException.class, () -> TraceReader.of(s)).getMessage());
    }

    // TraceReader.open reads a file through a window of 4096 records: records on either side of
    // a window edge, read forwards and backwards, are the bytes at their documented offsets
    @Test
    void fileReaderGivesEveryRecordAcrossWindowEdges(@TempDir final Path dir) throws IOException {
        final int n = 4096 + 3;
        final byte[] trace = new byte[32 + n * 40];
        System.arraycopy(header(0), 0, trace, 0, 32);
        trace[16] = (byte) (n & 0xFF);
        trace[17] = (byte) (n >> 8);
        for (int i = 0; i < n; i++) {
            final int at = 32 + 40 * i;
            trace[at + 8] = 0x40;
            trace[at + 16] = (byte) i;
            trace[at + 17] = (byte) (i >> 8);
        }
        final Path file = dir.resolve("big.trace");
        Files.write(file, trace);
        try (TraceReader r = TraceReader.open(file)) {
            assertEquals(n, r.count());
            for (final int i : new int[] {0, 4095, 4096, 4098, 4095, 1, 4097, 0}) {
                assertEquals(new TraceRecord(0, 0x40, 0, 0, i, 0, 0), r.get(i), "record " + i);
            }
            assertEquals("record 4099 of 4099", assertThrows(IndexOutOfBoundsException.class, () -> r.get(n)).getMessage());
            assertEquals("record -1 of 4099", assertThrows(IndexOutOfBoundsException.class, () -> r.get(-1)).getMessage());
            assertEquals(n, r.records().size());
            // closing the reader closes the file: a record outside the window is no longer read
            r.close();
            assertThrows(java.io.UncheckedIOException.class, () -> r.get(5));
        }
    }

    // TraceReader.get: the header's count is the end, even where the bytes go on (a mapped file's
    // slack after the last record)
    @Test
    void recordsPastTheCountAreNotReadFromTheSlack() {
        final TraceReader r = TraceReader.of(concat(header(1), new byte[3 * 40]));
        assertEquals(new TraceRecord(0, 0, 0, 0, 0, 0, 0), r.get(0));
        assertEquals("record 1 of 1", assertThrows(IndexOutOfBoundsException.class, () -> r.get(1)).getMessage());
        assertEquals("record -1 of 1", assertThrows(IndexOutOfBoundsException.class, () -> r.get(-1)).getMessage());
    }

    // TraceReader.open of a file with fewer bytes than a header says how long it is
    @Test
    void shortFileIsRefusedWithItsLength(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("short.trace");
        Files.write(file, Arrays.copyOf(header(0), 20));
        assertEquals("not an irqsim trace: 20 bytes is shorter than the 32-byte header",
            assertThrows(IllegalArgumentException.class, () -> TraceReader.open(file)).getMessage());
    }

    // TraceReader.open: a file of exactly the 32 header bytes is read (its header included) as
    // an empty trace
    @Test
    void fileOfExactlyAHeaderIsAnEmptyTrace(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("empty.trace");
        Files.write(file, header(0));
        try (TraceReader r = TraceReader.open(file)) {
            assertEquals(0, r.count());
            assertEquals(0, r.records().size());
        }
    }

    // TraceReader.get: a file that got shorter after it was opened gives an error that says so,
    // never a record of zeros
    @Test
    void fileThatShrinksAfterOpeningGivesAnErrorNotARecord(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("shrinking.trace");
        Files.write(file, concat(header(2), new byte[2 * 40]));
        try (TraceReader r = TraceReader.open(file)) {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(32 + 20);
            }
            final java.io.UncheckedIOException e = assertThrows(java.io.UncheckedIOException.class, () -> r.get(1));
            assertEquals("the trace file got shorter while it was read", e.getMessage());
        }
    }

    // TraceReader.records: a count a list cannot hold (a sparse file of 2^31 - 7 records, 80 GiB
    // that take no disk) is refused up front instead of failing half-way
    @Test
    void moreRecordsThanAListHoldsAreRefusedByRecords(@TempDir final Path dir) throws IOException {
        final long n = Integer.MAX_VALUE - 6L; // 2^31 - 7
        final Path file = dir.resolve("huge.trace");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            final byte[] h = header(0);
            h[16] = (byte) 0xF9;
            h[17] = (byte) 0xFF;
            h[18] = (byte) 0xFF;
            h[19] = (byte) 0x7F; // 0x7FFFFFF9 = 2^31 - 7
            f.write(h);
            f.setLength(32 + 40 * n);
        }
        try (TraceReader r = TraceReader.open(file)) {
            assertEquals(n, r.count());
            assertEquals("2147483641 records do not fit in a list",
                assertThrows(IllegalStateException.class, r::records).getMessage());
        }
    }
}
