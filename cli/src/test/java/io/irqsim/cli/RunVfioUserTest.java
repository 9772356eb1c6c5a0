package io.irqsim.cli;

import io.irqsim.dm.vfiouser.SampleServerLikeDevice;
import io.irqsim.dm.vfiouser.TestPciDevice;
import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code irqsim run} with a scenario's {@code guests[].vfioUser} entry against the repository's
 * vfio-user test server (dm-net's test jar): the device is plugged at boot and its INTx reaches
 * the guest's driver, each EOI answered with SET_IRQS UNMASK as QEMU's vfio_intx_eoi does.
 */
class RunVfioUserTest {

    @TempDir
    Path dir;

    private VfioUserTestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Path scenario(final Path sock, final int interrupts) throws Exception {
        final Path file = dir.resolve("vfio.yaml");
        Files.writeString(file, String.join("\n",
            "name: vfio-user-nic",
            "guests:",
            "  - name: domU",
            "    vfioUser: [{socket: \"unix:" + sock + "\", slot: 6, interrupts: " + interrupts + "}]",
            "traffic: []",
            ""));
        return file;
    }

    @Test
    void serversIntxReachesTheGuestDriverAndEachEoiUnmasksIt() throws Exception {
        final int n = 3;
        final TestPciDevice device = new TestPciDevice();
        final AtomicInteger unmasks = new AtomicInteger();
        final Path sock = dir.resolve("dev.sock");
        // the device raises its next interrupt when the client unmasks the previous one, n in all
        server = VfioUserTestServer.start(sock, (h, p, fds) -> {
            final VfioUserTestServer.Reply reply = device.handle(h, p, fds);
            if (h.command() == VfioUser.CMD_DEVICE_SET_IRQS && p.length >= 20
                && (ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).getInt(4) & 0x38)
                == VfioUser.IRQ_SET_ACTION_UNMASK && unmasks.incrementAndGet() < n) {
                device.fire();
            }
            return reply;
        });
        device.fire();          // pending before the plug: fires once the eventfd is handed over
        final CliRun.Result r = CliRun.run("run", scenario(sock, n).toString(), "--dump-state");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("vfio-user 4952:5153 from unix:" + sock + " in domU at 00:06.0 (guest GSI 40):"
            + " INTx asserted 3 time(s), 3 EOI'd by the guest, 3 handled by its driver\n"), r.out());
        assertEquals(n, unmasks.get());
        assertEquals(n, device.intxRaised());
        // the timeline shows the plug like any hot-plugged device
        assertTrue(r.out().contains("plugged 4952:5153 from " + sock + " into domU at 00:06.0, INTA -> guest GSI 40"),
            r.out());
    }

    @Test
    void theSampleDriverArmsTheServersBar0AndItsIntxReachesTheDriverWithDmaMapped() throws Exception {
        final SampleServerLikeDevice sample = new SampleServerLikeDevice();
        final Path sock = dir.resolve("sample.sock");
        server = VfioUserTestServer.start(sock, sample);
        final CliRun.Result r = CliRun.run("run", scenario(sock, 1).toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("request_irq(40, \"lvu-sample 00:06.0\") = 0"), r.out());
        assertTrue(r.out().contains("vfio-user     00:06.0: BAR0 I/O ports 0xc000+0x8\n"), r.out());
        assertTrue(r.out().contains("lvu-sample 00:06.0: BAR0 at port 0xc000, timer armed for Unix time "
            + sample.bar0() + " (8-byte write)"), r.out());
        assertTrue(r.out().contains("vfio-user dead:beef from unix:" + sock + " in domU at 00:06.0 (guest GSI 40):"
            + " INTx asserted 1 time(s), 1 EOI'd by the guest, 1 handled by its driver\n"
            + "  DMA: 0 DMA_READ(s) and 0 DMA_WRITE(s) served in domU's RAM [0x1000000, 0x2000000), 0 refused;"
            + " 0 page(s) of it written\n"),
            r.out());
    }

    @Test
    void missingSocketFailsTheRunWithExitOneAndNamesTheEntry() throws Exception {
        final Path sock = dir.resolve("none.sock");
        final CliRun.Result r = CliRun.run("run", scenario(sock, 1).toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("irqsim run: guests[0].vfioUser[0]: cannot connect to " + sock + ": No such file or directory\n",
            r.err());
    }

    @Test
    void badSocketSyntaxIsAScenarioErrorExitTwo() throws Exception {
        final Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "guests: [{name: domU, vfioUser: [{socket: /tmp/x.sock, slot: 6}]}]\n");
        final CliRun.Result r = CliRun.run("run", file.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains(":1:43: guests[0].vfioUser[0].socket: '/tmp/x.sock' is not a vfio-user socket"),
            r.err());
    }

    @Test
    void compareRefusesAFileWithVfioUserDevicesRatherThanRunItWithoutThem() throws Exception {
        final CliRun.Result r = CliRun.run("compare", scenario(dir.resolve("dev.sock"), 1).toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("guests[0].vfioUser: vfio-user devices are plugged by 'irqsim run' only;"
            + " compare the file without them"), r.err());
    }

    @Test
    void severalFilesInOneRunGiveAFileWithVfioUserDevicesAnErrorLine() throws Exception {
        final Path plain = dir.resolve("plain.yaml");
        Files.writeString(plain, "traffic: []\nguests: [{name: domU}]\n");
        final Path vfio = scenario(dir.resolve("dev.sock"), 1);
        final CliRun.Result r = CliRun.run("run", plain.toString(), vfio.toString());
        // a batch with a file that cannot run exits 2, as for a file that does not load
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("guests[].vfioUser: a scenario with vfio-user devices runs on its own: irqsim run "
            + vfio), r.out());
    }
}
