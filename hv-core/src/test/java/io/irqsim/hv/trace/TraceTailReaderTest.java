package io.irqsim.hv.trace;

import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link TraceRecorder#reader(long)}: a run that reads its trace as it goes gets the records
 * written since it last looked, numbered from 0, the same records a reader of the whole trace has
 * at those indices; in memory and in a memory-mapped file past its first 1 MiB chunk, and the
 * recorder goes on writing where it was after the read.
 */
class TraceTailReaderTest {

    /** More than one 1 MiB chunk of the mapped file: 40 bytes a record. */
    private static final int RECORDS = 40_000;

    private static void write(final TraceRecorder t, final VirtualClock clock, final int from, final int to) {
        for (int i = from; i < to; i++) {
            clock.advanceBy(1);
            t.record(HvEvent.EOI_TIMEOUT, i & 1, 0, i, -i, (long) i << 20);
        }
    }

    private static void tailMatchesTheWholeTrace(final Function<VirtualClock, TraceRecorder> make) {
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = make.apply(clock)) {
            write(t, clock, 0, RECORDS);
            final TraceReader tail = t.reader(RECORDS - 3_000);
            write(t, clock, RECORDS, RECORDS + 10);
            final List<TraceRecord> whole = t.reader().records();
            assertEquals(RECORDS + 10, whole.size(), "writing went on after the read");
            assertEquals(3_000, tail.count());
            assertEquals(whole.subList(RECORDS - 3_000, RECORDS), tail.records());
            assertEquals(RECORDS - 1, tail.get(2_999).a());
            assertEquals(10, t.reader(RECORDS).count());
            assertEquals(whole.get(RECORDS + 9), t.reader(RECORDS).get(9));
            assertEquals(0, t.reader(RECORDS + 10).count(), "nothing new: an empty reader");
        }
    }

    @Test
    void inMemoryTailHoldsTheRecordsSinceTheGivenIndex() {
        tailMatchesTheWholeTrace(clock -> TraceRecorder.inMemory(clock, 16));
    }

    @Test
    void mappedFileTailHoldsTheRecordsSinceTheGivenIndex(@TempDir final Path dir) throws IOException {
        tailMatchesTheWholeTrace(clock -> TraceRecorder.mappedFile(dir.resolve("t.trace"), clock));
    }

    // a recorder emptied with clear() (as a long run does once it has read) reads only what came after
    @Test
    void afterClearTheTailHoldsOnlyTheNewRecords() {
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 16)) {
            write(t, clock, 0, 1_000);
            t.clear();
            write(t, clock, 1_000, 1_250);
            final TraceReader tail = t.reader(0);
            assertEquals(250, tail.count());
            assertEquals(1_000, tail.get(0).a());
            assertEquals(1_249, tail.get(249).a());
            assertEquals(-1_249, tail.get(249).b());
            assertEquals(1_250, tail.get(249).time());
        }
    }

    @Test
    void anIndexOutsideTheTraceIsRefused() {
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 16)) {
            write(t, clock, 0, 5);
            assertThrows(IllegalArgumentException.class, () -> t.reader(6));
            assertThrows(IllegalArgumentException.class, () -> t.reader(-1));
        }
    }
}
