package io.irqsim.dm.net;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/protocol.md's annotated hex examples are golden sections, byte for byte: the document
 * cannot drift from what the code sends.
 */
class ProtocolDocTest {

    @Test
    void everyHexExampleInTheDocumentIsAGoldenFrame() throws IOException {
        final Path doc = Path.of("..", "docs", "protocol.md");
        assertTrue(Files.exists(doc), "docs/protocol.md is next to the module");
        final List<byte[]> golden = new ArrayList<>();
        for (final String file : List.of("frames.hex", "errors.hex", "client.hex")) {
            final Golden g = Golden.load(file, "");
            for (final String name : g.names()) {
                golden.add(g.bytes(name));
            }
        }
        int examples = 0;
        boolean inBlock = false;
        final StringBuilder block = new StringBuilder();
        for (final String line : Files.readAllLines(doc, StandardCharsets.UTF_8)) {
            if (line.startsWith("```")) {
                if (inBlock && block.indexOf("# magic \"DM\"") >= 0) {
                    final byte[] bytes = hex(block.toString());
                    assertTrue(golden.stream().anyMatch(b -> Arrays.equals(b, bytes)),
                        "docs/protocol.md example is no golden frame:\n" + block);
                    examples++;
                }
                inBlock = !inBlock;
                block.setLength(0);
            } else if (inBlock) {
                block.append(line).append('\n');
            }
        }
        assertTrue(examples >= 30, examples + " examples");
    }

    private static byte[] hex(final String text) {
        final List<Byte> out = new ArrayList<>();
        for (final String line : text.split("\n")) {
            final int hash = line.indexOf('#');
            final String hex = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (!hex.isEmpty()) {
                for (final String pair : hex.split("\\s+")) {
                    out.add((byte) Integer.parseInt(pair, 16));
                }
            }
        }
        final byte[] b = new byte[out.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = out.get(i);
        }
        return b;
    }
}
