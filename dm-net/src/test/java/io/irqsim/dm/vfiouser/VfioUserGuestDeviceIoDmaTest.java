package io.irqsim.dm.vfiouser;

import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.PciIrqMode;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.mem.GuestRam;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test device's I/O BAR, ROM and DMA as the in-process guest reaches them: port accesses
 * become REGION_READ/WRITE of region 1 ({@code handle_pio} into the claimed range), ROM reads of
 * region 6, and the server's DMA lands in the guest's RAM window, whether it comes while a guest
 * access waits for its reply or after the server's interrupt; closing the device unmaps DMA.
 */
class VfioUserGuestDeviceIoDmaTest {

    private static final Bdf BDF = new Bdf(0, 6, 0);

    @TempDir
    Path dir;

    private final PluggedDevice rig = new PluggedDevice();
    private final TestPciDevice pci = new TestPciDevice();

    @AfterEach
    void stop() {
        rig.close();
    }

    private VfioUserGuestDevice plug() throws Exception {
        return plug(false);
    }

    private VfioUserGuestDevice plug(final boolean twin) throws Exception {
        final Path sock = dir.resolve("dev.sock");
        final VfioUserTestServer server = twin ? VfioUserTestServer.startTwin(sock, pci)
            : VfioUserTestServer.start(sock, pci);
        pci.dmaVia(server);
        return rig.plug(sock, server, null, PciIrqMode.INTX);
    }

    private Vcpu cpu() {
        return rig.machine.guest("domU").cpu();
    }

    private PciFunction function() {
        final LinuxDomU g = rig.machine.guest("domU");
        return rig.machine.deviceModel(g.domain()).bus().function(BDF);
    }

    @Test
    void portAccessesToTheIoBarBecomeRegionAccessesOfItsRegion() throws Exception {
        final VfioUserGuestDevice d = plug();
        final int port = d.ioPorts()[TestPciDevice.IO_BAR];
        // the guest sees an I/O BAR (bit 0) at the port the device was given, in hvmloader's window
        assertEquals(port | 1, function().configRead(PciConfigRegisters.BAR0 + 4 * TestPciDevice.IO_BAR, 4));
        assertEquals(0xc000, port);
        assertEquals(TestPciDevice.IO_ID, cpu().portRead(port, 4));
        assertEquals(TestPciDevice.IO_ID >>> 16, cpu().portRead(port + 2, 2));
        cpu().portWrite(port + 4, 2, 0xBEEF);
        cpu().portWrite(port + 6, 1, 0x42);
        final byte[] io = pci.io();
        assertEquals(List.of((byte) 0xEF, (byte) 0xBE, (byte) 0x42), List.of(io[4], io[5], io[6]));
        assertEquals(0x42BEEF, cpu().portRead(port + 4, 4));
        // pci_enable_resources: the driver's enable turned I/O decode on next to memory decode
        assertEquals(PciConfigRegisters.COMMAND_IO | PciConfigRegisters.COMMAND_MEMORY,
            function().configRead(PciConfigRegisters.COMMAND, 2) & 3);
    }

    @Test
    void romReadsAreRegionSixAndItsBarSizesAsARomBar() throws Exception {
        final VfioUserGuestDevice d = plug();
        final long rom = d.romAddress();
        assertEquals(0xAA55, cpu().mmioRead(rom, 2));
        assertEquals(TestPciDevice.romByte(0x7ff) & 0xff, cpu().mmioRead(rom + 0x7ff, 1));
        cpu().mmioWrite(rom, 4, 0);              // a ROM: dropped, never sent to the server
        assertEquals(0xAA55, cpu().mmioRead(rom, 2));
        assertEquals(0, d.accessErrors());
        final PciFunction f = function();
        assertEquals(rom, f.configRead(VfioUserConfigSpace.ROM_ADDRESS, 4) & 0xFFFF_F800L);
        f.configWrite(VfioUserConfigSpace.ROM_ADDRESS, 4, -1);
        assertEquals(0xFFFF_F801L, f.configRead(VfioUserConfigSpace.ROM_ADDRESS, 4) & 0xFFFF_FFFFL,
            "sizing: 2 KiB, the enable bit writable");
    }

    @Test
    void theServersDmaDuringAGuestWriteLandsInTheGuestsRam() throws Exception {
        final VfioUserGuestDevice d = plug();
        final GuestRam ram = d.dmaRam();
        assertNotNull(ram);
        final long bar0 = function().barAddress(0);
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_ADDR, 8, ram.base() + 0x2000);
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_LEN, 4, 256);
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_SYNC);
        assertEquals(List.of(TestPciDevice.DMA_OK), pci.dmaStatuses());
        final byte[] b = new byte[256];
        ram.read(ram.base() + 0x2000, b, 0, b.length);
        for (int i = 0; i < b.length; i++) {
            assertEquals(TestPciDevice.dmaPattern(i, 1), b[i], "byte " + i);
        }
        assertEquals(TestPciDevice.DMA_OK, cpu().mmioRead(bar0 + TestPciDevice.REG_DMA_STATUS, 4));
    }

    @Test
    void dmaAfterTheInterruptIsServedBeforeTheGuestTakesItAndCloseUnmaps() throws Exception {
        final VfioUserGuestDevice d = plug();
        // message window first, then the shared (memfd) one: the order libvfio-user's sample relies on
        final List<long[]> maps = pci.dmaMaps();
        assertEquals(2, maps.size());
        assertEquals(List.of(d.dmaRam().base(), d.dmaRam().size(), 3L, 0L),
            List.of(maps.get(0)[0], maps.get(0)[1], maps.get(0)[2], maps.get(0)[3]));
        assertEquals(List.of(d.dmaRam().base() + d.dmaRam().size(), VfioUserDmaWindows.SHARED_DMA_SIZE, 7L, 1L),
            List.of(maps.get(1)[0], maps.get(1)[1], maps.get(1)[2], maps.get(1)[3]));
        final long bar0 = function().barAddress(0);
        final long at = d.dmaRam().base() + 0x10;
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_ADDR, 8, at);
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_LEN, 4, 32);
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_THEN_IRQ);
        d.deliver(1, 5_000);
        assertEquals(1, d.eois());
        assertEquals(1, rig.machine.guest("domU").boundDriver(BDF).handled());
        assertEquals(List.of(TestPciDevice.DMA_OK), pci.dmaStatuses());
        final byte[] b = new byte[1];
        d.dmaRam().read(at + 31, b, 0, 1);
        assertEquals(TestPciDevice.dmaPattern(31, 1), b[0]);
        rig.device.close();
        rig.device = null;
        assertEquals(2, pci.dmaUnmaps());
        assertTrue(pci.dmaMaps().isEmpty());
    }

    @Test
    void withTwinSocketDmaAfterTheInterruptComesOnTheCommandSocketWhileTheRunWaits() throws Exception {
        final VfioUserGuestDevice d = plug(true);
        assertTrue(rig.server.hasCommandSocket());
        final long bar0 = function().barAddress(0);
        final long at = d.dmaRam().base() + 0x3000;
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_ADDR, 8, at);
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_LEN, 4, 8);
        cpu().mmioWrite(bar0 + TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_THEN_IRQ);
        d.deliver(1, 5_000);
        assertEquals(1, rig.machine.guest("domU").boundDriver(BDF).handled());
        assertEquals(List.of(TestPciDevice.DMA_OK), pci.dmaStatuses());
        final byte[] b = new byte[1];
        d.dmaRam().read(at + 7, b, 0, 1);
        assertEquals(TestPciDevice.dmaPattern(7, 1), b[0]);
    }

    @Test
    void theSampleDriverBindsDeadBeefArmsBar0WithOneEightByteWriteAndHandlesItsIntx() throws Exception {
        final SampleServerLikeDevice sample = new SampleServerLikeDevice();
        final Path sock = dir.resolve("sample.sock");
        rig.server = VfioUserTestServer.start(sock, sample);
        rig.machine = ScenarioMachine.boot(Scenario.defaultScenario(), Strategies.byName(Scenario.DEFAULT_STRATEGY));
        final long before = System.currentTimeMillis() / 1000;
        rig.device = VfioUserGuestDevice.plug(rig.machine, "domU", VfioUserClient.connect(sock, 5_000), sock.toString(), 6);
        final long after = System.currentTimeMillis() / 1000;
        final io.irqsim.guest.linux.LibvfioUserSampleDriver drv =
            (io.irqsim.guest.linux.LibvfioUserSampleDriver) rig.machine.guest("domU").boundDriver(BDF);
        assertEquals(rig.device.ioPorts()[0], drv.port());
        assertEquals(drv.armedFor(), sample.bar0(), "the Unix time the probe wrote reached BAR0 whole");
        assertTrue(sample.bar0() >= before + 1 && sample.bar0() <= after + 1, "one second ahead");
        assertEquals(0, sample.badAccesses());
        assertEquals(40, drv.irq());
        rig.device.deliver(1, 5_000);
        assertEquals(1, drv.handled());
        assertEquals(1, rig.device.eois());
        // an x86-sized access is what bar0_access refuses: the guest reads all ones and goes on
        assertEquals(0xFFFF_FFFFL, cpu().portRead(drv.port(), 4));
        assertEquals(1, sample.badAccesses());
        assertEquals(1, rig.device.accessErrors());
    }

    @Test
    void aBarThatIsNotAPowerOfTwoFailsThePlugCleanlyAndLeavesNothingMapped() throws Exception {
        final Path sock = dir.resolve("odd.sock");
        // libvfio-user's sample before the one-line fix: BAR1 of 0x3000 bytes
        rig.server = VfioUserTestServer.start(sock, (h, p, fds) -> {
            final VfioUserTestServer.Reply r = pci.handle(h, p, fds);
            if (h.command() == VfioUser.CMD_DEVICE_GET_REGION_INFO && java.nio.ByteBuffer.wrap(p)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(8) == TestPciDevice.IO_BAR) {
                java.nio.ByteBuffer.wrap(r.bytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(16 + 16, 0x3000);
            }
            return r;
        });
        rig.machine = ScenarioMachine.boot(Scenario.defaultScenario(), Strategies.byName(Scenario.DEFAULT_STRATEGY));
        final long fdsBefore = FdCount.open();
        try (VfioUserClient c = VfioUserClient.connect(sock, 5_000)) {
            final java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> VfioUserGuestDevice.plug(rig.machine, "domU", c, sock.toString(), 6));
            assertEquals("the server's BAR1 is 0x3000 bytes, not a power of two as a PCI BAR is", e.getMessage());
        }
        final LinuxDomU g = rig.machine.guest("domU");
        // BAR0 (memory) had been mapped before BAR1 failed: it is gone again
        assertEquals(null, g.cpu().bus().deviceAt(io.irqsim.guest.toolstack.DeviceModel.GUEST_MMIO_BASE + 6 * 0x10000));
        assertEquals(null, rig.machine.deviceModel(g.domain()).bus().function(BDF));
        assertEquals(null, g.boundDriver(BDF));
        rig.server.close();
        rig.server = null;
        assertTrue(FdCount.open() <= fdsBefore, "the INTx eventfd was closed");
    }
}
