package io.irqsim.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the {@code irqsim} command line in-process, as a user would, and captures both streams. */
final class CliRun {

    /** What a command did: exit status, standard output and standard error. */
    record Result(int exit, String out, String err) {
    }

    private CliRun() {
    }

    /**
     * @param args the command line after {@code irqsim}
     * @return its result, under {@link Main#commandLine()}'s handlers
     */
    static Result run(final String... args) {
        return run(Main.commandLine(), args);
    }

    /**
     * @param cl a command line configured by {@link Main#commandLine()} (perhaps with a test's subcommand added)
     * @param args the command line after {@code irqsim}
     * @return its result
     */
    static Result run(final CommandLine cl, final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        final int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
