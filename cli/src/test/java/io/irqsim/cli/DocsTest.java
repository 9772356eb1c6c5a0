package io.irqsim.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** README.md and docs/ point only at files this repository has, and their examples run as written. */
class DocsTest {

    private static final Path ROOT = Path.of("..");

    private static List<Path> docs() throws Exception {
        final List<Path> out = new ArrayList<>();
        out.add(ROOT.resolve("README.md"));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(out::add);
        }
        return out;
    }

    @Test
    void everyDocumentReferencedExists() throws Exception {
        final Pattern ref = Pattern.compile("`?((?:docs/)?[A-Za-z0-9_-]+\\.md)`?");
        for (final Path doc : docs()) {
            final String text = Files.readString(doc);
            assertTrue(!text.contains("../shared") && !text.contains("spec/devmodel"), doc + " points outside the repo");
            final Matcher m = ref.matcher(text);
            while (m.find()) {
                final String name = m.group(1);
                final Path target = name.startsWith("docs/") ? ROOT.resolve(name)
                    : Files.exists(ROOT.resolve(name)) ? ROOT.resolve(name) : doc.resolveSibling(name);
                assertTrue(Files.exists(target),
                    doc + " refers to " + name + ", which is not in the repository");
            }
        }
    }

    @Test
    void noExampleChainsACommandAfterARunThatFailsByDesign() throws Exception {
        // irqsim run exits 1 when the scenario fails (the default does): '&&' would skip what follows
        final Pattern chained = Pattern.compile("irqsim run[^\\n`]*&&");
        for (final Path doc : docs()) {
            final Matcher m = chained.matcher(Files.readString(doc));
            if (m.find()) {
                throw new AssertionError(doc + ": " + m.group());
            }
        }
    }
}
