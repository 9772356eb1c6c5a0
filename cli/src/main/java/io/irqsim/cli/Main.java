package io.irqsim.cli;

import io.irqsim.guest.scenario.ScenarioException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.List;

/**
 * The {@code irqsim} command. Exit codes: 0 success (or expectations held), 1 the run failed or
 * an expectation did not hold, 2 usage or input-file error, 70 internal error (a bug in irqsim:
 * an exception or error no command expected; sysexits.h's {@code EX_SOFTWARE}).
 */
@Command(name = "irqsim", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
        "Emulated x86 interrupt routing (IO-APIC, local APIC) under a Xen-like hypervisor core.",
        "Reproduces PCI INTx passthrough from a PVH dom0 and compares the designs proposed for it."},
    subcommands = {RunCommand.class, CompareCommand.class, StrategiesCommand.class, TraceCommand.class,
        BenchCommand.class, ServeCommand.class, DevmodelCommand.class, QtestCommand.class, PlatformCommand.class,
        VfioUserCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit status: 0 ok, 1 run failed or an expectation did not hold, 2 usage or file error, 70 internal "
        + "error (a bug in irqsim; " + Main.DEBUG_ENV + "=1 prints its stack trace).",
        "Docs: README.md, docs/ in the source tree."})
public final class Main implements Runnable {

    /** Exit status: success. */
    public static final int EXIT_OK = 0;
    /** Exit status: the run failed or an expectation did not hold. */
    public static final int EXIT_FAILED = 1;
    /** Exit status: usage error or unreadable/invalid input file. */
    public static final int EXIT_USAGE = 2;
    /** Exit status: internal error, an exception or error no command expected (sysexits.h EX_SOFTWARE). */
    public static final int EXIT_SOFTWARE = 70;
    /** Set (to anything but empty or 0) in the environment, an internal error also prints its stack trace. */
    public static final String DEBUG_ENV = "IRQSIM_DEBUG";

    /**
     * Netty's own log, which it writes through java.util.logging (it refuses slf4j-nop), switched
     * off: the commands report what matters in one line each; Netty would print stack traces to the
     * user, and JUL's formatter loads time-zone data on first use, which fails with no descriptor
     * left (an {@code Error} that ended {@code serve}'s event loop). Held here: JUL keeps loggers
     * only weakly.
     */
    private static final java.util.logging.Logger NETTY_LOG = java.util.logging.Logger.getLogger("io.netty");

    static {
        NETTY_LOG.setLevel(java.util.logging.Level.OFF);
    }

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'irqsim run' or 'irqsim --help'");
    }

    /**
     * @param args command line
     */
    public static void main(final String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the command line and returns the exit status (for tests).
     *
     * @param args command line
     * @return exit status
     */
    public static int execute(final String... args) {
        return commandLine().execute(args);
    }

    /** @return the configured picocli command line; {@value #DEBUG_ENV} in the environment adds stack traces */
    public static CommandLine commandLine() {
        final String debug = System.getenv(DEBUG_ENV);
        return commandLine(debug != null && !debug.isEmpty() && !"0".equals(debug));
    }

    /**
     * What every subcommand shares: its "Exit status" footer ends with the status all commands
     * share, 70, and its {@code -V} prints the version.
     */
    private static void configureSubcommand(final CommandLine command) {
        if (command.getCommand() instanceof CommandLine.HelpCommand) {
            return;
        }
        // every command's -V/--version (mixinStandardHelpOptions) prints what 'irqsim --version' prints
        command.getCommandSpec().versionProvider(new Version());
        final CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        final String[] footer = usage.footer();
        final String[] more = java.util.Arrays.copyOf(footer, footer.length + 2);
        more[footer.length] = "";
        more[footer.length + 1] = "Exit status 70: an internal error (a bug in irqsim; " + DEBUG_ENV
            + "=1 prints its stack trace).";
        usage.footer(more);
        for (final CommandLine sub : command.getSubcommands().values()) {
            configureSubcommand(sub);
        }
    }

    /**
     * @param stackTraces whether an internal error also prints its stack trace
     * @return the configured picocli command line
     */
    static CommandLine commandLine(final boolean stackTraces) {
        final CommandLine cl = new CommandLine(new Main());
        for (final CommandLine sub : cl.getSubcommands().values()) {
            configureSubcommand(sub);
        }
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_SOFTWARE);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof ScenarioException || ex instanceof java.io.UncheckedIOException
                || ex instanceof io.irqsim.hw.firmware.acpi.AcpiInputException) {
                // a bad scenario file, unreadable firmware tables or an unwritable output: a clear message, not a stack trace
                return StderrLine.usage(commandLine.getErr(), "irqsim", ex.getMessage());
            }
            return internalError(ex, commandLine, stackTraces);
        });
        // picocli hands a command's Exceptions to the handler above but lets an Error (OutOfMemoryError,
        // StackOverflowError, NoClassDefFoundError) out of execute(): the last line of defence is here
        final CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cl.setExecutionStrategy(parseResult -> {
            try {
                return run.execute(parseResult);
            } catch (final Error e) {
                final List<CommandLine> parsed = parseResult.asCommandLineList();
                return internalError(e, parsed.get(parsed.size() - 1), stackTraces);
            }
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("irqsim: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                + " --help' for more information.");
            return EXIT_USAGE;
        });
        HelpWrap.install(cl);
        return cl;
    }

    /**
     * The last line of defence: something no command expected escaped it. One line on standard error
     * (the command, "internal error", what was thrown, how to see the stack trace), exit status 70.
     */
    private static int internalError(final Throwable t, final CommandLine where, final boolean stackTraces) {
        final PrintWriter err = where.getErr();
        final String what = t.getMessage() == null ? t.getClass().getSimpleName()
            : t.getClass().getSimpleName() + ": " + t.getMessage().replace('\n', ' ');
        err.println("irqsim: internal error in '" + where.getCommandSpec().qualifiedName() + "': " + what
            + (stackTraces ? "" : " (a bug in irqsim; set " + DEBUG_ENV + "=1 for the stack trace)"));
        if (stackTraces) {
            t.printStackTrace(err);
        }
        err.flush();
        return EXIT_SOFTWARE;
    }

    /**
     * Reports the version from the jar manifest's {@code Implementation-Version} (cli/pom.xml sets
     * it to the project version); run from classes, outside the jar, there is none.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"irqsim " + (v == null ? "(unpackaged build)" : v)};
        }
    }
}
