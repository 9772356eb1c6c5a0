package io.irqsim.hv.trace;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes a binary trace written by {@link TraceRecorder}. A truncated or foreign file gives an
 * {@link IllegalArgumentException} that says what is wrong, never a partial silent result.
 */
public final class TraceReader {

    private final ByteBuffer buf;
    private final long count;

    private TraceReader(final ByteBuffer buf) {
        this.buf = buf.order(ByteOrder.LITTLE_ENDIAN);
        if (buf.limit() < TraceFormat.HEADER_SIZE) {
            throw new IllegalArgumentException("not an irqsim trace: " + buf.limit() + " bytes is shorter than the "
                + TraceFormat.HEADER_SIZE + "-byte header");
        }
        if (buf.getLong(0) != TraceFormat.MAGIC) {
            throw new IllegalArgumentException("not an irqsim trace: bad magic (expected \"IRQSIMTR\")");
        }
        final int version = buf.getInt(8);
        if (version != TraceFormat.VERSION) {
            throw new IllegalArgumentException("unsupported trace format version " + version + " (this irqsim reads "
                + TraceFormat.VERSION + ")");
        }
        final int recordSize = buf.getInt(12);
        if (recordSize != TraceFormat.RECORD_SIZE) {
            throw new IllegalArgumentException("unexpected record size " + recordSize);
        }
        this.count = buf.getLong(TraceFormat.COUNT_OFFSET);
        if (count < 0 || TraceFormat.recordOffset(count) > buf.limit()) {
            throw new IllegalArgumentException("truncated trace: header says " + count + " records but the file holds "
                + Math.max(0, (buf.limit() - TraceFormat.HEADER_SIZE) / TraceFormat.RECORD_SIZE));
        }
    }

    /**
     * @param bytes a whole trace
     * @return a reader
     */
    public static TraceReader of(final byte[] bytes) {
        return new TraceReader(ByteBuffer.wrap(bytes));
    }

    /**
     * @param file a trace file
     * @return a reader
     * @throws IOException if it cannot be read
     */
    public static TraceReader open(final Path file) throws IOException {
        return of(Files.readAllBytes(file));
    }

    /** @return how many records the trace holds */
    public long count() {
        return count;
    }

    /**
     * @param index record index
     * @return the record
     */
    public TraceRecord get(final long index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("record " + index + " of " + count);
        }
        final int at = (int) TraceFormat.recordOffset(index);
        final int cpu = buf.getShort(at + TraceFormat.CPU) & 0xFFFF;
        return new TraceRecord(buf.getLong(at + TraceFormat.TIME), buf.getShort(at + TraceFormat.EVENT) & 0xFFFF,
            cpu == TraceFormat.NO_CPU ? -1 : cpu, buf.getShort(at + TraceFormat.DOMAIN) & 0xFFFF,
            buf.getLong(at + TraceFormat.ARG_A), buf.getLong(at + TraceFormat.ARG_B),
            buf.getLong(at + TraceFormat.ARG_C));
    }

    /** @return every record */
    public List<TraceRecord> records() {
        final List<TraceRecord> out = new ArrayList<>((int) Math.min(count, Integer.MAX_VALUE));
        for (long i = 0; i < count; i++) {
            out.add(get(i));
        }
        return out;
    }
}
