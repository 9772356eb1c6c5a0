package io.irqsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line's last line of defence: whatever a command did not expect (a RuntimeException, or
 * an Error, which picocli lets out of {@code execute}) ends in one line on standard error and exit
 * status 70 (sysexits.h EX_SOFTWARE), never a bare stack trace and never 0. The thrower is a subcommand
 * of the test's own, added to {@link Main#commandLine}'s configured command line.
 */
class InternalErrorTest {

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        private final Throwable thrown;

        Boom(final Throwable thrown) {
            this.thrown = thrown;
        }

        @Override
        public Integer call() {
            if (thrown instanceof RuntimeException r) {
                throw r;
            }
            throw (Error) thrown;
        }
    }

    private static CliRun.Result boom(final CommandLine cl, final Throwable thrown) {
        cl.addSubcommand("boom", new Boom(thrown));
        return CliRun.run(cl, "boom");
    }

    @Test
    void anUnexpectedRuntimeExceptionIsOneLineAndExitSeventy() {
        final CliRun.Result r = boom(Main.commandLine(false), new IllegalStateException("wires\ncrossed"));
        assertEquals(Main.EXIT_SOFTWARE, r.exit());
        assertEquals(70, Main.EXIT_SOFTWARE);
        assertEquals("irqsim: internal error in 'irqsim boom': IllegalStateException: wires crossed (a bug in irqsim;"
            + " set IRQSIM_DEBUG=1 for the stack trace)\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void anErrorPicocliLetsThroughIsOneLineAndExitSeventy() {
        final CliRun.Result r = boom(Main.commandLine(false), new StackOverflowError());
        assertEquals(Main.EXIT_SOFTWARE, r.exit());
        assertEquals("irqsim: internal error in 'irqsim boom': StackOverflowError (a bug in irqsim; set IRQSIM_DEBUG=1"
            + " for the stack trace)\n", r.err());
    }

    @Test
    void withTheDebugVariableTheStackTraceFollowsTheLine() {
        final CliRun.Result r = boom(Main.commandLine(true), new IllegalArgumentException("bad"));
        assertEquals(Main.EXIT_SOFTWARE, r.exit());
        final String[] lines = r.err().split("\n");
        assertEquals("irqsim: internal error in 'irqsim boom': IllegalArgumentException: bad", lines[0]);
        assertEquals("java.lang.IllegalArgumentException: bad", lines[1]);
        // the exception was made in this method, so its first frame is here
        assertTrue(lines[2].startsWith("\tat io.irqsim.cli.InternalErrorTest.withTheDebugVariable"), lines[2]);
    }

    @Test
    void expectedFailuresKeepTheirOwnStatus() {
        // a usage error is still 2, not an internal error
        final CliRun.Result r = CliRun.run("run", "--no-such-option");
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertFalse(r.err().contains("internal error"), r.err());
    }

    @Test
    void everyCommandsHelpNamesExitStatusSeventy() {
        for (final String cmd : new String[] {"run", "compare", "bench", "serve", "devmodel", "qtest", "platform",
            "trace", "strategies", "vfio-user"}) {
            final CliRun.Result r = CliRun.run(cmd, "--help");
            assertEquals(0, r.exit(), cmd);
            assertTrue(r.out().contains("Exit status 70: an internal error"), cmd + " --help:\n" + r.out());
        }
        final CliRun.Result dump = CliRun.run("trace", "dump", "--help");
        assertTrue(dump.out().contains("Exit status 70"), dump.out());
    }
}
