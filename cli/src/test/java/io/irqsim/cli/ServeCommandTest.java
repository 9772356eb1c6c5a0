package io.irqsim.cli;

import io.irqsim.dm.net.DmTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code irqsim serve} and {@code irqsim devmodel} together: the server boots the default
 * scenario and listens; the example model attaches to domU, whose driver probes it, and raises
 * interrupts the driver handles. (Main registers the commands; here they are added to Main's
 * command line so its error handling applies.)
 */
class ServeCommandTest {

    static CommandLine cli() {
        final CommandLine cl = Main.commandLine();
        // a serve whose console reads nothing: surefire talks to the forked JVM on its stdin
        cl.getCommandSpec().removeSubcommand("serve");
        final ServeCommand serve = new ServeCommand();
        serve.console = java.io.InputStream.nullInputStream();
        cl.addSubcommand("serve", serve);
        if (!cl.getSubcommands().containsKey("devmodel")) {
            cl.addSubcommand("devmodel", new DevmodelCommand());
        }
        return cl;
    }

    /** Collects stderr and completes when the "listening on" line has been written. */
    static final class Announcements extends Writer {
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<String> listening = new CompletableFuture<>();
        private final Pattern pattern;

        Announcements(final String regex) {
            this.pattern = Pattern.compile("listening on (" + regex + ")");
        }

        @Override
        public synchronized void write(final char[] cbuf, final int off, final int len) {
            text.append(cbuf, off, len);
            final Matcher m = pattern.matcher(text);
            if (m.find()) {
                listening.complete(m.group(1));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private String serveAndAttach(final String listen, final String regex) throws Exception {
        final Announcements err = new Announcements(regex);
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread serving = new Thread(() -> {
            final CommandLine cl = cli();
            cl.setErr(new PrintWriter(err));
            exit.set(cl.execute("serve", "--listen", listen));
        }, "serve-under-test");
        serving.start();
        try {
            final String address = err.listening.get(60, TimeUnit.SECONDS);
            assertTrue(err.text.toString().contains("irqsim serve: scenario default, strategy status-quo; guests: domU"
                + " (d1)"), err.text.toString());
            final StringWriter out = new StringWriter();
            final StringWriter dmErr = new StringWriter();
            final CommandLine dm = cli();
            dm.setOut(new PrintWriter(out));
            dm.setErr(new PrintWriter(dmErr));
            assertEquals(Main.EXIT_OK, dm.execute("devmodel", "--connect", address, "--domain", "domU", "--slot", "6",
                "--interrupts", "200"), out + "\n" + dmErr);
            assertTrue(out.toString().startsWith("attached to domU; presented 00:06.0 [1b36:0005], BAR0 at 0xf0060000,"
                + " INTA -> guest GSI 40\nraised 200 interrupt(s): 200 acknowledged by the guest's driver, 200 EOI'd,"
                + " 0 coalesced; 400 guest accesses answered\n"), out.toString());
            assertTrue(err.text.toString().contains("ended: goodbye; ioreqs 400 sent, 400 answered, 0 expired, 0 failed"),
                err.text.toString());
        } finally {
            serving.interrupt();
            serving.join(20_000);
        }
        assertFalse(serving.isAlive());
        assertEquals(Main.EXIT_OK, exit.get());
        return err.text.toString();
    }

    @Test
    void aModelAttachesOverTcp() throws Exception {
        final String log = serveAndAttach("tcp:127.0.0.1:0", "tcp:127\\.0\\.0\\.1:\\d+");
        // the peer in the syntax the server prints its own addresses in
        assertTrue(log.matches("(?s).*session 1 \\(tcp:127\\.0\\.0\\.1:\\d+\\): attached to d1.*"), log);
    }

    @Test
    void aModelAttachesOverAUnixSocket(@TempDir final Path dir) throws Exception {
        assumeTrue(DmTransport.epollAvailable(), "Unix sockets need the native epoll transport");
        final String path = dir.resolve("dm.sock").toString();
        final String log = serveAndAttach("unix:" + path, Pattern.quote("unix:" + path));
        // a Unix-socket client has no address of its own: the session names the socket it came in on
        assertTrue(log.contains("session 1 (unix:" + path + "): attached to d1"), log);
    }

    // bridge.yaml passes a device through at guest slot 6, the example model's default: the refusal
    // says that the slot was the default one and how to pick another
    @Test
    void aTakenDefaultSlotSaysHowToPickAnother() throws Exception {
        final Announcements err = new Announcements("tcp:127\\.0\\.0\\.1:\\d+");
        final Thread serving = new Thread(() -> {
            final CommandLine cl = cli();
            cl.setErr(new PrintWriter(err));
            cl.execute("serve", Path.of("..", "scenarios", "bridge.yaml").toString(), "--listen", "tcp:127.0.0.1:0");
        }, "serve-under-test");
        serving.start();
        try {
            final String address = err.listening.get(60, TimeUnit.SECONDS);
            final StringWriter dmErr = new StringWriter();
            final CommandLine dm = cli();
            dm.setOut(new PrintWriter(new StringWriter()));
            dm.setErr(new PrintWriter(dmErr));
            assertEquals(Main.EXIT_FAILED, dm.execute("devmodel", "--connect", address, "--interrupts", "1"));
            assertTrue(dmErr.toString().contains("slot 6 holds") && dmErr.toString().endsWith(
                " (the default slot; pick a free one with --slot N)\n"), dmErr.toString());
            final StringWriter out = new StringWriter();
            dm.setOut(new PrintWriter(out));
            assertEquals(Main.EXIT_OK, dm.execute("devmodel", "--connect", address, "--slot", "7", "--interrupts", "1"),
                out.toString());
        } finally {
            serving.interrupt();
            serving.join(20_000);
        }
        assertFalse(serving.isAlive());
    }

    @Test
    void listenIsRequired() {
        final StringWriter err = new StringWriter();
        final CommandLine cl = cli();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("serve"));
        assertTrue(err.toString().contains("Missing required option: '--listen=ADDRESS'"), err.toString());
    }

    // the trace file is opened by the boot, on the server's thread: a directory there is a file
    // error (exit 2, the reason alone) as for 'run --trace', not a failed boot with a class name
    @Test
    void aTraceFileThatIsADirectoryIsAUsageError(@TempDir final Path dir) {
        final StringWriter err = new StringWriter();
        final CommandLine cl = cli();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("serve", "--listen", "tcp:127.0.0.1:0", "--trace", dir.toString()));
        assertEquals("irqsim serve: cannot write trace file " + dir + ": is a directory\n", err.toString());
    }

    @Test
    void aZeroDeadlineIsAUsageError() {
        final StringWriter err = new StringWriter();
        final CommandLine cl = cli();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("serve", "--listen", "tcp::0", "--ioreq-timeout", "0"));
        assertTrue(err.toString().contains("--ioreq-timeout 0 is not 1..86400000"), err.toString());
    }

    @Test
    void aDeadlinePastWhatNanosecondsHoldIsAUsageErrorNotAStackTrace() {
        final StringWriter err = new StringWriter();
        final CommandLine cl = cli();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("serve", "--listen", "tcp::0", "--ioreq-timeout", "9223372036855"));
        assertEquals("irqsim: --ioreq-timeout 9223372036855 is not 1..86400000\nTry 'irqsim serve --help' for more"
            + " information.\n", err.toString());
    }

    @Test
    void theLimitsAreRangeChecked() {
        for (final String[] bad : new String[][] {{"--handshake-timeout", "0"}, {"--idle-timeout", "-1"},
            {"--max-connections", "0"}, {"--max-notices", "-1"}, {"--idle-timeout", "86400001"},
            {"--max-devices", "-1"}, {"--max-devices", "65536"}}) {
            final StringWriter err = new StringWriter();
            final CommandLine cl = cli();
            cl.setErr(new PrintWriter(err));
            assertEquals(Main.EXIT_USAGE, cl.execute("serve", "--listen", "tcp::0", bad[0], bad[1]), String.join(" ", bad));
            assertTrue(err.toString().startsWith("irqsim: " + bad[0] + " " + bad[1] + " is not "), err.toString());
        }
    }

    @Test
    void serveWarnsOfAnAddressReachableFromOtherHosts() throws Exception {
        // the port is taken on loopback, so binding every interface fails: nothing is ever exposed
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            final StringWriter err = new StringWriter();
            final CommandLine cl = cli();
            cl.setErr(new PrintWriter(err));
            assertEquals(Main.EXIT_FAILED, cl.execute("serve", "--listen", "tcp:0.0.0.0:" + taken.getLocalPort()));
            assertTrue(err.toString().startsWith("irqsim serve: warning: tcp:0.0.0.0:" + taken.getLocalPort()
                + " is reachable from other hosts, and the protocol has no authentication\n"), err.toString());
        }
    }

    @Test
    void devmodelSaysWhyAUnixSocketCannotBeReached(@TempDir final Path dir) {
        assumeTrue(DmTransport.epollAvailable(), "Unix sockets need the native epoll transport");
        final String missing = dir.resolve("missing").toString();
        final StringWriter err = new StringWriter();
        final CommandLine cl = cli();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_FAILED, cl.execute("devmodel", "--connect", "unix:" + missing));
        assertEquals("irqsim devmodel: cannot connect to unix:" + missing + ": No such file or directory\n",
            err.toString());
    }

    @Test
    void devmodelWithoutAServerFails() throws Exception {
        final int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        final StringWriter err = new StringWriter();
        final CommandLine cl = cli();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_FAILED, cl.execute("devmodel", "--connect", "tcp:127.0.0.1:" + port));
        assertTrue(err.toString().startsWith("irqsim devmodel: cannot connect to tcp:127.0.0.1:" + port), err.toString());
    }

    @Test
    void devmodelRejectsABadSlot() {
        final StringWriter err = new StringWriter();
        final CommandLine cl = cli();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("devmodel", "--connect", "tcp::1", "--slot", "0"));
        assertTrue(err.toString().contains("--slot 0 is not 1..31"), err.toString());
    }
}
