package io.irqsim.dm.qtest;

/**
 * Argument parsing for the qtest line protocol. Numbers follow C's {@code strtoull}/{@code strtoll}
 * with base 0, which is what QEMU's {@code system/qtest.c} uses for every numeric argument
 * ({@code qemu_strtou64(..., 0, ...)}): {@code 0x}/{@code 0X} prefix = hexadecimal, a leading
 * {@code 0} = octal, otherwise decimal. Unlike {@code strtoull} the whole word must be a number
 * (QEMU's wrappers reject trailing characters too), unsigned arguments take no sign, and a value
 * that does not fit is an error rather than a saturated result.
 */
final class QtestArgs {

    private QtestArgs() {
    }

    /** A command that cannot be carried out: the session replies {@code FAIL <reason>}. */
    static final class Fail extends Exception {
        private static final long serialVersionUID = 1L;

        Fail(final String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Parses an unsigned 64-bit number (strtoull base 0, whole word, no sign).
     *
     * @param what argument name for the error message
     * @param word the word
     * @return the value (bit pattern of an unsigned 64-bit number)
     * @throws Fail if the word is not such a number
     */
    static long u64(final String what, final String word) throws Fail {
        if (word.isEmpty() || word.charAt(0) == '+' || word.charAt(0) == '-') {
            throw bad(what, word);
        }
        return magnitude(what, word, word);
    }

    /**
     * Parses a signed 64-bit number (strtoll base 0, whole word, optional sign).
     *
     * @param what argument name for the error message
     * @param word the word
     * @return the value
     * @throws Fail if the word is not a number or does not fit in 64 signed bits
     */
    static long s64(final String what, final String word) throws Fail {
        if (word.isEmpty()) {
            throw bad(what, word);
        }
        final boolean negative = word.charAt(0) == '-';
        final String digits = negative || word.charAt(0) == '+' ? word.substring(1) : word;
        if (digits.isEmpty() || digits.charAt(0) == '+' || digits.charAt(0) == '-') {
            throw bad(what, word);
        }
        final long m = magnitude(what, digits, word);
        if (negative) {
            if (Long.compareUnsigned(m, Long.MIN_VALUE) > 0) {
                throw new Fail(what + " '" + printable(word) + "' does not fit in 64 bits");
            }
            return -m;
        }
        if (m < 0) {
            throw new Fail(what + " '" + printable(word) + "' does not fit in 64 bits");
        }
        return m;
    }

    /**
     * Parses a signed number that must fit in 32 bits (QEMU's {@code qemu_strtoi}).
     *
     * @param what argument name for the error message
     * @param word the word
     * @return the value
     * @throws Fail if the word is not such a number
     */
    static int s32(final String what, final String word) throws Fail {
        final long v = s64(what, word);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new Fail(what + " '" + printable(word) + "' does not fit in 32 bits");
        }
        return (int) v;
    }

    private static long magnitude(final String what, final String digitsWithPrefix, final String word)
        throws Fail {
        int radix = 10;
        String digits = digitsWithPrefix;
        if (digits.length() > 1 && digits.charAt(0) == '0') {
            final char second = digits.charAt(1);
            if (second == 'x' || second == 'X') {
                radix = 16;
                digits = digits.substring(2);
            } else {
                radix = 8;
                digits = digits.substring(1);
            }
        }
        if (digits.isEmpty()) {
            throw bad(what, word);
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digit(digits.charAt(i), radix) < 0) {
                throw bad(what, word);
            }
        }
        try {
            return Long.parseUnsignedLong(digits, radix);
        } catch (final NumberFormatException e) {
            throw new Fail(what + " '" + printable(word) + "' does not fit in 64 bits");
        }
    }

    /**
     * An ASCII digit's value (Character.digit would also accept non-ASCII digits).
     *
     * @param c character
     * @param radix 8, 10 or 16
     * @return the value, or -1 if {@code c} is not a digit of that radix
     */
    static int digit(final char c, final int radix) {
        final int v;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else {
            return -1;
        }
        return v < radix ? v : -1;
    }

    private static Fail bad(final String what, final String word) {
        return new Fail("bad " + what + " '" + printable(word)
            + "': expected a number (decimal, 0x hexadecimal or 0 octal)");
    }

    /**
     * A peer's word made safe to echo in a reply: at most 40 characters, anything outside printable
     * ASCII replaced by '?', so a reply is always exactly one line of text.
     *
     * @param word text from the peer
     * @return the printable form
     */
    static String printable(final String word) {
        final int max = 40;
        final StringBuilder sb = new StringBuilder(Math.min(word.length(), max + 3));
        for (int i = 0; i < word.length() && i < max; i++) {
            final char c = word.charAt(i);
            sb.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        if (word.length() > max) {
            sb.append("...");
        }
        return sb.toString();
    }
}
