package io.irqsim.dm.qtest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads protocol lines from a byte stream with a length limit, so a peer that never sends a line
 * feed costs a bounded amount of memory. Bytes are decoded as ISO-8859-1 (every byte is one
 * character; the protocol is ASCII, anything else is simply not a valid command).
 *
 * <p>A line longer than the limit is reported once as {@link #TOO_LONG} and the rest of it, up to
 * and including its line feed, is discarded. A last line without a line feed is still returned.
 */
public final class QtestLineReader {

    /** Marker {@link #next()} returns for a line that exceeded the limit (compare by identity). */
    public static final String TOO_LONG = new String("<line too long>");

    private final InputStream in;
    private final int maxLength;
    private final byte[] chunk = new byte[8192];
    private int chunkPos;
    private int chunkEnd;
    private byte[] line = new byte[256];
    private int lineLen;
    private boolean eof;

    /**
     * @param in the stream (not closed by this reader)
     * @param maxLength longest line accepted, in bytes, without the line feed
     */
    public QtestLineReader(final InputStream in, final int maxLength) {
        this.in = in;
        this.maxLength = maxLength;
    }

    /**
     * @return the next line without its line feed, {@link #TOO_LONG}, or {@code null} at end of input
     * @throws IOException if the stream fails
     */
    public String next() throws IOException {
        lineLen = 0;
        boolean discarding = false;
        while (true) {
            if (chunkPos == chunkEnd) {
                if (eof || !fill()) {
                    eof = true;
                    if (discarding) {
                        return TOO_LONG;
                    }
                    return lineLen > 0 ? text() : null;
                }
            }
            final byte b = chunk[chunkPos++];
            if (b == '\n') {
                return discarding ? TOO_LONG : text();
            }
            if (discarding) {
                continue;
            }
            if (lineLen == maxLength) {
                discarding = true;
                lineLen = 0;
                continue;
            }
            if (lineLen == line.length) {
                line = Arrays.copyOf(line, Math.min(maxLength, line.length * 2));
            }
            line[lineLen++] = b;
        }
    }

    private boolean fill() throws IOException {
        final int n = in.read(chunk, 0, chunk.length);
        if (n <= 0) {
            return false;
        }
        chunkPos = 0;
        chunkEnd = n;
        return true;
    }

    private String text() {
        final String s = new String(line, 0, lineLen, StandardCharsets.ISO_8859_1);
        if (line.length > 4096) {
            line = new byte[256]; // don't keep a megabyte buffer after one big line
        }
        return s;
    }
}
