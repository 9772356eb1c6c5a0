package io.irqsim.dm.qtest;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Golden qtest transcripts: each {@code qtest/NAME.in} script is replayed through the stdio
 * transport on a fresh machine and its replies must equal {@code qtest/NAME.out} exactly, byte
 * for byte (one reply per command, IRQ notices before the reply of the command that caused them).
 */
class QtestGoldenTest {

    static Stream<String> transcripts() throws IOException, URISyntaxException {
        final URL dir = QtestGoldenTest.class.getResource("/qtest");
        assertTrue(dir != null, "test resources qtest/ missing");
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            final List<String> names = files.map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".in"))
                .map(n -> n.substring(0, n.length() - 3))
                .sorted()
                .collect(Collectors.toList());
            assertFalse(names.isEmpty(), "no transcripts under qtest/");
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void replaysExactly(final String name) throws Exception {
        final Path dir = Path.of(QtestGoldenTest.class.getResource("/qtest").toURI());
        final byte[] script = Files.readAllBytes(dir.resolve(name + ".in"));
        final String expected = Files.readString(dir.resolve(name + ".out"), StandardCharsets.ISO_8859_1);

        final StringWriter sw = new StringWriter();
        QtestStdio.run(new ByteArrayInputStream(script), new PrintWriter(sw));
        final String actual = sw.toString();

        final List<String> commands = commands(new String(script, StandardCharsets.ISO_8859_1));
        final List<String> replies = replies(actual);
        assertEquals(commands.size(), replies.size(),
            name + ": every command must get exactly one reply line (besides IRQ notices)");
        if (!expected.equals(actual)) {
            fail(name + ": transcript differs\n" + diff(expected, actual, commands));
        }
    }

    /** Lines of a script that are commands (not empty, not comments). */
    private static List<String> commands(final String script) {
        final List<String> out = new ArrayList<>();
        for (final String line : script.split("\n", -1)) {
            final String t = line.strip();
            if (!t.isEmpty() && t.charAt(0) != '#') {
                out.add(t);
            }
        }
        return out;
    }

    private static List<String> replies(final String output) {
        final List<String> out = new ArrayList<>();
        for (final String line : output.split("\n")) {
            if (!line.startsWith("IRQ ")) {
                out.add(line);
            }
        }
        return out;
    }

    /** A readable account of the first difference, with the command each reply answers. */
    private static String diff(final String expected, final String actual, final List<String> commands) {
        final String[] e = expected.split("\n", -1);
        final String[] a = actual.split("\n", -1);
        final StringBuilder sb = new StringBuilder();
        int command = 0;
        for (int i = 0; i < Math.max(e.length, a.length); i++) {
            final String el = i < e.length ? e[i] : "<end>";
            final String al = i < a.length ? a[i] : "<end>";
            final String cmd = command < commands.size() ? commands.get(command) : "";
            sb.append(el.equals(al) ? "    " : "!!  ").append(String.format("%-40s", cmd.length() > 40
                ? cmd.substring(0, 40) : cmd)).append(" expected: ").append(el);
            if (!el.equals(al)) {
                sb.append("   actual: ").append(al);
            }
            sb.append('\n');
            if (!al.startsWith("IRQ ")) {
                command++;
            }
        }
        return sb.toString();
    }
}
