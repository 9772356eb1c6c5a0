package io.irqsim.dm.net.server;

/**
 * Makes text a peer chose safe to put in a log line: every control character (C0, DEL, C1), the
 * Unicode line and paragraph separators and the bidirectional overrides are written as escapes
 * ({@code \n}, {@code \r}, {@code \t}, else {@code \}{@code uXXXX}), so a model's ERROR text cannot
 * end the line and forge the next one, move the cursor or reorder what a reader sees.
 */
public final class LogText {

    private LogText() {
    }

    /**
     * @param text any text
     * @return it on one line, control characters escaped (the same string if there were none)
     */
    public static String sanitize(final String text) {
        int i = 0;
        while (i < text.length() && !unsafe(text.charAt(i))) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        final StringBuilder b = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (!unsafe(c)) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    private static boolean unsafe(final char c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029'
            || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069');
    }
}
