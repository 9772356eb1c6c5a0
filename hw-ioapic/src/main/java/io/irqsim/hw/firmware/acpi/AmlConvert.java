package io.irqsim.hw.firmware.acpi;

import java.nio.charset.StandardCharsets;

/**
 * The implicit and explicit data conversions of AML (ACPI 6.5, 19.3.5.7 "Data Type Conversion
 * Rules"), ACPICA's {@code exconvrt.c} behaviour: a string becomes an integer by its leading hex
 * digits, a buffer by its first 8 (or 4) bytes little-endian, an integer a buffer of 8 (or 4) bytes.
 */
final class AmlConvert {

    private AmlConvert() {
    }

    static long toInteger(final AmlObject o, final boolean int32, final AmlStream at) {
        final long v;
        if (o instanceof AmlObject.Int i) {
            v = i.value();
        } else if (o instanceof AmlObject.Str s) {
            v = hexPrefix(s.value());
        } else if (o instanceof AmlObject.Buf b) {
            long x = 0;
            final int n = Math.min(b.data().length, int32 ? 4 : 8);
            for (int k = n - 1; k >= 0; k--) {
                x = x << 8 | (b.data()[k] & 0xFF);
            }
            v = x;
        } else {
            throw at.error("an operand of type " + typeName(o) + " cannot be converted to an integer");
        }
        return int32 ? v & 0xFFFFFFFFL : v;
    }

    private static long hexPrefix(final String s) {
        String t = s.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            t = t.substring(2);
        }
        long v = 0;
        for (int i = 0; i < t.length() && i < 16; i++) {
            final int d = Character.digit(t.charAt(i), 16);
            if (d < 0) {
                break;
            }
            v = v << 4 | d;
        }
        return v;
    }

    static byte[] toBuffer(final AmlObject o, final boolean int32, final AmlStream at) {
        if (o instanceof AmlObject.Buf b) {
            return b.data();
        }
        if (o instanceof AmlObject.Int i) {
            final byte[] out = new byte[int32 ? 4 : 8];
            for (int k = 0; k < out.length; k++) {
                out[k] = (byte) (i.value() >>> (8 * k));
            }
            return out;
        }
        if (o instanceof AmlObject.Str s) {
            final byte[] str = s.value().getBytes(StandardCharsets.ISO_8859_1);
            final byte[] out = new byte[str.length + 1];
            System.arraycopy(str, 0, out, 0, str.length);
            return out;
        }
        throw at.error("an operand of type " + typeName(o) + " cannot be converted to a buffer");
    }

    static String toStr(final AmlObject o, final boolean int32, final AmlStream at) {
        if (o instanceof AmlObject.Str s) {
            return s.value();
        }
        if (o instanceof AmlObject.Int i) {
            return String.format(int32 ? "%08X" : "%016X", i.value());
        }
        if (o instanceof AmlObject.Buf b) {
            final StringBuilder sb = new StringBuilder();
            for (final byte x : b.data()) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(String.format("%02X", x & 0xFF));
            }
            return sb.toString();
        }
        throw at.error("an operand of type " + typeName(o) + " cannot be converted to a string");
    }

    /**
     * Compares as {@code LEqual}/{@code LGreater}/{@code LLess} do: the second operand is
     * converted to the first one's type; strings and buffers compare bytewise, then by length.
     */
    static int compare(final AmlObject a, final AmlObject b, final boolean int32, final AmlStream at) {
        if (a instanceof AmlObject.Str s) {
            return compareBytes(s.value().getBytes(StandardCharsets.ISO_8859_1),
                toStr(b, int32, at).getBytes(StandardCharsets.ISO_8859_1));
        }
        if (a instanceof AmlObject.Buf x) {
            return compareBytes(x.data(), toBuffer(b, int32, at));
        }
        return Long.compareUnsigned(toInteger(a, int32, at), toInteger(b, int32, at));
    }

    private static int compareBytes(final byte[] x, final byte[] y) {
        final int n = Math.min(x.length, y.length);
        for (int i = 0; i < n; i++) {
            final int c = Integer.compare(x[i] & 0xFF, y[i] & 0xFF);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    static String typeName(final AmlObject o) {
        return o == null ? "nothing" : o.getClass().getSimpleName();
    }

    /**
     * Reads bits of a buffer, little-endian.
     *
     * @return the value (at most 64 bits)
     */
    static long readBits(final byte[] data, final long bitOffset, final int bitLength) {
        long v = 0;
        for (int i = Math.min(bitLength, 64) - 1; i >= 0; i--) {
            final long bit = bitOffset + i;
            final int byteIndex = (int) (bit >>> 3);
            final int b = byteIndex < data.length ? data[byteIndex] >>> (bit & 7) & 1 : 0;
            v = v << 1 | b;
        }
        return v;
    }

    static void writeBits(final byte[] data, final long bitOffset, final int bitLength, final long value) {
        for (int i = 0; i < bitLength; i++) {
            final long bit = bitOffset + i;
            final int byteIndex = (int) (bit >>> 3);
            if (byteIndex >= data.length) {
                return;
            }
            final int mask = 1 << (bit & 7);
            final boolean set = i < 64 && (value >>> i & 1) != 0;
            data[byteIndex] = (byte) (set ? data[byteIndex] | mask : data[byteIndex] & ~mask);
        }
    }
}
