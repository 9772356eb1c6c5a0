package io.irqsim.cli;

import io.irqsim.dm.vfiouser.TestPciDevice;
import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserTestServer;
import io.irqsim.guest.device.NicTestDevice;
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

    /** An {@code irq: msi} entry in a guest without XENFEAT_hvm_pirqs (or with, if {@code hvmPirq}). */
    private Path msiScenario(final Path sock, final int interrupts, final boolean hvmPirq) throws Exception {
        return irqScenario(sock, interrupts, hvmPirq, "msi");
    }

    private Path irqScenario(final Path sock, final int interrupts, final boolean hvmPirq, final String irq)
        throws Exception {
        final Path file = dir.resolve("vfio-msi.yaml");
        Files.writeString(file, String.join("\n",
            "name: vfio-user-nic-msi",
            "guests:",
            "  - name: domU",
            "    hvmPirq: " + hvmPirq,
            "    vfioUser: [{socket: \"unix:" + sock + "\", slot: 6, interrupts: " + interrupts + ", irq: " + irq + "}]",
            "traffic: []",
            ""));
        return file;
    }

    @Test
    void guestDriverTakesTheServersMsisOnTheVectorItProgrammed() throws Exception {
        final int n = 3;
        final TestPciDevice device = TestPciDevice.withMsi();
        final AtomicInteger acks = new AtomicInteger();
        final Path sock = dir.resolve("dev.sock");
        // the device raises its next MSI when the guest's driver ACKs the previous one, n in all
        server = VfioUserTestServer.start(sock, (h, p, fds) -> {
            final VfioUserTestServer.Reply reply = device.handle(h, p, fds);
            final ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            if (h.command() == VfioUser.CMD_REGION_WRITE && p.length >= 16 && b.getInt(8) == VfioUser.REGION_BAR0
                && b.getLong(0) == NicTestDevice.REG_ACK && acks.incrementAndGet() < n) {
                device.fire();
            }
            return reply;
        });
        device.fire();          // pending before the plug: fires once the guest has enabled MSI
        final CliRun.Result r = CliRun.run("run", msiScenario(sock, n, false).toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        // the vector the vLAPIC took is the data the guest wrote into the MSI capability, as the server saw it
        final int vector = device.config(TestPciDevice.MSI_CAP + 0x0c, 2);
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s in domU at 00:06.0 (MSI, vector"
            + " 0x%02x): MSI injected 3 time(s), 3 EOI'd by the guest, 3 handled by its driver%n", sock, vector)), r.out());
        assertEquals(0xFEE0_0000, device.config(TestPciDevice.MSI_CAP + 4, 4));
        assertEquals(1, device.msiEventfdSets());
        assertEquals(n, device.msiRaised());
        assertEquals(n, acks.get());
        // the interrupt pending at the plug raised INTx once when its eventfd came (before the guest
        // enabled MSI); the guest never saw it: its driver took the MSIs only
        assertEquals(1, device.intxRaised());
    }

    @Test
    void guestDriverTakesTheServersMsixVectorThroughItsTableEntry() throws Exception {
        final int n = 2;
        final TestPciDevice device = TestPciDevice.withMsix();
        final AtomicInteger acks = new AtomicInteger();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, (h, p, fds) -> {
            final VfioUserTestServer.Reply reply = device.handle(h, p, fds);
            final ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            if (h.command() == VfioUser.CMD_REGION_WRITE && p.length >= 16 && b.getInt(8) == VfioUser.REGION_BAR0
                && b.getLong(0) == NicTestDevice.REG_ACK && acks.incrementAndGet() < n) {
                device.fire();
            }
            return reply;
        });
        device.fire();
        final CliRun.Result r = CliRun.run("run", irqScenario(sock, n, false, "msix").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        // the guest's first dynamic vector (LinuxIrqTable.FIRST_DYNAMIC_VECTOR): nothing else in domU has one
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s in domU at 00:06.0 (MSI-X, vector"
            + " 0x41): MSI-X injected 2 time(s), 2 finished by the guest, 2 handled by its driver%n", sock)), r.out());
        // the interrupt pending at the plug was raised at both SET_IRQS of vector 0 (the enable and the
        // guest's unmask); the eventfd's counter carries the two as one firing, so the guest took n
        assertEquals(n + 1, device.msixRaised());
        assertEquals(2, device.msixEventfdSets());
        assertEquals(0, device.msiRaised());
    }

    @Test
    void msixInAGuestWithHvmPirqsReachesTheDriverAsThePirqsEvent() throws Exception {
        final TestPciDevice device = TestPciDevice.withMsix();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, device);
        device.fire();
        final CliRun.Result r = CliRun.run("run", irqScenario(sock, 1, true, "msix").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        final java.util.regex.Matcher m = java.util.regex.Pattern
            .compile("xen_hvm_setup_msi_irqs: PHYSDEVOP_get_free_pirq\\(MSI\\) = pirq (\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s in domU at 00:06.0 (MSI-X, pirq %s):"
            + " MSI-X injected 1 time(s), 1 finished by the guest, 1 handled by its driver%n", sock, m.group(1))), r.out());
        assertEquals(1, device.msixEventfdSets());
    }

    @Test
    void msiFromAServerWithoutAnMsiCapabilityFailsTheRunWithTheReason() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, new TestPciDevice());
        final CliRun.Result r = CliRun.run("run", msiScenario(sock, 1, false).toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("guests[0].vfioUser[0]: cannot plug " + sock
            + ": irq: msi, but the device has no MSI capability in its config space"), r.err());
    }

    @Test
    void msiInAGuestWithHvmPirqsReachesTheDriverAsThePirqsEvent() throws Exception {
        final int n = 2;
        final TestPciDevice device = TestPciDevice.withMsi();
        final AtomicInteger acks = new AtomicInteger();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, (h, p, fds) -> {
            final VfioUserTestServer.Reply reply = device.handle(h, p, fds);
            final ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            if (h.command() == VfioUser.CMD_REGION_WRITE && p.length >= 16 && b.getInt(8) == VfioUser.REGION_BAR0
                && b.getLong(0) == NicTestDevice.REG_ACK && acks.incrementAndGet() < n) {
                device.fire();
            }
            return reply;
        });
        device.fire();
        final CliRun.Result r = CliRun.run("run", msiScenario(sock, n, true).toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        // the pirq xen_msi_compose_msg put in the destination ID bits, as the server saw the address
        final int pirq = device.config(TestPciDevice.MSI_CAP + 5, 1) >>> 4 | device.config(TestPciDevice.MSI_CAP + 6, 1) << 4
            & 0xf0 | device.config(TestPciDevice.MSI_CAP + 9, 1) << 8;
        assertEquals(0x0700, device.config(TestPciDevice.MSI_CAP + 0x0c, 2));
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s in domU at 00:06.0 (MSI, pirq %d):"
            + " MSI injected 2 time(s), 2 EOI'd by the guest, 2 handled by its driver%n", sock, pirq)), r.out());
        assertTrue(r.out().contains("xen_hvm_setup_msi_irqs: PHYSDEVOP_get_free_pirq(MSI) = pirq " + pirq), r.out());
        assertEquals(n, device.msiRaised());
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
