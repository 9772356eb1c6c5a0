package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.irqsim.dm.vfiouser.SampleServerLikeDevice;
import io.irqsim.dm.vfiouser.TestPciDevice;
import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserCodec;
import io.irqsim.dm.vfiouser.VfioUserTestServer;
import io.irqsim.guest.device.NicTestDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * A responder for {@code device}: it raises the first interrupt once {@code armed} holds after a
     * message (the device reset at the plug forgets anything raised before), and the next each time
     * the guest's driver ACKs the previous one, {@code n} in all.
     */
    private static VfioUserTestServer.Responder raisingOnce(final TestPciDevice device, final BooleanSupplier armed,
                                                            final int n, final AtomicInteger acks) {
        final AtomicBoolean first = new AtomicBoolean();
        return (h, p, fds) -> {
            final VfioUserTestServer.Reply reply = device.handle(h, p, fds);
            final ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            if (!first.get() && armed.getAsBoolean()) {
                first.set(true);
                device.fire();
            } else if (h.command() == VfioUser.CMD_REGION_WRITE && p.length >= 16 && b.getInt(8) == VfioUser.REGION_BAR0
                && b.getLong(0) == NicTestDevice.REG_ACK && acks.incrementAndGet() < n) {
                device.fire();
            }
            return reply;
        };
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
        // the device raises its first interrupt once the VMM hands it the eventfd (the guest enabled
        // it; a firing on a masked MSI-X entry waits in the PBA), its next when the guest's driver
        // ACKs the previous one, n in all
        server = VfioUserTestServer.start(sock, raisingOnce(device, device::hasMsiEventfd, n, acks));
        final CliRun.Result r = CliRun.run("run", msiScenario(sock, n, false).toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        // the vector the vLAPIC took is the data the guest wrote into the MSI capability, as the server saw it
        final int vector = device.config(TestPciDevice.MSI_CAP + 0x0c, 2);
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s -> domU at 00:06.0 (MSI, vector"
            + " 0x%02x): MSI injected 3 time(s), 3 of 3 EOI'd by the guest, 3 handled by its driver"
            + "; DMA: 0 DMA_READ(s) and 0 DMA_WRITE(s) served in domU's RAM [0x1000000, 0x2000000), 0 refused; 0 page(s) of it written%n", sock, vector)), r.out());
        assertEquals(0xFEE0_0000, device.config(TestPciDevice.MSI_CAP + 4, 4));
        assertEquals(1, device.msiEventfdSets());
        assertEquals(n, device.msiRaised());
        assertEquals(n, acks.get());
        // no INTx: the device raised MSIs only
        assertEquals(0, device.intxRaised());
    }

    @Test
    void guestDriverTakesTheServersMsixVectorThroughItsTableEntry() throws Exception {
        final int n = 2;
        final TestPciDevice device = TestPciDevice.withMsix();
        final AtomicInteger acks = new AtomicInteger();
        final Path sock = dir.resolve("dev.sock");
        // the device raises its first interrupt once the VMM hands it the eventfd (the guest enabled
        // it; a firing on a masked MSI-X entry waits in the PBA), its next when the guest's driver
        // ACKs the previous one, n in all
        server = VfioUserTestServer.start(sock, raisingOnce(device, () -> device.hasMsixEventfd(0), n, acks));
        final CliRun.Result r = CliRun.run("run", irqScenario(sock, n, false, "msix").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        // the guest's first dynamic vector (LinuxIrqTable.FIRST_DYNAMIC_VECTOR): nothing else in domU has one
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s -> domU at 00:06.0 (MSI-X, vector"
            + " 0x41): MSI-X injected 2 time(s), 2 of 2 finished by the guest, 2 handled by its driver"
            + "; DMA: 0 DMA_READ(s) and 0 DMA_WRITE(s) served in domU's RAM [0x1000000, 0x2000000), 0 refused; 0 page(s) of it written%n", sock)), r.out());
        // the first interrupt, still pending (not ACKed) when the guest's unmask set vector 0 up again,
        // was raised again at that SET_IRQS; the eventfd's counter carries the two as one firing
        assertEquals(n + 1, device.msixRaised());
        assertEquals(2, device.msixEventfdSets());
        assertEquals(0, device.msiRaised());
    }

    @Test
    void msixInAGuestWithHvmPirqsReachesTheDriverAsThePirqsEvent() throws Exception {
        final TestPciDevice device = TestPciDevice.withMsix();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, raisingOnce(device, () -> device.hasMsixEventfd(0), 1,
            new AtomicInteger()));
        final CliRun.Result r = CliRun.run("run", irqScenario(sock, 1, true, "msix").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        final java.util.regex.Matcher m = java.util.regex.Pattern
            .compile("xen_hvm_setup_msi_irqs: PHYSDEVOP_get_free_pirq\\(MSI\\) = pirq (\\d+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s -> domU at 00:06.0 (MSI-X, pirq %s):"
            + " MSI-X injected 1 time(s), 1 of 1 finished by the guest, 1 handled by its driver"
            + "; DMA: 0 DMA_READ(s) and 0 DMA_WRITE(s) served in domU's RAM [0x1000000, 0x2000000), 0 refused; 0 page(s) of it written%n", sock, m.group(1))), r.out());
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
        // the device raises its first interrupt once the VMM hands it the eventfd (the guest enabled
        // it; a firing on a masked MSI-X entry waits in the PBA), its next when the guest's driver
        // ACKs the previous one, n in all
        server = VfioUserTestServer.start(sock, raisingOnce(device, device::hasMsiEventfd, n, acks));
        final CliRun.Result r = CliRun.run("run", msiScenario(sock, n, true).toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        // the pirq xen_msi_compose_msg put in the destination ID bits, as the server saw the address
        final int pirq = device.config(TestPciDevice.MSI_CAP + 5, 1) >>> 4 | device.config(TestPciDevice.MSI_CAP + 6, 1) << 4
            & 0xf0 | device.config(TestPciDevice.MSI_CAP + 9, 1) << 8;
        assertEquals(0x0700, device.config(TestPciDevice.MSI_CAP + 0x0c, 2));
        assertTrue(r.out().contains(String.format("vfio-user 4952:5153 from unix:%s -> domU at 00:06.0 (MSI, pirq %d):"
            + " MSI injected 2 time(s), 2 of 2 EOI'd by the guest, 2 handled by its driver"
            + "; DMA: 0 DMA_READ(s) and 0 DMA_WRITE(s) served in domU's RAM [0x1000000, 0x2000000), 0 refused; 0 page(s) of it written%n", sock, pirq)), r.out());
        assertTrue(r.out().contains("xen_hvm_setup_msi_irqs: PHYSDEVOP_get_free_pirq(MSI) = pirq " + pirq), r.out());
        assertEquals(n, device.msiRaised());
    }

    @Test
    void serversIntxReachesTheGuestDriverAndEachEoiUnmasksIt() throws Exception {
        final int n = 3;
        final Path sock = dir.resolve("dev.sock");
        // the device raises its first interrupt when it gets the eventfd, its next when the client
        // unmasks the previous one, n in all
        final VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, n);
        server = srv.server;
        final TestPciDevice device = srv.device;
        final AtomicInteger unmasks = srv.unmasks;
        final CliRun.Result r = CliRun.run("run", scenario(sock, n).toString(), "--dump-state");
        assertEquals(0, r.exit(), r.out() + r.err());
        // under result:, next to the traffic's devices, and in the verdict
        final String line = "  vfio-user 4952:5153 from unix:" + sock + " -> domU at 00:06.0 (guest GSI 40): INTx"
            + " asserted 3 time(s), 3 of 3 EOI'd by the guest, 3 handled by its driver"
            + "; DMA: 0 DMA_READ(s) and 0 DMA_WRITE(s) served in domU's RAM [0x1000000, 0x2000000), 0 refused; 0 page(s) of it written\n";
        assertTrue(r.out().contains("result:\n" + line), r.out());
        assertTrue(r.out().contains("\nverdict: PASSED (no expectations given: every device attached with INTx and"
            + " every interrupt reached its guest); delivery: 0 of 0 interrupts reached the guest's driver; vfio-user:"
            + " 3 of 3 interrupts EOI'd by the guest\n"), r.out());
        assertEquals(n, unmasks.get());
        assertEquals(n, device.intxRaised());
        // reset once, at the plug, as QEMU resets a hot-plugged vfio-user-pci device
        assertEquals(1, device.resets());
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
        assertTrue(r.out().contains("vfio-user dead:beef from unix:" + sock + " -> domU at 00:06.0 (guest GSI 40):"
            + " INTx asserted 1 time(s), 1 of 1 EOI'd by the guest, 1 handled by its driver; DMA: 0 DMA_READ(s) and"
            + " 0 DMA_WRITE(s) served in domU's RAM [0x1000000, 0x2000000), 0 refused; 0 page(s) of it written\n"),
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
    void severalFilesInOneRunPlugEachFilesDevicesOnAConnectionOfItsOwn() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 2)) {
            final Path plain = dir.resolve("plain.yaml");
            Files.writeString(plain, "traffic: []\nguests: [{name: domU}]\n");
            final Path a = VfioUserServers.scenario(dir, "a.yaml", sock, 2, false);
            final Path b = VfioUserServers.scenario(dir, "b.yaml", sock, 2, false);
            final CliRun.Result r = CliRun.run("run", plain.toString(), a.toString(), b.toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("PASS " + a + " (vfio-user-nic, strategy status-quo)\n"), r.out());
            assertTrue(r.out().contains("PASS " + b + " (vfio-user-nic, strategy status-quo)\n"), r.out());
            assertTrue(r.out().endsWith("3 scenarios: 3 passed, 0 failed\n"), r.out());
            // each file's run connected, took its 2 interrupts and unmasked each after the guest's EOI
            assertEquals(2, srv.server.connections());
            assertEquals(4, srv.unmasks.get());
            assertEquals(4, srv.device.intxRaised());
        }
    }

    @Test
    void severalFilesInOneRunFailAFileWhoseServerIsMissing() throws Exception {
        final Path plain = dir.resolve("plain.yaml");
        Files.writeString(plain, "traffic: []\nguests: [{name: domU}]\n");
        final Path sock = dir.resolve("none.sock");
        final Path vfio = scenario(sock, 1);
        final CliRun.Result r = CliRun.run("run", plain.toString(), vfio.toString());
        // an unreachable server fails the file (exit 1, as a single run exits), it is not a file error (2)
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL " + vfio + " (vfio-user-nic, strategy status-quo): guests[0].vfioUser[0]:"
            + " cannot connect to " + sock + ": No such file or directory\n"), r.out());
        assertTrue(r.out().endsWith("2 scenarios: 1 passed, 1 failed\n"), r.out());
    }

    @Test
    void runJsonListsTheVfioUserDeviceAndItsVerdict() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 2)) {
            // with the NIC passed through as well, under a design that delivers its interrupts
            final CliRun.Result r = CliRun.run("run", "--json", "-s", "pciback-setup-gsi",
                VfioUserServers.scenario(dir, "pt.yaml", sock, 2, true).toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            final JsonNode doc = new ObjectMapper().readTree(r.out());
            // the run's own fields, as before: the traffic's device, its BDF as text
            assertEquals("00:03.0", doc.get("devices").get(0).get("device").asText(), r.out());
            assertEquals(10, doc.get("devices").get(0).get("delivered").asLong(), r.out());
            assertTrue(doc.get("timelineOmitted") == null, "left out when nothing was: " + r.out());
            assertTrue(doc.get("passed").asBoolean(), r.out());
            assertEquals(1, doc.get("vfioUser").size(), r.out());
            final JsonNode v = doc.get("vfioUser").get(0);
            assertEquals("guests[0].vfioUser[0]", v.get("entry").asText());
            assertEquals("unix:" + sock, v.get("socket").asText());
            assertEquals("domU", v.get("guest").asText());
            assertEquals("00:06.0", v.get("function").asText());
            assertEquals(0x4952, v.get("vendorId").asInt());
            assertEquals(0x5153, v.get("deviceId").asInt());
            assertEquals(40, v.get("gsi").asInt());
            assertEquals(2, v.get("interrupts").asLong());
            assertEquals(2, v.get("asserted").asLong());
            assertEquals(2, v.get("eoid").asLong());
            assertEquals(2, v.get("handled").asLong());
            assertTrue(v.get("ok").asBoolean());
            assertTrue(v.get("failure").isNull());
            // the run's own fields are still there, and the timeline has the plug
            assertEquals("vfio-user-nic", doc.get("scenario").asText());
            assertTrue(doc.get("timeline").toString().contains("plugged 4952:5153 from " + sock), r.out());
        }
    }

    @Test
    void aDeviceThatCannotBePluggedFailsTheVerdictTextAndJson() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        final TestPciDevice device = new TestPciDevice();
        // config space refused: the client cannot read the identity QEMU's vfio-user-pci reads at realize
        server = VfioUserTestServer.start(sock, (h, p, fds) -> h.command() == VfioUser.CMD_REGION_READ
            ? VfioUserTestServer.Reply.of(VfioUserCodec.message(h.msgId(), h.command(),
                VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR, 5, new byte[0]))
            : device.handle(h, p, fds));
        final Path file = scenario(sock, 1);
        final CliRun.Result r = CliRun.run("run", "--no-timeline", file.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("\nverdict: FAILED (no expectations given); delivery: 0 of 0 interrupts reached the"
            + " guest's driver; vfio-user: 0 of 0 interrupts EOI'd by the guest, 1 of 1 device(s) failed\n"), r.out());
        assertTrue(r.out().contains("  vfio-user unix:" + sock + " -> domU at 00:06.0: not plugged: cannot plug " + sock
            + ": "), r.out());
        assertTrue(r.out().contains("  - guests[0].vfioUser[0] (unix:" + sock + "): cannot plug " + sock), r.out());
        assertTrue(r.err().startsWith("irqsim run: guests[0].vfioUser[0]: cannot plug " + sock), r.err());
        final CliRun.Result j = CliRun.run("run", "--json", file.toString());
        assertEquals(1, j.exit(), j.out() + j.err());
        final JsonNode doc = new ObjectMapper().readTree(j.out());
        assertFalse(doc.get("passed").asBoolean());
        assertFalse(doc.get("vfioUser").get(0).get("ok").asBoolean());
        assertTrue(doc.get("vfioUser").get(0).get("failure").asText().startsWith("cannot plug " + sock), j.out());
        // and in the JUnit XML CI reads: a failed testcase with the device's reason
        final Path xml = dir.resolve("junit.xml");
        assertEquals(1, CliRun.run("run", "--no-timeline", "--junit-xml", xml.toString(), file.toString()).exit());
        final String junit = Files.readString(xml);
        assertTrue(junit.contains("failures=\"1\"") && junit.contains("guests[0].vfioUser[0] (unix:" + sock
            + "): cannot plug " + sock), junit);
    }

    @Test
    void theTraceHasTheDeviceModelsIntxLevelChangesAndTheStateDumpItsGsi() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 2)) {
            final Path trace = dir.resolve("run.trace");
            final CliRun.Result r = CliRun.run("run", "--trace", trace.toString(), "--dump-state",
                scenario(sock, 2).toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            final CliRun.Result d = CliRun.run("trace", "dump", trace.toString());
            assertEquals(0, d.exit(), d.err());
            // XEN_DMOP_set_pci_intx_level from dom0's device model: assert and deassert, per interrupt
            // (device 6 << 8 | INTA << 1 | level): assert, then deassert on the guest's EOI, twice
            assertEquals(List.of("dm_op_set_pci_intx_level(1537) = 0", "dm_op_set_pci_intx_level(1536) = 0",
                "dm_op_set_pci_intx_level(1537) = 0", "dm_op_set_pci_intx_level(1536) = 0"), d.out().lines()
                .filter(l -> l.contains("dm_op_set_pci_intx_level")).map(l -> l.substring(l.indexOf("dm_op"))).toList());
            assertEquals(2, d.out().lines().filter(l -> l.contains("d0    hvm_pci_intx_assert    hvm_pci_intx_assert:"
                + " dev 6 INTA -> guest GSI 40")).count(), d.out());
            // the guest took GSI 40 as a pirq (XENFEAT_hvm_pirqs, as for any emulated device's INTx):
            // the pirq table shows it bound to its event channel, nothing pending once the guest took
            // every event ([pending/masked] as xl debug-keys e; the mask bit is not modelled: ?)
            final String dump = r.out().substring(r.out().indexOf("d1 (domU, HVM):"));
            assertTrue(dump.contains("  d1 pirq table:\n    pirq 16 -> emulated GSI 40 evtchn-bound [0/0]\n"), dump);
        }
    }
}
