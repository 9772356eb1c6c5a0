package io.irqsim.hw.firmware.acpi;

/**
 * A cursor over AML bytes in one table (ACPI 6.5, 20.2): the encodings every opcode shares,
 * {@code PkgLength} (20.2.4) and {@code NameString} (20.2.2), with bounds checks that name the
 * table and offset.
 */
final class AmlStream {

    private final AcpiTable table;
    private final byte[] b;
    private int pos;

    AmlStream(final AcpiTable table, final int pos) {
        this.table = table;
        this.b = table.bytes();
        this.pos = pos;
    }

    AcpiTable table() {
        return table;
    }

    int pos() {
        return pos;
    }

    void seek(final int p) {
        pos = p;
    }

    AmlException error(final String what) {
        return error(pos, what);
    }

    AmlException error(final int at, final String what) {
        return new AmlException(String.format("%s at offset 0x%x: %s", table.label(), at, what));
    }

    void need(final int n, final int end) {
        if (pos + n > end || pos + n > b.length) {
            throw error("AML ends in the middle of an object (needs " + n + " more byte(s))");
        }
    }

    int peek(final int end) {
        need(1, end);
        return b[pos] & 0xFF;
    }

    int u8(final int end) {
        need(1, end);
        return b[pos++] & 0xFF;
    }

    int u16(final int end) {
        need(2, end);
        final int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    long u32(final int end) {
        need(4, end);
        long v = 0;
        for (int i = 3; i >= 0; i--) {
            v = v << 8 | (b[pos + i] & 0xFF);
        }
        pos += 4;
        return v;
    }

    long u64(final int end) {
        final long lo = u32(end);
        final long hi = u32(end);
        return hi << 32 | lo;
    }

    byte[] bytes(final int n, final int end) {
        need(n, end);
        final byte[] out = new byte[n];
        System.arraycopy(b, pos, out, 0, n);
        pos += n;
        return out;
    }

    /**
     * Reads a PkgLength and returns the absolute end of the object it measures.
     *
     * @param end the enclosing object's end
     * @return the end offset
     */
    int pkgEnd(final int end) {
        final int start = pos;
        final int lead = u8(end);
        final int follow = lead >>> 6;
        long len;
        if (follow == 0) {
            len = lead & 0x3F;
        } else {
            if ((lead & 0x30) != 0) {
                throw error(start, "PkgLength lead byte 0x" + Integer.toHexString(lead)
                    + " has bits 5:4 set with following bytes (ACPI 6.5, 20.2.4)");
            }
            len = lead & 0x0F;
            for (int i = 0; i < follow; i++) {
                len |= (long) u8(end) << (4 + 8 * i);
            }
        }
        final long e = start + len;
        if (len < pos - start || e > end) {
            throw error(start, "PkgLength " + len + " runs past the enclosing object (ends at 0x"
                + Integer.toHexString(end) + ")");
        }
        return (int) e;
    }

    /**
     * Reads a number in PkgLength encoding that is not an object length (field widths, ACPI 6.5 20.2.5.2).
     *
     * @param end the enclosing object's end
     * @return the value
     */
    long pkgValue(final int end) {
        final int start = pos;
        final int lead = u8(end);
        final int follow = lead >>> 6;
        if (follow == 0) {
            return lead & 0x3F;
        }
        if ((lead & 0x30) != 0) {
            throw error(start, "PkgLength lead byte 0x" + Integer.toHexString(lead) + " has bits 5:4 set");
        }
        long len = lead & 0x0F;
        for (int i = 0; i < follow; i++) {
            len |= (long) u8(end) << (4 + 8 * i);
        }
        return len;
    }

    static boolean isLeadNameChar(final int c) {
        return c >= 'A' && c <= 'Z' || c == '_';
    }

    static boolean isNameStart(final int c) {
        return isLeadNameChar(c) || c == '\\' || c == '^' || c == 0x2E || c == 0x2F;
    }

    /**
     * Reads a NameString (ACPI 6.5, 20.2.2), or a NullName.
     *
     * @param end the enclosing object's end
     * @return the internal form ({@code "\\_SB_.PCI0"}, {@code "^ABCD"}, {@code ""} for NullName)
     */
    String nameString(final int end) {
        final StringBuilder sb = new StringBuilder();
        int c = peek(end);
        if (c == '\\') {
            sb.append('\\');
            pos++;
        } else {
            while (c == '^') {
                sb.append('^');
                pos++;
                c = peek(end);
            }
        }
        c = u8(end);
        int count;
        if (c == 0x00) {
            return sb.toString();
        } else if (c == 0x2E) {
            count = 2;
        } else if (c == 0x2F) {
            count = u8(end);
        } else {
            pos--;
            count = 1;
        }
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sb.append('.');
            }
            sb.append(nameSeg(end));
        }
        return sb.toString();
    }

    String nameSeg(final int end) {
        final int at = pos;
        need(4, end);
        final char[] seg = new char[4];
        for (int i = 0; i < 4; i++) {
            final int ch = b[pos + i] & 0xFF;
            final boolean ok = i == 0 ? isLeadNameChar(ch) : isLeadNameChar(ch) || ch >= '0' && ch <= '9';
            if (!ok) {
                throw error(at, "0x" + Integer.toHexString(ch) + " is not a name character (NameSeg expected)");
            }
            seg[i] = (char) ch;
        }
        pos += 4;
        return new String(seg);
    }
}
