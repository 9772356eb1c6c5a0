package io.irqsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QtestCommandTest {

    private static final String SCRIPT = String.join("\n",
        "irq_intercept_in ioapic",
        "writel 0xfee000f0 0x1ff",
        "writel 0xfec00000 0x30",
        "writel 0xfec00010 0xa041",
        "set_irq_in ioapic unnamed-gpio-in 16 1",
        "irqsim_ack",
        "bogus",
        "clock_step 10",
        "");

    @Test
    void registeredUnderMain() {
        assertTrue(Main.commandLine().getSubcommands().containsKey("qtest"));
    }

    @Test
    void stdinStdoutSession() {
        final StringWriter out = new StringWriter();
        final CommandLine cl = new CommandLine(new QtestCommand(
            new ByteArrayInputStream(SCRIPT.getBytes(StandardCharsets.US_ASCII))));
        cl.setOut(new PrintWriter(out));
        assertEquals(Main.EXIT_OK, cl.execute());
        assertEquals(String.join("\n", "OK", "OK", "OK", "OK", "IRQ raise 16", "OK", "OK 0x41",
            "FAIL Unknown command 'bogus'", "OK 10", ""), out.toString());
    }

    @Test
    void helpDescribesTheOptions() {
        final StringWriter out = new StringWriter();
        final CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        assertEquals(Main.EXIT_OK, cl.execute("qtest", "--help"));
        assertTrue(out.toString().contains("--listen=ADDRESS"), out.toString());
        assertTrue(out.toString().contains("irqsim_ack"), out.toString());
    }

    @Test
    void malformedListenAddressIsAUsageError() {
        final StringWriter err = new StringWriter();
        final CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("qtest", "--listen", "tcp:localhost:http"));
        assertTrue(err.toString().contains("--listen"), err.toString());
        assertTrue(err.toString().contains("port 'http' is not a number"), err.toString());
    }

    // --max-connections limits a --listen server; on stdin/stdout it would do nothing
    @Test
    void maxConnectionsWithoutListenIsAUsageError() {
        final StringWriter err = new StringWriter();
        final CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_USAGE, cl.execute("qtest", "--max-connections", "3"));
        assertTrue(err.toString().startsWith("irqsim: --max-connections needs --listen\n"), err.toString());
    }

    @Test
    void addressInUseFails() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final StringWriter err = new StringWriter();
            final CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            assertEquals(Main.EXIT_FAILED, cl.execute("qtest", "--listen", "tcp:127.0.0.1:" + taken.getLocalPort()));
            assertTrue(err.toString().startsWith("irqsim qtest: cannot listen on tcp:127.0.0.1:"), err.toString());
        }
    }

    @Test
    void everyInterfaceGetsTheWarningServeGives() throws Exception {
        // the port is taken on loopback, so binding every interface fails: nothing is ever exposed
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            for (final String host : new String[] {"0.0.0.0", "[::]"}) {
                final StringWriter err = new StringWriter();
                final CommandLine cl = Main.commandLine();
                cl.setErr(new PrintWriter(err));
                final String address = "tcp:" + host + ":" + taken.getLocalPort();
                cl.execute("qtest", "--listen", address);
                assertTrue(err.toString().startsWith("irqsim qtest: warning: " + address + " is reachable from other"
                    + " hosts, and the protocol has no authentication\n"), err.toString());
            }
        }
    }

    @Test
    void listensOnTcpUntilInterrupted() throws Exception {
        final CompletableFuture<String> announced = new CompletableFuture<>();
        final Pattern listening = Pattern.compile("listening on tcp:127\\.0\\.0\\.1:(\\d+)");
        final Writer err = new Writer() {
            private final StringBuilder sb = new StringBuilder();

            @Override
            public void write(final char[] cbuf, final int off, final int len) {
                sb.append(cbuf, off, len);
                final Matcher m = listening.matcher(sb);
                if (m.find()) {
                    announced.complete(m.group(1));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread serving = new Thread(() -> {
            final CommandLine cl = Main.commandLine();
            cl.setErr(new PrintWriter(err));
            exit.set(cl.execute("qtest", "--listen", "tcp:127.0.0.1:0"));
        }, "qtest-cli-under-test");
        serving.start();
        try {
            final int port = Integer.parseInt(announced.get(20, TimeUnit.SECONDS));
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(20_000);
                final PrintWriter w = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII));
                final BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                w.print("readl 0xfee00030\nirqsim_cpu 1\nreadl 0xfee00020\n");
                w.flush();
                assertEquals("OK 0x0000000001050014", r.readLine());
                assertEquals("OK", r.readLine());
                assertEquals("OK 0x0000000001000000", r.readLine());
            }
        } finally {
            serving.interrupt();
            serving.join(20_000);
        }
        assertFalse(serving.isAlive());
        assertEquals(Main.EXIT_OK, exit.get());
    }
}
