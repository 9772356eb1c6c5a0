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
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        final int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
