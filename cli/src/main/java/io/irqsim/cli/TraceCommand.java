package io.irqsim.cli;

import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hw.files.FileErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code irqsim trace}: tools for the binary traces {@code irqsim run --trace FILE} writes. The
 * trace format, the event codes and the output formats are in {@code docs/trace.md}.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = {"Work with the binary traces 'irqsim run --trace FILE' writes (like xentrace's).",
        "The file format, every event and the output formats: docs/trace.md."},
    subcommands = {TraceCommand.Dump.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit status: 0 ok, 1 standard output could not be written, 2 usage error or",
        "a missing, unreadable or invalid trace file."})
public final class TraceCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "missing subcommand: try 'irqsim trace dump FILE' or 'irqsim trace --help'");
    }

    /** {@code irqsim trace dump}: decodes a trace to text, JSON Lines or Perfetto JSON. */
    @Command(name = "dump", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Decode a binary irqsim trace to text, JSON Lines or Perfetto timeline JSON.",
            "",
            "  text      one line per record: virtual time in seconds (ns digits), physical",
            "            CPU (cpuN, - for none), domain (dN, xen for Xen itself), event",
            "            name, and a sentence saying what happened.",
            "  json      JSON Lines, one object per record: t (ns), cpu (null for none),",
            "            domain (id, or \"xen\"), event, code, the raw arguments a, b, c,",
            "            and text.",
            "  perfetto  Chrome/Perfetto trace-event JSON for a timeline: tracks per",
            "            physical CPU, device, domain, domain vCPU and Xen irq; slices",
            "            for do_IRQ, the dpci softirq, each irq in service until its",
            "            physical EOI, the wait for the guest's EOI (or the 1 ms timer)",
            "            and the guest's handler; one flow per interrupt from the",
            "            device's line to the physical EOI; failed calls marked FAILED.",
            "            Records that share a virtual nanosecond are drawn 10 ns apart",
            "            (exact time in args.t_ns). Open it in https://ui.perfetto.dev",
            "            (Open trace file) or chrome://tracing; docs/trace.md explains.",
            "",
            "The same trace always gives the same output, byte for byte."},
        footer = {"",
            "Examples:",
            "  irqsim run --trace run.trace; irqsim trace dump run.trace | less",
            "  irqsim trace dump -f json run.trace | jq 'select(.event == \"hypercall\")'",
            "  irqsim trace dump --format perfetto -o run.json run.trace",
            "",
            "Exit status: 0 ok, 1 standard output could not be written, 2 usage error, a",
            "missing, unreadable or invalid trace file, or an output file that cannot be",
            "written."})
    public static final class Dump implements Callable<Integer> {

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE",
            description = "The binary trace to decode (irqsim format version 1).")
        private Path file;

        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "text",
            converter = FormatConverter.class, completionCandidates = TraceDumpFormat.Names.class,
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        private TraceDumpFormat format;

        @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Write to OUT (created or replaced) instead of standard output; '-' is standard output.")
        private Path output;

        @Override
        public Integer call() {
            final PrintWriter err = spec.commandLine().getErr();
            // the header is checked before OUT is opened, so a bad input never creates or truncates
            // it; the records are then streamed (TraceReader reads a window at a time)
            try (TraceReader trace = TraceReader.open(file)) {
                if (output == null || "-".equals(output.toString())) {
                    return toStandardOutput(trace, spec.commandLine().getOut(), err);
                }
                try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                    format.write(trace, w);
                } catch (final IOException e) {
                    return fail(err, output, e);
                }
                return Main.EXIT_OK;
            } catch (final IOException | IllegalArgumentException | UncheckedIOException e) {
                return fail(err, file, e);
            }
        }

        private int toStandardOutput(final TraceReader trace, final PrintWriter out, final PrintWriter err) {
            try {
                format.write(trace, new StopOnError(out));
            } catch (final IOException e) {
                // StopOnError: the PrintWriter swallowed a write error (a closed pipe, a full disk)
            }
            out.flush();
            if (StopOnError.failed(out)) {
                return StderrLine.failed(err, "irqsim", "standard output: write error");
            }
            return Main.EXIT_OK;
        }

        private static int fail(final PrintWriter err, final Path file, final Exception e) {
            return StderrLine.usage(err, "irqsim", file + ": " + FileErrors.reason(e));
        }
    }

    /**
     * Writes through a {@link PrintWriter} and turns the error it only reports through
     * {@link PrintWriter#checkError} into an {@link IOException} (looked at every
     * {@value #CHECK_EVERY} writes), so a dump into a closed pipe stops instead of decoding the
     * rest of the trace for nobody.
     */
    static final class StopOnError extends Writer {
        static final int CHECK_EVERY = 4096;
        private final PrintWriter out;
        private int writes;

        StopOnError(final PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(final char[] buf, final int off, final int len) throws IOException {
            out.write(buf, off, len);
            check();
        }

        @Override
        public void write(final String str, final int off, final int len) throws IOException {
            out.write(str, off, len);
            check();
        }

        @Override
        public Writer append(final CharSequence csq) throws IOException {
            out.append(csq);
            check();
            return this;
        }

        @Override
        public Writer append(final char c) throws IOException {
            out.append(c);
            check();
            return this;
        }

        /**
         * @param out the command's standard output
         * @return whether a write to it failed. Picocli's writer wraps {@code System.out} in an
         *     {@code OutputStreamWriter}, so its own {@code checkError} never sees the error
         *     {@code System.out}, a {@code PrintStream}, swallows (EPIPE from a closed pipe):
         *     that stream is asked as well
         */
        static boolean failed(final PrintWriter out) {
            return out.checkError() || System.out.checkError();
        }

        private void check() throws IOException {
            if (++writes == CHECK_EVERY) {
                writes = 0;
                if (failed(out)) {
                    throw new IOException("write error");
                }
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }

    /** Parses {@code --format}; an unknown name is a usage error (exit status 2). */
    static final class FormatConverter implements CommandLine.ITypeConverter<TraceDumpFormat> {
        @Override
        public TraceDumpFormat convert(final String value) {
            try {
                return TraceDumpFormat.parse(value);
            } catch (final IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
