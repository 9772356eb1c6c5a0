package io.irqsim.cli;

import io.irqsim.dm.vfiouser.TestPciDevice;
import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserCodec;
import io.irqsim.dm.vfiouser.VfioUserTestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code irqsim serve} with a scenario's {@code guests[].vfioUser} entry: the device is plugged
 * when the machine has booted, and the server's INTx reaches the guest while serving, each EOI
 * deasserting the line and unmasking the server's INTx, in the order of QEMU's
 * {@code hw/vfio/pci.c:vfio_intx_eoi}.
 */
class ServeVfioUserTest {

    @TempDir
    Path dir;

    /** Collects the console's answers and completes once they hold {@code needle} and a line after it. */
    static final class Until extends java.io.Writer {
        final StringBuilder text = new StringBuilder();
        final java.util.concurrent.CompletableFuture<Void> seen = new java.util.concurrent.CompletableFuture<>();
        private final String needle;

        Until(final String needle) {
            this.needle = needle;
        }

        @Override
        public synchronized void write(final char[] cbuf, final int off, final int len) {
            text.append(cbuf, off, len);
            final int at = text.indexOf(needle);
            if (at >= 0 && text.indexOf("\n", at + needle.length()) >= 0) {
                seen.complete(null);
            }
        }

        synchronized String text() {
            return text.toString();
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static CommandLine serve(final java.io.InputStream console) {
        final CommandLine cl = Main.commandLine();
        cl.getCommandSpec().removeSubcommand("serve");
        final ServeCommand serve = new ServeCommand();
        serve.console = console;
        cl.addSubcommand("serve", serve);
        return cl;
    }

    @Test
    void servedGuestTakesTheServersInterruptsAsTheyComeAndStateShowsItsPirq() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 3);
             PipedOutputStream typed = new PipedOutputStream();
             PipedInputStream console = new PipedInputStream(typed)) {
            final ServeCommandTest.Announcements err = new ServeCommandTest.Announcements("tcp:127\\.0\\.0\\.1:\\d+");
            final Until out = new Until("\n  d1 pirq table:\n    pirq 16 ");
            final AtomicInteger exit = new AtomicInteger(-1);
            final String file = VfioUserServers.scenario(dir, "vfio.yaml", sock, 3, false).toString();
            final Thread serving = new Thread(() -> {
                final CommandLine cl = serve(console);
                cl.setErr(new PrintWriter(err));
                cl.setOut(new PrintWriter(out));
                exit.set(cl.execute("serve", "--listen", "tcp:127.0.0.1:0", file));
            }, "serve-under-test");
            serving.start();
            try {
                err.listening.get(60, TimeUnit.SECONDS);
                assertTrue(err.text.toString().contains("irqsim serve: vfio-user: plugged 4952:5153 from " + sock
                    + " into domU at 00:06.0, INTA -> guest GSI 40\n"), err.text.toString());
                // three interrupts: each raised by the server, handled and EOId by the guest, unmasked
                assertTrue(srv.unmasked.tryAcquire(3, 30, TimeUnit.SECONDS), err.text.toString());
                assertEquals(3, srv.unmasks.get(), err.text.toString());
                assertEquals(3, srv.device.intxRaised());
                // ACKed by the guest's driver through the forwarded BAR: nothing left pending
                assertFalse(srv.device.intxMasked());
                typed.write("state\n".getBytes(StandardCharsets.UTF_8));
                typed.flush();
                out.seen.get(30, TimeUnit.SECONDS);
                // the guest's pirq channel: the guest took every event, nothing pending ([pending/masked])
                assertTrue(out.text().contains("  d1 pirq table:\n    pirq 16 -> emulated GSI 40 evtchn-bound [0/0]\n"),
                    out.text());
            } finally {
                serving.interrupt();
                serving.join(20_000);
            }
            assertFalse(serving.isAlive());
            assertEquals(Main.EXIT_OK, exit.get(), err.text.toString());
            assertEquals(1, srv.server.connections());
        }
    }

    @Test
    void aMissingVfioUserServerStopsServeWithExitOne() throws Exception {
        final Path sock = dir.resolve("none.sock");
        final CliRun.Result r = CliRun.run(serve(java.io.InputStream.nullInputStream()), "serve", "--listen",
            "tcp:127.0.0.1:0", VfioUserServers.scenario(dir, "vfio.yaml", sock, 1, false).toString());
        assertEquals(Main.EXIT_FAILED, r.exit(), r.out() + r.err());
        assertEquals("irqsim serve: guests[0].vfioUser[0]: cannot connect to " + sock + ": No such file or directory\n",
            r.err());
    }

    @Test
    void aDeviceThatCannotBePluggedStopsServeBeforeItAnnouncesItsAddresses() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        final TestPciDevice device = new TestPciDevice();
        // config space refused: the identity QEMU's vfio-user-pci reads at realize cannot be read
        try (VfioUserTestServer server = VfioUserTestServer.start(sock, (h, p, fds) ->
            h.command() == VfioUser.CMD_REGION_READ ? VfioUserTestServer.Reply.of(VfioUserCodec.message(h.msgId(),
                h.command(), VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR, 5, new byte[0])) : device.handle(h, p, fds))) {
            final CliRun.Result r = CliRun.run(serve(java.io.InputStream.nullInputStream()), "serve", "--listen",
                "tcp:127.0.0.1:0", VfioUserServers.scenario(dir, "vfio.yaml", sock, 1, false).toString());
            assertEquals(Main.EXIT_FAILED, r.exit(), r.out() + r.err());
            assertTrue(r.err().startsWith("irqsim serve: guests[0].vfioUser[0]: cannot plug " + sock + ": "), r.err());
            assertFalse(r.err().contains("listening on"), r.err());
        }
    }
}
