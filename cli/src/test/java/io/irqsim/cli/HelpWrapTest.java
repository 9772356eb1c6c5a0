package io.irqsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --help} of every command wraps between words, never inside one. */
class HelpWrapTest {

    private static List<CommandLine> all(final CommandLine cl) {
        final List<CommandLine> out = new ArrayList<>();
        out.add(cl);
        for (final CommandLine sub : cl.getSubcommands().values()) {
            out.addAll(all(sub));
        }
        return out;
    }

    private static String usage(final CommandLine cl, final int width) {
        cl.getCommandSpec().usageMessage().width(width);
        return cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    private static Set<String> words(final String text) {
        final Set<String> w = new HashSet<>();
        for (final String t : text.split("\\s+")) {
            w.add(t);
        }
        return w;
    }

    @Test
    void everyWordOfEveryHelpSurvivesWrappingAtCommonWidths() {
        int checked = 0;
        for (final CommandLine cl : all(Main.commandLine())) {
            final Set<String> whole = words(usage(cl, 1000));
            for (final int width : new int[] {60, 80, 100, 132}) {
                final String text = usage(cl, width);
                for (final String line : text.split("\n")) {
                    assertTrue(line.length() <= width || !line.trim().contains(" "),
                        cl.getCommandName() + " at " + width + ": line too long: " + line);
                }
                for (final String w : words(text)) {
                    assertTrue(whole.contains(w), () -> cl.getCommandName() + " at " + width + ": '" + w
                        + "' is a piece of a word:\n" + text);
                    // (a wrapped word shows up as a token the unwrapped help does not have)
                }
                checked++;
            }
        }
        assertTrue(checked >= 40, "commands checked: " + checked);
    }

    @Test
    void everyCommandsFirstDescriptionLineIsAWholeSentence() {
        // a parent's command list shows only the first line of each subcommand's description: a
        // sentence carried over to the second line (vfio-user's "... as its client, the role") was cut
        int checked = 0;
        for (final CommandLine cl : all(Main.commandLine())) {
            final String[] description = cl.getCommandSpec().usageMessage().description();
            if (description.length == 0 || cl.getCommandSpec().usageMessage().hidden()) {
                continue;
            }
            final String first = description[0].trim();
            assertTrue(first.endsWith(".") || first.endsWith(".)"),
                cl.getCommandSpec().qualifiedName() + ": the command list would show \"" + first + "\"");
            checked++;
        }
        assertTrue(checked >= 10, "commands checked: " + checked);
    }

    @Test
    void aTableRowContinuesUnderItsDescription() {
        assertEquals("  -s, --strategy=NAME   Design to run (default:\n"
            + "                        the scenario's).", HelpWrap.wrap(
            "  -s, --strategy=NAME   Design to run (default: the scenario's).", 50, true));
    }

    @Test
    void aParagraphKeepsItsIndentAndLongWordsStayWhole() {
        assertEquals("  one two\n  three\n  https://example.org/a/very/long/path\n  four",
            HelpWrap.wrap("  one two three https://example.org/a/very/long/path four", 10, false));
    }
}
