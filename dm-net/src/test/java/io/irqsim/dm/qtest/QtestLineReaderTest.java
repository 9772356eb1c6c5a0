package io.irqsim.dm.qtest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class QtestLineReaderTest {

    private static QtestLineReader reader(final String text, final int max) {
        return new QtestLineReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), max);
    }

    @Test
    void splitsOnLineFeedsAndKeepsCarriageReturns() throws IOException {
        final QtestLineReader r = reader("a\r\n\nbc\n", 10);
        assertEquals("a\r", r.next());
        assertEquals("", r.next());
        assertEquals("bc", r.next());
        assertNull(r.next());
        assertNull(r.next());
    }

    @Test
    void lastLineWithoutLineFeed() throws IOException {
        final QtestLineReader r = reader("x\nyz", 10);
        assertEquals("x", r.next());
        assertEquals("yz", r.next());
        assertNull(r.next());
    }

    @Test
    void lineAtTheLimitPassesOneOverIsReportedOnceAndSkipped() throws IOException {
        final QtestLineReader r = reader("12345\n123456\nok\n1234567890123", 5);
        assertEquals("12345", r.next());
        assertSame(QtestLineReader.TOO_LONG, r.next());
        assertEquals("ok", r.next());
        assertSame(QtestLineReader.TOO_LONG, r.next());
        assertNull(r.next());
    }

    @Test
    void bytesAreLatin1() throws IOException {
        final QtestLineReader r = new QtestLineReader(new ByteArrayInputStream(new byte[] {(byte) 0xff, 0, '\n'}), 8);
        assertEquals("\u00ff\u0000", r.next());
    }

    @Test
    void longStreamsAcrossBufferBoundaries() throws IOException {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("line ").append(i).append('\n');
        }
        final QtestLineReader r = reader(sb.toString(), 64);
        for (int i = 0; i < 5000; i++) {
            assertEquals("line " + i, r.next());
        }
        assertNull(r.next());
    }
}
