package io.irqsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command's {@code -V} prints the version, as its help says it does. */
class VersionOptionTest {

    private static void collect(final CommandLine cl, final List<String> path, final List<List<String>> out) {
        if (cl.getCommandSpec().findOption("-V") != null) {
            out.add(path);
        }
        for (final var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals(e.getValue().getCommandName())) { // each command once, not again by its alias
                final List<String> sub = new ArrayList<>(path);
                sub.add(e.getKey());
                collect(e.getValue(), sub, out);
            }
        }
    }

    @Test
    void everyCommandsVersionOptionPrintsTheVersion() {
        final List<List<String>> commands = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), commands);
        assertTrue(commands.size() > 10, "run, compare, bench, serve, trace dump, vfio-user info, ...: " + commands);
        final String top = CliRun.run("--version").out();
        assertTrue(top.startsWith("irqsim "), top);
        for (final List<String> c : commands) {
            final List<String> args = new ArrayList<>(c);
            args.add("-V");
            final CliRun.Result r = CliRun.run(args.toArray(new String[0]));
            assertEquals(Main.EXIT_OK, r.exit(), args + ": " + r.err());
            assertEquals(top, r.out(), args.toString());
        }
    }
}
