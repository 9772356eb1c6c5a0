package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.vfiouser.TestPciDevice;
import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserCodec;
import io.irqsim.dm.vfiouser.VfioUserTestServer;
import io.irqsim.dm.vfiouser.VfioUserTestServer.Reply;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code irqsim vfio-user info} against the repository's vfio-user test server (dm-net's test jar). */
class VfioUserCommandTest {

    @TempDir
    Path dir;

    private VfioUserTestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Path serve(final VfioUserTestServer.Responder responder) throws Exception {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, responder);
        return sock;
    }

    @Test
    void infoShowsTheDeviceAsLspciWould() throws Exception {
        final Path sock = serve(new TestPciDevice());
        final CliRun.Result r = CliRun.run("vfio-user", "info", "unix:" + sock);
        assertEquals(0, r.exit(), r.err());
        assertEquals(String.join("\n",
            "vfio-user 0.2 server at unix:" + sock + " (max_msg_fds 8, max_data_xfer_size 1048576)",
            "Device: flags 0x3 (reset,pci), 9 regions, 5 IRQ indexes",
            "Class 0200: Device 4952:5153 (rev 01)",
            "\tSubsystem: Device 4952:0001",
            "\tControl: I/O- Mem- BusMaster- DisINTx-",
            "\tStatus: Cap+ INTx-",
            "\tInterrupt: pin A (line 0)",
            "\tRegion 0: Memory at <unassigned> (32-bit, non-prefetchable) [size=4K]",
            "\tRegion 1: I/O ports at <unassigned> [size=16]",
            "\tExpansion ROM at <unassigned> [disabled] [size=2K]",
            "\tCapabilities: [40] Power Management version 3",
            "\tCapabilities: [50] Vendor Specific Information: Len=04",
            "Regions:",
            "\t0 BAR0   size 0x1000 (4K) flags 0xf (read,write,mmap,caps)",
            "\t\tcapability 1 v1: sparse mmap, 1 area(s): 0x0+0x1000",
            "\t1 BAR1   size 0x10 (16) flags 0x3 (read,write)",
            "\t2 BAR2   size 0x0 (0) flags 0x0 (none)",
            "\t3 BAR3   size 0x0 (0) flags 0x0 (none)",
            "\t4 BAR4   size 0x0 (0) flags 0x0 (none)",
            "\t5 BAR5   size 0x0 (0) flags 0x0 (none)",
            "\t6 ROM    size 0x800 (2K) flags 0x1 (read)",
            "\t7 config size 0x100 (256) flags 0x3 (read,write)",
            "\t8 VGA    size 0x0 (0) flags 0x0 (none)",
            "IRQs:",
            "\t0 INTx  count 1 flags 0x7 (eventfd,maskable,automasked)",
            "\t1 MSI   count 0 flags 0x9 (eventfd,noresize)",
            "\t2 MSI-X count 0 flags 0x9 (eventfd,noresize)",
            "\t3 ERR   count 1 flags 0x1 (eventfd)",
            "\t4 REQ   count 1 flags 0x1 (eventfd)",
            ""), r.out());
    }

    @Test
    void infoJsonHasExactlyTheDocumentedFields() throws Exception {
        final Path sock = serve(new TestPciDevice());
        final CliRun.Result r = CliRun.run("vfio-user", "info", "unix:" + sock, "--json");
        assertEquals(0, r.exit(), r.err());
        final JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("[version, vendor, device, subsystemVendor, subsystem, classCode, interruptPin, regions, irqs]",
            fieldNames(j));
        assertEquals(0, j.get("version").get("major").asInt());
        assertEquals(2, j.get("version").get("minor").asInt());
        assertEquals(0x4952, j.get("vendor").asInt());
        assertEquals(0x5153, j.get("device").asInt());
        assertEquals(0x4952, j.get("subsystemVendor").asInt());
        assertEquals(0x0001, j.get("subsystem").asInt());
        assertEquals(0x020000, j.get("classCode").asInt());
        assertEquals(1, j.get("interruptPin").asInt());
        assertEquals(9, j.get("regions").size());
        assertEquals("{\"index\":0,\"size\":4096,\"flags\":15}", j.get("regions").get(0).toString());
        assertEquals("{\"index\":7,\"size\":256,\"flags\":3}", j.get("regions").get(7).toString());
        assertEquals("{\"index\":0,\"count\":1,\"flags\":7}", j.get("irqs").get(0).toString());
        assertEquals(5, j.get("irqs").size());
    }

    private static String fieldNames(final JsonNode j) {
        final java.util.List<String> names = new java.util.ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }

    @Test
    void missingSocketExitsOneAndSaysSo() {
        final Path sock = dir.resolve("none.sock");
        final CliRun.Result r = CliRun.run("vfio-user", "info", "unix:" + sock);
        assertEquals(1, r.exit());
        assertEquals("irqsim vfio-user: cannot connect to " + sock + ": No such file or directory\n", r.err());
    }

    // connect(2) answers ECONNREFUSED for a regular file: the message says what is there
    @Test
    void aRegularFileWhereTheSocketShouldBeIsNamedAsSuch() throws Exception {
        final Path file = java.nio.file.Files.writeString(dir.resolve("regular"), "x");
        final CliRun.Result r = CliRun.run("vfio-user", "info", "unix:" + file);
        assertEquals(1, r.exit());
        assertEquals("irqsim vfio-user: cannot connect to " + file + ": Connection refused (it is a regular file, not a"
            + " socket)\n", r.err());
    }

    @Test
    void aServerBreakingTheProtocolExitsOneWithTheReason() throws Exception {
        final Path sock = serve((h, p, fds) -> Reply.of(VfioUserCodec.message(h.msgId(), h.command(),
            VfioUser.F_TYPE_REPLY, 0, new byte[] {1, 0, 0, 0})));
        final CliRun.Result r = CliRun.run("vfio-user", "info", "unix:" + sock);
        assertEquals(1, r.exit());
        assertEquals("irqsim vfio-user: protocol error from " + sock
            + ": server speaks vfio-user 1.0, this client 0.2\n", r.err());
    }

    @Test
    void plugDeliversTheServersIntxToTheGuestDriverAndUnmasksOnEoi() throws Exception {
        final TestPciDevice device = new TestPciDevice();
        final Path sock = serve(device);
        final DmServer dm = DmServer.start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
            Strategies.byName(Scenario.DEFAULT_STRATEGY)), DmServerConfig.DEFAULT,
            List.of(ListenAddress.parse("tcp:127.0.0.1:0")), line -> { });
        try {
            device.fire();      // asserted before the plug: fires as soon as the bridge hands its eventfd
            final CliRun.Result r = CliRun.run("vfio-user", "plug", "unix:" + sock, "--connect",
                dm.addresses().get(0).toString(), "--domain", "domU", "--slot", "6", "--until-eois", "1");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().startsWith("plugged 4952:5153 from " + sock + " into domU at 00:06.0, BAR0 at 0x"), r.out());
            assertTrue(r.out().endsWith("INTx asserted 1 time(s), 1 EOI'd by the guest, 0 failure(s)\n"), r.out());
            assertEquals(1L, (long) dm.call(s -> s.machine().guest("domU").driver(new Bdf(0, 6, 0)).handled()));
            assertEquals(1, device.intxRaised());
        } finally {
            dm.close();
        }
    }

    @Test
    void anAddressOtherThanUnixIsAUsageError() {
        final CliRun.Result r = CliRun.run("vfio-user", "info", "tcp::4444");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("'tcp::4444': expected unix:PATH"), r.err());
    }
}
