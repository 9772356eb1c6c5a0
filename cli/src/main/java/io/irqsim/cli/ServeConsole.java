package io.irqsim.cli;

import io.irqsim.dm.net.server.DmServer;
import io.irqsim.hv.debug.StateDump;
import io.irqsim.hv.trace.TraceReader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The commands {@code irqsim serve} reads on its standard input, one per line, answered on
 * standard output while device models keep running:
 *
 * <ul>
 *   <li>{@code state}: the interrupt state now ({@link StateDump}, as {@code irqsim run --dump-state});</li>
 *   <li>{@code timeline}: the trace records made since the last {@code timeline} (the first one:
 *       since boot), decoded as {@code irqsim trace dump} prints them; needs {@code --trace FILE};</li>
 *   <li>{@code help}: this list.</li>
 * </ul>
 *
 * The end of standard input ends the console, not the server (so {@code serve < /dev/null} runs
 * as before). The work runs on the machine's thread through {@link DmServer#call}.
 */
final class ServeConsole {

    static final String HELP = "commands: state (interrupt state now), timeline (trace records since the last"
        + " timeline; needs --trace), help";

    private final DmServer server;
    private final PrintWriter out;
    private final boolean tracing;
    private long shown;

    ServeConsole(final DmServer server, final PrintWriter out, final boolean tracing) {
        this.server = server;
        this.out = out;
        this.tracing = tracing;
    }

    /**
     * Reads commands until the end of {@code in}, on a daemon thread.
     *
     * @param in standard input
     * @return the thread
     */
    Thread start(final InputStream in) {
        final Thread t = new Thread(() -> readAll(in), "irqsim-serve-console");
        t.setDaemon(true);
        t.start();
        return t;
    }

    void readAll(final InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    answer(line.trim());
                }
            }
        } catch (final IOException | UncheckedIOException | IllegalStateException e) {
            // standard input closed or the server stopped: the console ends
        }
    }

    /**
     * @param command one command line
     */
    void answer(final String command) {
        final String text;
        switch (command) {
            case "state":
                text = server.call(svc -> StateDump.of(svc.machine().xen()));
                break;
            case "timeline":
                text = tracing ? timeline() : "no trace is being recorded: start serve with --trace FILE\n";
                break;
            case "help":
                text = HELP + "\n";
                break;
            default:
                text = "unknown command '" + command + "'; " + HELP + "\n";
                break;
        }
        synchronized (out) {
            out.print(text);
            out.flush();
        }
    }

    private String timeline() {
        final TraceReader trace = server.call(svc -> svc.machine().trace().reader());
        final StringBuilder sb = new StringBuilder();
        final long from = shown;
        shown = trace.count();
        for (long i = from; i < trace.count(); i++) {
            TraceTextDump.appendLine(trace.get(i), sb);
            sb.append('\n');
        }
        return sb.length() == 0 ? "(no new trace records)\n" : sb.toString();
    }
}
