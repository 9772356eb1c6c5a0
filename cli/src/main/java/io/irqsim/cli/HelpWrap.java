package io.irqsim.cli;

import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.List;
import java.util.Map;

/**
 * Wraps {@code --help} text between words only. picocli wraps with the JDK's line
 * {@link java.text.BreakIterator}, which also breaks after a full stop, colon or slash inside a
 * token ({@code p99.} / {@code 9}, {@code e.} / {@code g.}, {@code unix:} / {@code PATH}). Each
 * wrapped section is rendered by picocli's own renderer on one unbroken line per paragraph, then
 * wrapped here at spaces to the usage width: continuation lines of an option, parameter or
 * command list start at the description column, those of a paragraph at its indentation. A word
 * longer than a line stays whole.
 */
final class HelpWrap {

    private static final List<String> SECTIONS = List.of(UsageMessageSpec.SECTION_KEY_HEADER,
        UsageMessageSpec.SECTION_KEY_DESCRIPTION, UsageMessageSpec.SECTION_KEY_PARAMETER_LIST,
        UsageMessageSpec.SECTION_KEY_OPTION_LIST, UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
        UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST, UsageMessageSpec.SECTION_KEY_FOOTER);
    private static final List<String> TABLES = List.of(UsageMessageSpec.SECTION_KEY_PARAMETER_LIST,
        UsageMessageSpec.SECTION_KEY_OPTION_LIST, UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
        UsageMessageSpec.SECTION_KEY_EXIT_CODE_LIST);
    /** Width at which picocli renders a section before it is wrapped here: wide enough never to wrap. */
    private static final int UNWRAPPED = 10_000;

    private HelpWrap() {
    }

    /**
     * Installs the wrapping on a command and all its subcommands.
     *
     * @param cl the command line
     */
    static void install(final CommandLine cl) {
        final Map<String, IHelpSectionRenderer> map = cl.getHelpSectionMap();
        for (final String key : SECTIONS) {
            final IHelpSectionRenderer original = map.get(key);
            if (original != null) {
                final boolean table = TABLES.contains(key);
                map.put(key, help -> {
                    final UsageMessageSpec usage = help.commandSpec().usageMessage();
                    final int width = usage.width();
                    final String text;
                    usage.width(UNWRAPPED);
                    try {
                        text = original.render(help);
                    } finally {
                        usage.width(width);
                    }
                    return wrap(text, width, table);
                });
            }
        }
        cl.setHelpSectionMap(map);
        for (final CommandLine sub : cl.getSubcommands().values()) {
            install(sub);
        }
    }

    /**
     * @param text rendered text, one line per paragraph or table row
     * @param width the usage width
     * @param table whether continuation lines align with a description column
     * @return the text wrapped at spaces
     */
    static String wrap(final String text, final int width, final boolean table) {
        final StringBuilder out = new StringBuilder(text.length() + 64);
        final String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            if (n > 0) {
                out.append('\n');
            }
            wrapLine(out, stripEnd(lines[n]), width, table);
        }
        return out.toString();
    }

    private static void wrapLine(final StringBuilder out, final String line, final int width, final boolean table) {
        if (line.length() <= width) {
            out.append(line);
            return;
        }
        int lead = 0;
        while (lead < line.length() && line.charAt(lead) == ' ') {
            lead++;
        }
        int body = lead;
        if (table) {
            final int gap = line.indexOf("  ", lead);
            if (gap > 0 && gap < Math.min(40, width / 2)) {
                body = gap;
                while (body < line.length() && line.charAt(body) == ' ') {
                    body++;
                }
            }
        }
        final String indent = " ".repeat(body);
        final StringBuilder current = new StringBuilder(line.substring(0, body));
        boolean empty = true;
        for (final String word : line.substring(body).split(" ")) {
            if (word.isEmpty()) {
                continue;
            }
            if (!empty && current.length() + 1 + word.length() > width) {
                out.append(stripEnd(current.toString())).append('\n');
                current.setLength(0);
                current.append(indent);
                empty = true;
            }
            if (!empty) {
                current.append(' ');
            }
            current.append(word);
            empty = false;
        }
        out.append(current);
    }

    private static String stripEnd(final String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') {
            end--;
        }
        return s.substring(0, end);
    }
}
