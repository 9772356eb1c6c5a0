package io.irqsim.hv.trace;

import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Records fixed-size binary trace records ({@link TraceFormat}) into a Chronicle Bytes buffer,
 * in memory or in a memory-mapped file. It is the {@link HwTrace} the hardware layer reports
 * into, and the hypervisor's own recorder; each record is stamped with the virtual time and the
 * current context (physical CPU, domain) that the hypervisor sets as it runs.
 *
 * <p>Recording allocates nothing (apart from the buffer growing by whole chunks). Not thread-safe:
 * the machine thread owns it.
 */
public final class TraceRecorder implements HwTrace, AutoCloseable {

    private final Bytes<?> bytes;
    private final VirtualClock clock;
    private final boolean mapped;
    private long count;
    private int cpu = TraceFormat.NO_CPU;
    private int domain = TraceFormat.DOMID_XEN;
    private boolean enabled = true;
    private boolean closed;

    private TraceRecorder(final Bytes<?> bytes, final VirtualClock clock, final boolean mapped) {
        this.bytes = bytes;
        this.clock = clock;
        this.mapped = mapped;
        bytes.writeLong(TraceFormat.MAGIC);
        bytes.writeInt(TraceFormat.VERSION);
        bytes.writeInt(TraceFormat.RECORD_SIZE);
        bytes.writeLong(0);
        bytes.writeLong(0);
    }

    /**
     * A recorder into off-heap memory that grows as needed.
     *
     * @param clock virtual time source
     * @param initialRecords capacity to reserve up front, in records
     * @return the recorder
     */
    public static TraceRecorder inMemory(final VirtualClock clock, final int initialRecords) {
        final long capacity = TraceFormat.HEADER_SIZE + (long) Math.max(initialRecords, 16) * TraceFormat.RECORD_SIZE;
        return new TraceRecorder(Bytes.allocateElasticDirect(capacity), clock, false);
    }

    /**
     * A recorder into a memory-mapped file (created or truncated). The file grows in chunks, so
     * it may be longer than the records: the header's record count says where they end.
     *
     * @param file the trace file
     * @param clock virtual time source
     * @return the recorder
     * @throws UncheckedIOException if the file cannot be created or mapped
     */
    public static TraceRecorder mappedFile(final Path file, final VirtualClock clock) {
        try {
            Files.deleteIfExists(file);
            final Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            final File f = file.toFile();
            return new TraceRecorder(MappedBytes.mappedBytes(f, 1 << 20), clock, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create trace file " + file + ": " + e.getMessage(), e);
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
        record(event, cpu, aboutDomain, a, b, c);
    }

    /** @param on whether to record (off: events are dropped) */
    public void setEnabled(final boolean on) {
        this.enabled = on;
    }

    @Override
    public void event(final int event, final long a, final long b, final long c) {
        record(event, cpu, domain, a, b, c);
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
        if (!enabled || closed) {
            return;
        }
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
        // the header's count moves with every record so that a memory-mapped trace is readable
        // (by irqsim trace dump) at any moment, even if the writer dies
        out.writeLong(TraceFormat.COUNT_OFFSET, count);
    }

    /**
     * Discards every record and starts again right after the header, keeping the buffer and the
     * capacity it has grown to: a recorder that runs for a long time (a benchmark, a bench loop)
     * then writes into memory it already has instead of growing without bound. Allocates nothing.
     */
    public void clear() {
        if (closed) {
            return;
        }
        bytes.writePosition(TraceFormat.HEADER_SIZE);
        count = 0;
        bytes.writeLong(TraceFormat.COUNT_OFFSET, 0);
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

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            bytes.releaseLast();
        }
    }
}
