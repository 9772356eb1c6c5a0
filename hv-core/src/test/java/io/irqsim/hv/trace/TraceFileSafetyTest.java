package io.irqsim.hv.trace;

import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a trace file may be written, and how a hostile trace file is read: a record count that
 * would overflow {@code 32 + 40 * count}, a file past 2 GiB, a device, a count that moves while
 * recording past Chronicle's first chunk.
 */
class TraceFileSafetyTest {

    @TempDir
    Path dir;

    static byte[] header(final long count) {
        final ByteBuffer b = ByteBuffer.allocate(TraceFormat.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(TraceFormat.MAGIC).putInt(TraceFormat.VERSION).putInt(TraceFormat.RECORD_SIZE).putLong(count);
        return b.array();
    }

    @Test
    void aCountWhoseByteOffsetOverflowsIsRefusedAsTruncated() {
        for (final long count : new long[] {1L << 58, 1L << 61, (1L << 61) + 7, Long.MAX_VALUE, -1L, Long.MIN_VALUE}) {
            final byte[] trace = new byte[TraceFormat.HEADER_SIZE + 2 * TraceFormat.RECORD_SIZE];
            System.arraycopy(header(count), 0, trace, 0, TraceFormat.HEADER_SIZE);
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceReader.of(trace));
            assertEquals("truncated trace: header says " + Long.toUnsignedString(count) + " records but the file holds 2",
                e.getMessage());
        }
    }

    @Test
    void aSparseFilePast2GiBIsReadThroughAWindow() throws IOException {
        final Path big = dir.resolve("big.trace");
        final long size = (5L << 29) + 12; // 2.5 GiB, sparse: costs no disk
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.write(header(3));
            f.seek(TraceFormat.recordOffset(2) + TraceFormat.EVENT);
            f.write(new byte[] {7, 0});
            f.setLength(size);
        }
        try (TraceReader r = TraceReader.open(big)) {
            assertEquals(3, r.count());
            assertEquals(7, r.get(2).event());
            assertEquals(0, r.get(0).event());
        }
    }

    @Test
    void aDeviceIsNotReadAsATrace() {
        final IOException e = assertThrows(IOException.class, () -> TraceReader.open(Path.of("/dev/zero")));
        assertTrue(e.getMessage().startsWith("not a regular file"), e.getMessage());
    }

    @Test
    void aDirectoryIsNotReplacedByATrace() throws IOException {
        final Path d = Files.createDirectory(dir.resolve("d"));
        final UncheckedIOException e = assertThrows(UncheckedIOException.class,
            () -> TraceRecorder.mappedFile(d, new VirtualClock()));
        assertEquals("cannot write trace file " + d + ": is a directory", e.getMessage());
        assertTrue(Files.isDirectory(d));
    }

    @Test
    void aSymbolicLinkIsNotFollowedNorReplaced() throws IOException {
        final Path target = Files.writeString(dir.resolve("target"), "keep me");
        final Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        final UncheckedIOException e = assertThrows(UncheckedIOException.class,
            () -> TraceRecorder.mappedFile(link, new VirtualClock()));
        assertTrue(e.getMessage().endsWith("is a symbolic link (give the path of a regular file)"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("keep me", Files.readString(target));
    }

    @Test
    void aFifoIsRefusedAndKept() throws Exception {
        final Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        final UncheckedIOException e = assertThrows(UncheckedIOException.class,
            () -> TraceRecorder.mappedFile(fifo, new VirtualClock()));
        assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo), "the FIFO is still there");
    }

    @Test
    void aRegularFileIsTruncatedInPlaceNotDeleted() throws IOException {
        final Path f = Files.write(dir.resolve("old.trace"), new byte[3 << 20]);
        final Object inode = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = TraceRecorder.mappedFile(f, clock)) {
            t.event(5, 1, 2, 3);
        }
        assertEquals(inode, Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        try (TraceReader r = TraceReader.open(f)) {
            assertEquals(1, r.count());
            assertEquals(5, r.get(0).event());
        }
    }

    @Test
    void theHeaderCountIsCurrentAfterEveryRecordPastTheFirstChunk() throws IOException {
        final Path f = dir.resolve("long.trace");
        final VirtualClock clock = new VirtualClock();
        final long records = (3L << 20) / TraceFormat.RECORD_SIZE; // 3 MiB: well into the third chunk
        try (TraceRecorder t = TraceRecorder.mappedFile(f, clock)) {
            for (long i = 1; i <= records; i++) {
                t.event(9, i, 0, 0);
                if (i % 20_000 == 0 || i == records) {
                    // read by another reader while the writer is still open, as after a crash
                    try (TraceReader r = TraceReader.open(f)) {
                        assertEquals(i, r.count());
                        assertEquals(i, r.get(i - 1).a());
                    }
                }
            }
        }
    }

    @Test
    void truncateKeepsTheFirstRecordsAndWritesOnAfterThem() {
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 16)) {
            for (int i = 0; i < 10; i++) {
                t.event(1, i, 0, 0);
            }
            t.truncate(4);
            t.event(2, 99, 0, 0);
            final TraceReader r = t.reader();
            assertEquals(5, r.count());
            assertEquals(3, r.get(3).a());
            assertEquals(99, r.get(4).a());
            assertThrows(IllegalArgumentException.class, () -> t.truncate(6));
        }
    }
}
