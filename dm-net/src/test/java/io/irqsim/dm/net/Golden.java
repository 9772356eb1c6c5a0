package io.irqsim.dm.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Golden byte sequences kept as annotated hex (Chronicle style: hex bytes, then {@code # comment})
 * in {@code src/test/resources/dm-net/*.hex}, one section per {@code == name} line.
 *
 * <p>Tests compare what the code produces with a section. Run with
 * {@code -Ddmnet.golden.record=true} to rewrite the files from the code instead (then read the
 * diff: the annotations are written by {@link FrameDump}, apart from the codec).
 */
final class Golden {

    static final boolean RECORD = Boolean.getBoolean("dmnet.golden.record");

    private final String file;
    private final String title;
    private final Map<String, byte[]> sections = new LinkedHashMap<>();
    private final Map<String, String> recorded = new TreeMap<>();
    private final Map<String, String> descriptions = new TreeMap<>();

    private Golden(final String file, final String title) {
        this.file = file;
        this.title = title;
    }

    /**
     * @param file name under {@code dm-net/} on the test class path
     * @param title the file's header comment (used when recording)
     * @return its sections
     */
    static Golden load(final String file, final String title) {
        final Golden g = new Golden(file, title);
        if (RECORD) {
            return g;
        }
        try (InputStream in = Golden.class.getResourceAsStream("/dm-net/" + file)) {
            assertNotNull(in, "golden file dm-net/" + file + " is missing (record it with -Ddmnet.golden.record=true)");
            g.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return g;
    }

    private void parse(final String text) {
        String name = null;
        List<Byte> bytes = new ArrayList<>();
        for (final String raw : text.split("\n", -1)) {
            final String line = raw.strip();
            if (line.startsWith("== ")) {
                if (name != null) {
                    sections.put(name, toArray(bytes));
                }
                name = line.substring(3).strip();
                bytes = new ArrayList<>();
                continue;
            }
            final int hash = line.indexOf('#');
            final String hex = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (hex.isEmpty()) {
                continue;
            }
            if (name == null) {
                throw new IllegalStateException(file + ": bytes before the first '== name' line: " + raw);
            }
            for (final String pair : hex.split("\\s+")) {
                bytes.add((byte) Integer.parseInt(pair, 16));
            }
        }
        if (name != null) {
            sections.put(name, toArray(bytes));
        }
    }

    private static byte[] toArray(final List<Byte> list) {
        final byte[] out = new byte[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
        }
        return out;
    }

    /** @return the section names, in file order */
    List<String> names() {
        return new ArrayList<>(sections.keySet());
    }

    /**
     * @param name a section
     * @return its bytes
     */
    byte[] bytes(final String name) {
        final byte[] b = sections.get(name);
        assertNotNull(b, file + " has no section '" + name + "'");
        return b.clone();
    }

    /**
     * Checks (or, recording, records) a byte sequence.
     *
     * @param name section name
     * @param description what it is, for the file
     * @param actual what the code produced
     */
    void check(final String name, final String description, final byte[] actual) {
        if (RECORD) {
            recorded.put(name, FrameDump.dump(actual));
            descriptions.put(name, description);
            return;
        }
        final byte[] want = bytes(name);
        assertEquals(FrameDump.dump(want), FrameDump.dump(actual), file + " section '" + name + "' (" + description + ")");
    }

    /** Writes the recorded sections (recording only) to the source tree. */
    void save() {
        if (!RECORD) {
            return;
        }
        final StringBuilder sb = new StringBuilder();
        for (final String line : title.split("\n")) {
            sb.append("# ").append(line).append('\n');
        }
        sb.append("#\n# Annotated hex: the bytes are the hex pairs before '#'; '== name' starts a section.\n");
        sb.append("# Recorded by the tests with -Ddmnet.golden.record=true; checked byte for byte otherwise.\n");
        for (final Map.Entry<String, String> e : recorded.entrySet()) {
            sb.append("\n== ").append(e.getKey()).append('\n');
            sb.append("# ").append(descriptions.get(e.getKey())).append('\n');
            sb.append(e.getValue());
        }
        try {
            final Path dir = Path.of("src/test/resources/dm-net");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(file), sb.toString(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
