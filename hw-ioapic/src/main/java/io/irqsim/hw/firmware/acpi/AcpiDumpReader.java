package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.files.FileErrors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads ACPI tables as users have them: the text {@code acpidump} prints by default (ACPICA
 * {@code acpidump}: per table a line {@code SIG @ 0xADDRESS}, then lines {@code OFFSET: HH HH ...}
 * of up to 16 bytes with an ASCII column, then a blank line), or binary tables as {@code acpixtract}
 * writes them ({@code dsdt.dat}, one table, or several concatenated).
 *
 * <p>A bad checksum is a warning naming the table (Linux also only warns); a truncated table, a
 * missing line or a malformed hex byte is an {@link AcpiInputException} naming the table and offset.
 */
public final class AcpiDumpReader {

    private static final Pattern TABLE_LINE = Pattern.compile("^\\s*(\\S{4}) @ 0x[0-9A-Fa-f]+\\s*$");
    private static final Pattern HEX_LINE = Pattern.compile("^\\s*([0-9A-Fa-f]{4,8}): (.*)$");
    /** Width of the hex column {@code acpidump} prints: 16 bytes of {@code "HH "}. */
    private static final int HEX_COLUMN = 48;

    /** What was read: the tables in dump order and the warnings. */
    public record Result(List<AcpiTable> tables, List<String> warnings) {
        /** Copies the lists. */
        public Result {
            tables = List.copyOf(tables);
            warnings = List.copyOf(warnings);
        }
    }

    private AcpiDumpReader() {
    }

    /**
     * @param file an {@code acpidump} text file or a binary table
     * @return the tables
     * @throws AcpiInputException if the file cannot be read or is malformed
     */
    public static Result read(final Path file) {
        final byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new AcpiInputException(file + ": cannot read the file: " + FileErrors.reason(e));
        }
        try {
            return parse(content);
        } catch (final AcpiInputException e) {
            throw new AcpiInputException(file + ": " + e.getMessage()); // which file, when several are read
        }
    }

    /**
     * @param content an {@code acpidump} text or binary tables
     * @return the tables
     * @throws AcpiInputException if malformed
     */
    public static Result parse(final byte[] content) {
        final List<String> warnings = new ArrayList<>();
        final List<AcpiTable> tables = looksBinary(content) ? binary(content) : text(content);
        if (tables.isEmpty()) {
            throw new AcpiInputException("no ACPI table found: expected acpidump output (lines 'SIG @ 0xADDRESS'"
                + " followed by hex lines) or a binary table as acpixtract writes it");
        }
        for (final AcpiTable t : tables) {
            if (t.hasHeader() && !t.checksumValid()) {
                warnings.add(t.label() + ": checksum does not sum to zero (the table was edited or corrupted);"
                    + " reading it anyway, as Linux does");
            }
        }
        return new Result(tables, warnings);
    }

    private static boolean looksBinary(final byte[] c) {
        if (c.length < 8) {
            return false;
        }
        for (int i = 0; i < 4; i++) {
            final int ch = c[i] & 0xFF;
            if (!(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_')) {
                return false;
            }
        }
        final long len = le32(c, 4);
        return len >= 36 && len <= c.length;
    }

    private static long le32(final byte[] c, final int at) {
        return (c[at] & 0xFFL) | (c[at + 1] & 0xFFL) << 8 | (c[at + 2] & 0xFFL) << 16 | (c[at + 3] & 0xFFL) << 24;
    }

    private static List<AcpiTable> binary(final byte[] c) {
        final List<AcpiTable> out = new ArrayList<>();
        int at = 0;
        while (at < c.length) {
            final String sig = new String(c, at, Math.min(4, c.length - at), StandardCharsets.ISO_8859_1);
            if (c.length - at < 8) {
                throw AcpiInputException.at("binary table " + sig, 0, "only " + (c.length - at)
                    + " bytes left where a table header (36 bytes) should start at file offset 0x"
                    + Integer.toHexString(at));
            }
            final long len = le32(c, at + 4);
            if (len < 8 || at + len > c.length) {
                throw AcpiInputException.at(sig, 4, "the header's length " + len + " does not fit the "
                    + (c.length - at) + " bytes left in the file (truncated table)");
            }
            final byte[] t = new byte[(int) len];
            System.arraycopy(c, at, t, 0, t.length);
            out.add(new AcpiTable(sig, t));
            at += (int) len;
        }
        return out;
    }

    private static List<AcpiTable> text(final byte[] c) {
        final String[] lines = new String(c, StandardCharsets.ISO_8859_1).split("\r?\n", -1);
        final List<AcpiTable> out = new ArrayList<>();
        String sig = null;
        ByteArrayOutputStream bytes = null;
        for (int n = 0; n < lines.length; n++) {
            final String line = lines[n];
            final Matcher table = TABLE_LINE.matcher(line);
            if (table.matches()) {
                if (sig != null) {
                    out.add(finish(sig, bytes));
                }
                sig = table.group(1);
                bytes = new ByteArrayOutputStream();
                continue;
            }
            if (line.isBlank() || sig == null) {
                continue; // text before the first table (acpidump banners) and separators
            }
            final Matcher hex = HEX_LINE.matcher(line);
            if (!hex.matches()) {
                throw AcpiInputException.at(sig, bytes.size(), "line " + (n + 1) + " is not a hex line"
                    + " ('OFFSET: HH HH ...'): '" + abbreviate(line) + "'");
            }
            final int offset = Integer.parseInt(hex.group(1), 16);
            if (offset != bytes.size()) {
                throw AcpiInputException.at(sig, bytes.size(), "line " + (n + 1) + " starts at offset 0x"
                    + Integer.toHexString(offset) + ", expected 0x" + Integer.toHexString(bytes.size())
                    + " (a line is missing or repeated)");
            }
            final String rest = hex.group(2);
            final String column = rest.length() > HEX_COLUMN ? rest.substring(0, HEX_COLUMN) : rest;
            for (final String tok : column.trim().split("\\s+")) {
                if (tok.isEmpty()) {
                    continue;
                }
                if (tok.length() != 2 || Character.digit(tok.charAt(0), 16) < 0 || Character.digit(tok.charAt(1), 16) < 0) {
                    throw AcpiInputException.at(sig, bytes.size(), "line " + (n + 1) + ": '" + tok
                        + "' is not a hex byte");
                }
                bytes.write(Integer.parseInt(tok, 16));
            }
        }
        if (sig != null) {
            out.add(finish(sig, bytes));
        }
        return out;
    }

    private static AcpiTable finish(final String sig, final ByteArrayOutputStream bytes) {
        final byte[] b = bytes.toByteArray();
        if ("RSD ".equals(sig) || "RSDP".equals(sig)) {
            return new AcpiTable("RSDP", b);
        }
        if (b.length < 8) {
            throw AcpiInputException.at(sig, b.length, "the dump holds only " + b.length
                + " bytes, not even the table's length field");
        }
        final long len = le32(b, 4);
        if ("FACS".equals(sig)) {
            return new AcpiTable(sig, b);
        }
        if (len < AcpiTable.HEADER_LENGTH) {
            throw AcpiInputException.at(sig, 4, "the header's length " + len + " is shorter than the 36-byte header");
        }
        if (b.length < len) {
            throw AcpiInputException.at(sig, b.length, "truncated: the header says " + len + " bytes, the dump has "
                + b.length);
        }
        if (b.length > len) {
            final byte[] t = new byte[(int) len];
            System.arraycopy(b, 0, t, 0, t.length);
            return new AcpiTable(sig, t);
        }
        return new AcpiTable(sig, b);
    }

    private static String abbreviate(final String line) {
        final String l = line.strip();
        return l.length() > 60 ? l.substring(0, 60) + "..." : l;
    }
}
