package io.irqsim.hv.trace;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Recording into a memory-mapped trace file ({@link TraceRecorder#mappedFile}) that already holds
 * {@code traceBytes} of records: the cost of one record must not depend on how long the trace is
 * (it did: the header count written through Chronicle's chunk mapping made every record past the
 * first 1 MiB chunk switch chunks twice). Each invocation appends {@value #BATCH} records, then
 * truncates back to where it started, so the file stays at its size however long JMH runs. The
 * batch starts {@value #PAST_THE_MARK} records past {@code traceBytes}, so that it never straddles
 * one of Chronicle's 1 MiB chunk boundaries (the sizes are multiples of 1 MiB): an append-only
 * recorder crosses each boundary once, where truncating back across one would cross it twice per
 * batch and measure the benchmark's rewinding instead of recording.
 *
 * <p>The default sizes run in the build's smoke test; a 1 GiB trace is a manual run:
 * {@code java -jar benchmarks/target/benchmarks.jar TraceRecordingBenchmark -p traceBytes=1073741824}
 * (it writes a 1 GiB file under {@code java.io.tmpdir} and deletes it at the end).
 */
@State(Scope.Thread)
public class TraceRecordingBenchmark extends AbstractIrqsimBenchmark {

    /** Records per invocation. */
    static final int BATCH = 64;
    /** Records between {@code traceBytes} and the start of every batch (5 KiB). */
    static final int PAST_THE_MARK = 128;

    /** Length of the trace the records are appended to, in bytes (1 KiB, 1 MiB, 64 MiB). */
    @Param({"1024", "1048576", "67108864"})
    public String traceBytes;

    private Path file;
    private TraceRecorder recorder;
    private long keep;
    private long sequence;

    /** Creates the file and fills it to {@code traceBytes}. */
    @Setup
    public void setup() throws IOException {
        file = Files.createTempFile("irqsim-bench-", ".trace");
        recorder = TraceRecorder.mappedFile(file, new VirtualClock());
        keep = Math.max(0, (Long.parseLong(traceBytes) - TraceFormat.HEADER_SIZE) / TraceFormat.RECORD_SIZE)
            + PAST_THE_MARK;
        for (long i = 0; i < keep; i++) {
            recorder.event(HwEvent.IOAPIC_RTE_WRITE, i, 0, 0);
        }
    }

    /** Appends {@value #BATCH} records, then goes back to {@code traceBytes}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void record() {
        final TraceRecorder t = recorder;
        for (int i = 0; i < BATCH; i++) {
            t.event(HwEvent.IOAPIC_RTE_WRITE, sequence++, i, 0);
        }
        t.truncate(keep);
    }

    /** Unmaps and deletes the file. */
    @TearDown
    public void tearDown() throws IOException {
        recorder.close();
        Files.deleteIfExists(file);
    }
}
