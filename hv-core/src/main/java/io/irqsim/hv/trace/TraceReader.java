package io.irqsim.hv.trace;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a binary trace written by {@link TraceRecorder}, from a byte array or from a file. A
 * file is read through a window of {@link #WINDOW_RECORDS} records, so reading a trace of any size
 * takes the same bounded memory; records are read again on demand, so a caller may make several
 * passes. The header is checked when the reader is made: a truncated or foreign trace gives an
 * {@link IllegalArgumentException} that says what is wrong, never a partial silent result. The
 * checks are overflow-safe: a record count of 2^61, 2^63 or more is refused like any other count
 * the file cannot hold.
 */
public final class TraceReader implements AutoCloseable {

    /** Records read from a file at a time. */
    static final int WINDOW_RECORDS = 4096;

    /** The file, or {@code null} for a byte array (then {@link #window} holds the whole trace). */
    private final FileChannel channel;
    private final ByteBuffer window;
    /** Index of the first record in {@link #window} (file mode); -1 when it holds none. */
    private long windowFirst = -1;
    private long windowRecords;
    private final long count;

    private TraceReader(final FileChannel channel, final ByteBuffer header, final long size, final ByteBuffer window) {
        this.channel = channel;
        this.window = window.order(ByteOrder.LITTLE_ENDIAN);
        this.count = checkHeader(header.order(ByteOrder.LITTLE_ENDIAN), size);
    }

    /**
     * @param header the first bytes of the trace (at least the header's, if it has them)
     * @param size the trace's whole length in bytes
     * @return the record count
     */
    private static long checkHeader(final ByteBuffer header, final long size) {
        if (size < TraceFormat.HEADER_SIZE) {
            throw new IllegalArgumentException("not an irqsim trace: " + size + " bytes is shorter than the "
                + TraceFormat.HEADER_SIZE + "-byte header");
        }
        if (header.getLong(0) != TraceFormat.MAGIC) {
            throw new IllegalArgumentException("not an irqsim trace: bad magic (expected \"IRQSIMTR\")");
        }
        final int version = header.getInt(8);
        if (version != TraceFormat.VERSION) {
            throw new IllegalArgumentException("unsupported trace format version " + Integer.toUnsignedString(version)
                + " (this irqsim reads " + TraceFormat.VERSION + ")");
        }
        final int recordSize = header.getInt(12);
        if (recordSize != TraceFormat.RECORD_SIZE) {
            throw new IllegalArgumentException("unexpected record size " + Integer.toUnsignedString(recordSize));
        }
        final long count = header.getLong(TraceFormat.COUNT_OFFSET);
        // compare counts, never byte offsets: 32 + 40 * count overflows from count = 2^58
        final long holds = (size - TraceFormat.HEADER_SIZE) / TraceFormat.RECORD_SIZE;
        if (count < 0 || count > holds) {
            throw new IllegalArgumentException("truncated trace: header says " + Long.toUnsignedString(count)
                + " records but the file holds " + holds);
        }
        return count;
    }

    /**
     * @param bytes a whole trace
     * @return a reader
     * @throws IllegalArgumentException if it is not a valid trace
     */
    public static TraceReader of(final byte[] bytes) {
        final ByteBuffer all = ByteBuffer.wrap(bytes);
        return new TraceReader(null, all, bytes.length, all);
    }

    /**
     * Opens a trace file; only its header is read now. Close the reader to close the file.
     *
     * @param file a trace file: a regular file (a directory, FIFO or device is refused)
     * @return a reader
     * @throws IOException if it cannot be opened or read, or is not a regular file
     * @throws IllegalArgumentException if it is not a valid trace
     */
    public static TraceReader open(final Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("is a directory, not a trace file");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a FIFO would block and a device (/dev/zero) never ends
            throw new IOException("not a regular file (a trace is read from a file irqsim wrote)");
        }
        final FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            final long size = ch.size();
            final ByteBuffer header = ByteBuffer.allocate(TraceFormat.HEADER_SIZE);
            if (size >= TraceFormat.HEADER_SIZE) {
                readFully(ch, header, 0);
            }
            final long holds = Math.max(0, (size - TraceFormat.HEADER_SIZE) / TraceFormat.RECORD_SIZE);
            final int windowBytes = (int) Math.min(WINDOW_RECORDS, holds) * TraceFormat.RECORD_SIZE;
            return new TraceReader(ch, header, size, ByteBuffer.allocate(windowBytes));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static void readFully(final FileChannel ch, final ByteBuffer dst, final long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            final int n = ch.read(dst, at);
            if (n < 0) {
                throw new EOFException("the trace file got shorter while it was read");
            }
            at += n;
        }
    }

    /** @return how many records the trace holds */
    public long count() {
        return count;
    }

    /**
     * @param index record index
     * @return the record
     * @throws IndexOutOfBoundsException if there is no such record
     * @throws UncheckedIOException if the file cannot be read (or shrank since it was opened)
     */
    public TraceRecord get(final long index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("record " + index + " of " + count);
        }
        final int at;
        if (channel == null) {
            at = (int) TraceFormat.recordOffset(index);
        } else {
            if (index < windowFirst || index >= windowFirst + windowRecords) {
                fill(index);
            }
            at = (int) (index - windowFirst) * TraceFormat.RECORD_SIZE;
        }
        final ByteBuffer buf = window;
        final int cpu = buf.getShort(at + TraceFormat.CPU) & 0xFFFF;
        return new TraceRecord(buf.getLong(at + TraceFormat.TIME), buf.getShort(at + TraceFormat.EVENT) & 0xFFFF,
            cpu == TraceFormat.NO_CPU ? -1 : cpu, buf.getShort(at + TraceFormat.DOMAIN) & 0xFFFF,
            buf.getLong(at + TraceFormat.ARG_A), buf.getLong(at + TraceFormat.ARG_B),
            buf.getLong(at + TraceFormat.ARG_C));
    }

    private void fill(final long first) {
        final long n = Math.min(window.capacity() / TraceFormat.RECORD_SIZE, count - first);
        window.clear().limit((int) n * TraceFormat.RECORD_SIZE);
        windowFirst = -1;
        try {
            readFully(channel, window, TraceFormat.recordOffset(first));
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
        windowFirst = first;
        windowRecords = n;
    }

    /**
     * Every record in a list: for small traces (a test's, a run's in memory). A file's records are
     * better read one by one with {@link #get}.
     *
     * @return every record
     * @throws IllegalStateException if there are more than a list can hold
     */
    public List<TraceRecord> records() {
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(count + " records do not fit in a list");
        }
        final List<TraceRecord> out = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            out.add(get(i));
        }
        return out;
    }

    /** Closes the file (nothing to do for a byte array). */
    @Override
    public void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
