package io.irqsim.cli;

import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.qtest.QtestServer;
import io.irqsim.dm.qtest.QtestSession;
import io.irqsim.dm.qtest.QtestStdio;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code irqsim qtest}: QEMU's qtest line protocol driving the default platform, on stdin/stdout
 * or on a socket. The protocol is in {@code docs/qtest.md}; the interpreter and the server live in
 * dm-net ({@link QtestSession}, {@link QtestServer}).
 */
@Command(name = "qtest", mixinStandardHelpOptions = true,
    description = {
        "Drive the emulated hardware with QEMU's qtest line protocol, as described in docs/qtest.md.",
        "",
        "The machine is the default platform (see 'irqsim platform'). MMIO goes through CPU 0's address space,"
            + " LAPIC page included, unless irqsim_cpu chooses another CPU.",
        "",
        "Commands: readb|readw|readl|readq ADDR; writeb|writew|writel|writeq ADDR VALUE; read ADDR SIZE;"
            + " write ADDR SIZE 0xDATA; b64read; b64write; memset; inb|inw|inl; outb|outw|outl; endianness;"
            + " clock_step [NS]; clock_set NS; irq_intercept_in ioapic;"
            + " set_irq_in ioapic unnamed-gpio-in PIN LEVEL.",
        "irqsim extensions: irqsim_cpu [N], irqsim_ack, irqsim_eoi, irqsim_reset.",
        "",
        "Replies: one line per command, OK, OK VALUE or FAIL reason; a bad line gets FAIL and the session"
            + " goes on. After irq_intercept_in, 'IRQ raise N' / 'IRQ lower N' lines come before the reply"
            + " of the command that caused them.",
        "",
        "Without --listen: one session on stdin/stdout until end of input (exit status 0).",
        "With --listen: a server until Ctrl-C; every connection gets its own fresh machine. A TCP address other"
            + " than a loopback one gets a warning (nothing authenticates a client); on a Unix socket path only a"
            + " stale socket file is ever replaced. Out of file descriptors, the server pauses accepting for 1 s."},
    footer = {"",
        "Examples:",
        "  printf 'readl 0xfee00030\\n' | irqsim qtest",
        "  irqsim qtest --listen tcp::4444",
        "      then: nc 127.0.0.1 4444   or   socat - TCP:127.0.0.1:4444",
        "  irqsim qtest --listen unix:/tmp/irqsim-qtest.sock",
        "      then: socat - UNIX-CONNECT:/tmp/irqsim-qtest.sock",
        "",
        "Exit status: 0 at the end of standard input; with --listen, 130 when stopped by Ctrl-C (SIGINT), 143 by"
            + " SIGTERM, 1 if the address cannot be bound; 2 on a usage error."})
public final class QtestCommand implements Callable<Integer> {

    @Option(names = "--listen", paramLabel = "ADDRESS", converter = ListenAddressConverter.class,
        description = {"Serve the protocol on a socket instead of stdin/stdout: tcp:HOST:PORT,"
            + " tcp::PORT (loopback), tcp:[::1]:PORT or unix:PATH. Unix sockets need Netty's native epoll"
            + " transport (Linux x86_64). PORT 0 picks a free port; the address bound is printed on stderr."})
    private ListenAddress listen;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "64",
        description = "With --listen: most connections open at once (each has its own machine); one more is told"
            + " FAIL and closed (default: ${DEFAULT-VALUE}).")
    private int maxConnections;

    /** What this command's lines on standard error start with. */
    private static final String WHO = "irqsim qtest";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    private final InputStream in;

    /** The command as picocli creates it: commands from standard input. */
    public QtestCommand() {
        this(System.in);
    }

    /**
     * For tests: commands from {@code in}.
     *
     * @param in where the stdio session reads its commands
     */
    QtestCommand(final InputStream in) {
        this.in = in;
    }

    @Override
    public Integer call() throws IOException {
        if (listen == null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--max-connections")) {
                // on stdin/stdout there is one session: the option would silently do nothing
                throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections needs --listen");
            }
            final PrintWriter out = spec.commandLine().getOut();
            QtestStdio.run(in, out);
            return Main.EXIT_OK;
        }
        return serve(listen);
    }

    private int serve(final ListenAddress address) {
        final PrintWriter err = spec.commandLine().getErr();
        if (maxConnections < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections " + maxConnections
                + " is not 1.." + Integer.MAX_VALUE);
        }
        if (address.exposureWarning() != null) {
            say(err, address.exposureWarning());
        }
        final QtestServer server;
        try {
            server = QtestServer.start(address, maxConnections, line -> say(err, line));
        } catch (final IOException e) {
            return StderrLine.failed(err, WHO, e.getMessage());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILED;
        }
        final UntilStopped guard = UntilStopped.install("irqsim-qtest", server::close);
        say(err, "listening on " + server.address() + " (each connection gets its own machine; Ctrl-C stops)");
        guard.await(server::awaitClose);
        return Main.EXIT_OK;
    }

    private static void say(final PrintWriter err, final String line) {
        StderrLine.say(err, WHO, line);
    }
}
