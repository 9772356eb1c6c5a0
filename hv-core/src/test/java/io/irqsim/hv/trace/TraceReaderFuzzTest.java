package io.irqsim.hv.trace;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Coverage-guided fuzzing of the trace reader: the input is a trace file. It must be refused with
 * an {@link IllegalArgumentException} that says why, or every record the header counts must be
 * readable; the byte-array reader and the file reader (windowed) must agree on both. Any other
 * exception is a finding. The build replays the seeds in {@code TraceReaderFuzzTestInputs/}.
 */
class TraceReaderFuzzTest {

    // TraceReader.of and TraceReader.open: the same refusal or the same records
    @FuzzTest(maxDuration = "10m")
    void anyFileIsRefusedOrReadWhole(final byte[] input) throws IOException {
        String refusal = null;
        TraceReader fromBytes = null;
        try {
            fromBytes = TraceReader.of(input);
        } catch (final IllegalArgumentException e) {
            refusal = e.getMessage();
        }
        final Path file = Files.createTempFile("fuzz-", ".trace");
        try {
            Files.write(file, input);
            try (TraceReader fromFile = TraceReader.open(file)) {
                assertEquals(null, refusal, "the file reader accepted what the byte reader refused");
                assertEquals(fromBytes.count(), fromFile.count());
                for (long i = 0; i < fromFile.count(); i++) {
                    assertEquals(fromBytes.get(i), fromFile.get(i));
                }
            } catch (final IllegalArgumentException e) {
                assertEquals(refusal, e.getMessage());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
