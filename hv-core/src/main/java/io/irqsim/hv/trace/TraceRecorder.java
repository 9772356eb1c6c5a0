package io.irqsim.hv.trace;

import io.irqsim.hw.files.FileErrors;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.trace.TraceSwitch;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Records fixed-size binary trace records ({@link TraceFormat}) into a Chronicle Bytes buffer,
 * in memory or in a memory-mapped file. It is the {@link HwTrace} the hardware layer reports
 * into, and the hypervisor's own recorder; each record is stamped with the virtual time and the
 * current context (physical CPU, domain) that the hypervisor sets as it runs.
 *
 * <p>Recording allocates nothing (apart from the buffer growing by whole chunks) and costs the
 * same however long the trace is. The header's record count moves with every record, so a
 * memory-mapped trace is readable at any moment, even if the writer dies; in a file it lives in a
 * mapping of its own ({@link #countCell}), because writing it through Chronicle's chunked mapping
 * would switch chunks twice per record once the trace passes the first chunk. Not thread-safe:
 * the machine thread owns it.
 *
 * <p>Off ({@link #setEnabled}{@code (false)}, or closed), every event method is a test of one flag,
 * {@link #traceSwitch()}, in a method small enough for the JIT to inline; the writing is in a
 * separate method that only runs when recording. Devices wired to this recorder test the same
 * flag before they report, so a disabled trace costs them a field load per trace point.
 */
public final class TraceRecorder implements HwTrace, AutoCloseable {

    private final Bytes<?> bytes;
    private final VirtualClock clock;
    private final boolean mapped;
    /**
     * The header's record count in a file: a mapping of the header alone, so updating it never
     * touches Chronicle's current chunk; {@code null} in memory, where {@link #bytes} takes it.
     */
    private final ByteBuffer countCell;
    private long count;
    private int cpu = TraceFormat.NO_CPU;
    private int domain = TraceFormat.DOMID_XEN;
    private boolean enabled;
    private boolean closed;
    /** On while {@link #enabled} and not {@link #closed}: the one flag the event methods test. */
    private final TraceSwitch recording;
    /**
     * {@code recording.isOn()}, kept in this object as well (set only next to {@code recording.set}):
     * the hypervisor's own trace points test it with one load instead of two dependent ones, after
     * {@link TraceSwitch#anyOn()}, which compiles to a constant while no trace in the JVM records.
     */
    private boolean on;

    private TraceRecorder(final Bytes<?> bytes, final VirtualClock clock, final ByteBuffer countCell,
                          final boolean recordingFromTheStart) {
        // a recorder created off never turns its switch on, so it never opens TraceSwitch's gate
        this.recording = new TraceSwitch(recordingFromTheStart);
        this.enabled = recordingFromTheStart;
        this.on = recordingFromTheStart;
        this.bytes = bytes;
        this.clock = clock;
        this.mapped = countCell != null;
        this.countCell = countCell;
        bytes.writeLong(TraceFormat.MAGIC);
        bytes.writeInt(TraceFormat.VERSION);
        bytes.writeInt(TraceFormat.RECORD_SIZE);
        bytes.writeLong(0);
        bytes.writeLong(0);
    }

    /**
     * A recorder into off-heap memory that grows as needed, recording from the start.
     *
     * @param clock virtual time source
     * @param initialRecords capacity to reserve up front, in records
     * @return the recorder
     */
    public static TraceRecorder inMemory(final VirtualClock clock, final int initialRecords) {
        return inMemory(clock, initialRecords, true);
    }

    /**
     * A recorder into off-heap memory that grows as needed.
     *
     * @param clock virtual time source
     * @param initialRecords capacity to reserve up front, in records
     * @param recording whether it records from the start ({@link #setEnabled} changes it later).
     *     A machine that never traces should start its recorder off rather than turn it off: a
     *     recorder created on opens {@link TraceSwitch#anyOn()}'s gate, and turning it off closes
     *     it again, each time throwing compiled code away
     * @return the recorder
     */
    public static TraceRecorder inMemory(final VirtualClock clock, final int initialRecords, final boolean recording) {
        final long capacity = TraceFormat.HEADER_SIZE + (long) Math.max(initialRecords, 16) * TraceFormat.RECORD_SIZE;
        return new TraceRecorder(Bytes.allocateElasticDirect(capacity), clock, null, recording);
    }

    /**
     * A recorder into a memory-mapped file. A regular file already there is truncated in place
     * (never deleted first); anything else at the path (a directory, a device node, a FIFO, a
     * socket, a symbolic link) is refused, so a trace never replaces or writes through it. The file
     * grows in chunks, so it may be longer than the records: the header's record count says where
     * they end.
     *
     * @param file the trace file
     * @param clock virtual time source
     * @return the recorder
     * @throws UncheckedIOException naming the file and the reason if it is refused or cannot be
     *     created or mapped
     */
    public static TraceRecorder mappedFile(final Path file, final VirtualClock clock) {
        try {
            refuseAnythingButARegularFile(file);
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            final ByteBuffer countCell;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
                // a mapping outlives its channel
                countCell = ch.map(FileChannel.MapMode.READ_WRITE, 0, TraceFormat.HEADER_SIZE)
                    .order(ByteOrder.LITTLE_ENDIAN);
            }
            return new TraceRecorder(MappedBytes.mappedBytes(file.toFile(), 1 << 20), clock, countCell, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace file " + file + ": " + FileErrors.reason(e), e);
        }
    }

    /**
     * @param file where a trace is to be written
     * @throws IOException saying why, if something other than a regular file is there
     */
    private static void refuseAnythingButARegularFile(final Path file) throws IOException {
        final BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return; // created
        }
        if (a.isSymbolicLink()) {
            throw new IOException("is a symbolic link (give the path of a regular file)");
        }
        if (a.isDirectory()) {
            throw new IOException("is a directory");
        }
        if (!a.isRegularFile()) {
            throw new IOException("is not a regular file (a device, FIFO or socket); traces are written to regular "
                + "files only");
        }
    }

    /**
     * Sets the context stamped on following records.
     *
     * @param cpu physical CPU, or -1 for none
     * @param domain domain id, or {@link TraceFormat#DOMID_XEN}
     */
    public void setContext(final int cpu, final int domain) {
        this.cpu = cpu < 0 ? TraceFormat.NO_CPU : cpu;
        this.domain = domain;
    }

    /** @return the domain stamped on records now */
    public int contextDomain() {
        return domain;
    }

    /** @return the CPU stamped on records now (-1 if none) */
    public int contextCpu() {
        return cpu == TraceFormat.NO_CPU ? -1 : cpu;
    }

    /**
     * Records one event about another domain than the current context's, on the current CPU
     * (e.g. Xen mapping a pirq into a guest while it runs a hypercall of dom0's).
     *
     * @param event event code
     * @param aboutDomain the domain the event is about
     * @param a argument a
     * @param b argument b
     * @param c argument c
     */
    public void eventFor(final int event, final int aboutDomain, final long a, final long b, final long c) {
        if (TraceSwitch.anyOn() && on) {
            write(event, cpu, aboutDomain, a, b, c);
        }
    }

    /** @param on whether to record (off: events are dropped) */
    public void setEnabled(final boolean on) {
        this.enabled = on;
        recording.set(on && !closed);
        this.on = recording.isOn();
    }

    /** @return whether events are recorded now (enabled and not closed) */
    public boolean isRecording() {
        return on;
    }

    /** @return the flag {@link #isRecording()} reads; devices wired to this recorder test it before reporting */
    @Override
    public TraceSwitch traceSwitch() {
        return recording;
    }

    @Override
    public void event(final int event, final long a, final long b, final long c) {
        if (TraceSwitch.anyOn() && on) {
            write(event, cpu, domain, a, b, c);
        }
    }

    /**
     * Records one event with an explicit context.
     *
     * @param event event code
     * @param recordCpu physical CPU ({@link TraceFormat#NO_CPU} for none)
     * @param recordDomain domain id
     * @param a argument a
     * @param b argument b
     * @param c argument c
     */
    public void record(final int event, final int recordCpu, final int recordDomain, final long a, final long b,
                       final long c) {
        if (TraceSwitch.anyOn() && on) {
            write(event, recordCpu, recordDomain, a, b, c);
        }
    }

    /** Writes one record: only called while recording, kept out of the event methods so they inline. */
    private void write(final int event, final int recordCpu, final int recordDomain, final long a, final long b,
                       final long c) {
        final Bytes<?> out = bytes;
        out.writeLong(clock.now());
        out.writeUnsignedShort(event);
        out.writeUnsignedShort(recordCpu & 0xFFFF);
        out.writeUnsignedShort(recordDomain & 0xFFFF);
        out.writeUnsignedShort(0);
        out.writeLong(a);
        out.writeLong(b);
        out.writeLong(c);
        count++;
        writeCount();
    }

    /** The header's count, in the file's own header mapping or in memory (see the class comment). */
    private void writeCount() {
        final ByteBuffer cell = countCell;
        if (cell != null) {
            cell.putLong(TraceFormat.COUNT_OFFSET, count);
        } else {
            bytes.writeLong(TraceFormat.COUNT_OFFSET, count);
        }
    }

    /**
     * Discards every record and starts again right after the header, keeping the buffer and the
     * capacity it has grown to: a recorder that runs for a long time (a benchmark, a bench loop)
     * then writes into memory it already has instead of growing without bound. Allocates nothing.
     */
    public void clear() {
        truncate(0);
    }

    /**
     * Discards every record after the first {@code records} and goes on writing after them,
     * keeping the buffer (a benchmark holds a trace at one length this way). Allocates nothing.
     *
     * @param records how many records to keep, at most {@link #recordCount()}
     * @throws IllegalArgumentException if {@code records} is negative or more than there are
     */
    public void truncate(final long records) {
        if (records < 0 || records > count) {
            throw new IllegalArgumentException("cannot keep " + records + " of " + count + " records");
        }
        if (closed) {
            return;
        }
        bytes.writePosition(TraceFormat.recordOffset(records));
        count = records;
        writeCount();
    }

    /** @return records written */
    public long recordCount() {
        return count;
    }

    /** @return whether records go to a memory-mapped file */
    public boolean isMapped() {
        return mapped;
    }

    /**
     * Copies the trace (header and records) into a byte array.
     *
     * @return the bytes, exactly header + count * record size long
     */
    public byte[] toByteArray() {
        final long len = TraceFormat.recordOffset(count);
        if (len > Integer.MAX_VALUE) {
            throw new IllegalStateException("trace of " + count + " records does not fit in a byte array");
        }
        final byte[] out = new byte[(int) len];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.readByte(i);
        }
        return out;
    }

    /**
     * Writes the trace to a file (header and records only).
     *
     * @param file destination
     * @throws UncheckedIOException on an I/O error
     */
    public void writeTo(final Path file) {
        try {
            Files.write(file, toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace " + file + ": " + e.getMessage(), e);
        }
    }

    /** @return a reader over what was recorded so far (a copy) */
    public TraceReader reader() {
        return TraceReader.of(toByteArray());
    }

    /**
     * A reader over the records from {@code from} on, alone (a copy of those, numbered from 0):
     * a run that reads its trace as it goes copies each record once instead of the whole trace
     * each time. Allocates only the copy.
     *
     * @param from the first record to copy, at most {@link #recordCount()}
     * @return a reader over records {@code from .. recordCount() - 1}
     * @throws IllegalArgumentException if {@code from} is negative or more than there are
     * @throws IllegalStateException if they do not fit in a byte array
     */
    public TraceReader reader(final long from) {
        if (from < 0 || from > count) {
            throw new IllegalArgumentException("no record " + from + " in a trace of " + count);
        }
        final long n = count - from;
        final long len = TraceFormat.recordOffset(n);
        if (len > Integer.MAX_VALUE) {
            throw new IllegalStateException(n + " records do not fit in a byte array");
        }
        final ByteBuffer out = ByteBuffer.allocate((int) len).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(TraceFormat.MAGIC).putInt(TraceFormat.VERSION).putInt(TraceFormat.RECORD_SIZE).putLong(n)
            .putLong(0);
        final long start = TraceFormat.recordOffset(from);
        if (!mapped && n > 0) {
            // one memory copy; a chunked mapping's bulk read does not cross its chunks, so a file goes 8 bytes at a time
            final int want = (int) (len - TraceFormat.HEADER_SIZE);
            final long got = bytes.read(start, out.array(), TraceFormat.HEADER_SIZE, want);
            if (got != want) {
                throw new IllegalStateException("read " + got + " of " + want + " bytes of trace records");
            }
            return TraceReader.of(out.array());
        }
        // RECORD_SIZE is a multiple of 8
        for (long at = start, end = TraceFormat.recordOffset(count); at < end; at += 8) {
            out.putLong(bytes.readLong(at));
        }
        return TraceReader.of(out.array());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            recording.set(false);
            on = false;
            if (countCell instanceof java.nio.MappedByteBuffer m) {
                m.force();
            }
            bytes.releaseLast();
        }
    }
}
