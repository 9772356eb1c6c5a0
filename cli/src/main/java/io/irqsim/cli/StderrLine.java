package io.irqsim.cli;

import java.io.PrintWriter;

/**
 * How a command says something went wrong: one line on standard error, {@code irqsim CMD: reason},
 * flushed at once (the user sees it before the exit, and before anything the command prints after it),
 * and the exit status that goes with it. Serialised on the writer, so lines that a server's threads
 * report ({@code serve}, {@code qtest}) never interleave.
 */
final class StderrLine {

    private StderrLine() {
    }

    /**
     * @param err  the command's standard error
     * @param who  what speaks: {@code "irqsim"} or {@code "irqsim CMD"}
     * @param line what to say, without the prefix or a line end
     */
    static void say(final PrintWriter err, final String who, final String line) {
        synchronized (err) {
            err.println(who + ": " + line);
            err.flush();
        }
    }

    /**
     * Says why the command failed.
     *
     * @return {@link Main#EXIT_FAILED}
     */
    static int failed(final PrintWriter err, final String who, final String reason) {
        say(err, who, reason);
        return Main.EXIT_FAILED;
    }

    /**
     * Says why the command's input cannot be used.
     *
     * @return {@link Main#EXIT_USAGE}
     */
    static int usage(final PrintWriter err, final String who, final String reason) {
        say(err, who, reason);
        return Main.EXIT_USAGE;
    }
}
