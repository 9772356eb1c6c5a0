package io.irqsim.dm.qtest;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the qtest line protocol: the input is a client's byte stream, split
 * into lines by {@link QtestLineReader} (with a small limit so over-long lines are reached) and
 * executed by a fresh {@link QtestSession} on the default platform. A finding is any exception,
 * or a reply that is not one protocol line ({@code OK...}, {@code FAIL...}, {@code IRQ raise|lower N}).
 * The build replays the seeds in {@code QtestFuzzTestInputs/}.
 */
class QtestFuzzTest {

    private static final int LINE_LIMIT = 512;
    private static final Pattern REPLY = Pattern.compile("OK( [ -~]*)?|FAIL( [ -~]*)?|IRQ (raise|lower) \\d+");

    // QtestLineReader + QtestSession.handleLine: any byte stream gets one protocol line per command
    @FuzzTest(maxDuration = "10m")
    void everyLineGetsProtocolReplies(final byte[] input) throws IOException {
        final List<String> out = new ArrayList<>();
        final QtestSession session = new QtestSession(out::add);
        final QtestLineReader reader = new QtestLineReader(new ByteArrayInputStream(input), LINE_LIMIT);
        String line;
        while ((line = reader.next()) != null) {
            if (line == QtestLineReader.TOO_LONG) {
                session.lineTooLong();
            } else {
                session.handleLine(line);
            }
        }
        for (final String reply : out) {
            assertTrue(REPLY.matcher(reply).matches(), () -> "not a protocol line: " + abbreviate(reply));
        }
    }

    private static String abbreviate(final String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
