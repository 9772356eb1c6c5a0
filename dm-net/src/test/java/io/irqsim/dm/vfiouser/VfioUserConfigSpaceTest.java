package io.irqsim.dm.vfiouser;

import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The guest's config space of a vfio-user function against the test server, pinned to QEMU's
 * vfio-pci ({@code hw/vfio/pci.c}: {@code vfio_realize}'s emulated bits, {@code vfio_pci_read_config},
 * {@code vfio_pci_write_config}, {@code vfio_msi_setup}): which bits come from the server, which
 * from the VMM's copy, and what the server is sent.
 */
class VfioUserConfigSpaceTest {

    @TempDir
    Path dir;

    private VfioUserTestServer server;
    private VfioUserClient client;
    private final List<String> configAccesses = new ArrayList<>();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Starts the server with a responder that notes every access to region 7 as "R off size" / "W off size". */
    private VfioUserConfigSpace plug(final TestPciDevice pci) throws Exception {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, (h, p, fds) -> {
            if ((h.command() == VfioUser.CMD_REGION_READ || h.command() == VfioUser.CMD_REGION_WRITE) && p.length >= 16) {
                final ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
                if (b.getInt(8) == VfioUser.REGION_CONFIG) {
                    synchronized (configAccesses) {
                        configAccesses.add((h.command() == VfioUser.CMD_REGION_READ ? "R " : "W ")
                            + Long.toHexString(b.getLong(0)) + " " + b.getInt(12));
                    }
                }
            }
            return pci.handle(h, p, fds);
        });
        client = VfioUserClient.connect(sock, 5_000);
        final VfioUserConfigSpace f = VfioUserConfigSpace.create(client, new Bdf(0, 6, 0), "t",
            VfioUserBridge.identity(client, 6), VfioUserBars.read(client, client.deviceInfo().numRegions()));
        synchronized (configAccesses) {
            configAccesses.clear();
        }
        return f;
    }

    private List<String> accesses() {
        synchronized (configAccesses) {
            final List<String> l = List.copyOf(configAccesses);
            configAccesses.clear();
            return l;
        }
    }

    @Test
    void barSizingIsAnsweredByTheVmmWhileTheWriteStillReachesTheServer() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserConfigSpace f = plug(pci);
        f.configWrite(PciConfigRegisters.BAR0, 4, -1);
        // vfio_realize: BARs are emulated: the 4 KiB BAR reads back its size mask, no REGION_READ
        assertEquals(0xFFFF_F000, f.configRead(PciConfigRegisters.BAR0, 4));
        // vfio_pci_write_config: "write everything to VFIO" first
        assertEquals(List.of("W 10 4"), accesses());
        f.configWrite(PciConfigRegisters.BAR0, 4, 0xF006_0000);
        assertEquals(0xF006_0000, f.configRead(PciConfigRegisters.BAR0, 4));
        assertEquals(0xF006_0000, pci.config(PciConfigRegisters.BAR0, 4));
        // the ROM BAR is the VMM's too: reads 0 (no ROM presented) without asking the server
        assertEquals(0, f.configRead(VfioUserConfigSpace.ROM_ADDRESS, 4));
        assertEquals(List.of("W 10 4"), accesses());
    }

    @Test
    void commandAndStatusAreTheServersInBothDirections() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserConfigSpace f = plug(pci);
        f.configWrite(PciConfigRegisters.COMMAND, 2, 0x0406);
        assertEquals(0x0406, pci.config(PciConfigRegisters.COMMAND, 2));
        // the device raises its status interrupt bit itself: the guest's read sees it (forwarded)
        pci.deviceSetsConfig(PciConfigRegisters.STATUS, 0x18);
        assertEquals(0x0018, f.configRead(PciConfigRegisters.STATUS, 2));
        assertEquals(List.of("W 4 2", "R 6 2"), accesses());
    }

    @Test
    void oneDwordMergesTheEmulatedInterruptLineWithTheServersPin() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserConfigSpace f = plug(pci);
        f.configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 0x0b);
        // the device's own copy changes afterwards; the guest keeps the line it wrote, the pin is the server's
        pci.deviceSetsConfig(PciConfigRegisters.INTERRUPT_LINE, 0x55);
        pci.deviceSetsConfig(PciConfigRegisters.INTERRUPT_PIN, 2);
        assertEquals(0x0000_020b, f.configRead(PciConfigRegisters.INTERRUPT_LINE, 4));
        assertEquals(List.of("W 3c 1", "R 3c 4"), accesses());
        // and the identity accessors never go out
        assertEquals(TestPciDevice.VENDOR, f.vendorId());
        assertEquals(List.of(), accesses());
    }

    @Test
    void headerTypeMultiFunctionBitIsAlwaysTheVmms() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserConfigSpace f = plug(pci);
        pci.deviceSetsConfig(PciConfigRegisters.HEADER_TYPE, 0x80);
        assertEquals(0x00, f.configRead(PciConfigRegisters.HEADER_TYPE, 1));
        assertEquals(0x80, f.emulatedBits(PciConfigRegisters.HEADER_TYPE));
    }

    @Test
    void msiCapabilityIsEmulatedWhileItsWritesReachTheServerAndItsEnableIsReported() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsi();
        final VfioUserConfigSpace f = plug(pci);
        final int cap = TestPciDevice.MSI_CAP;
        assertEquals(cap, f.msiCap());
        // vfio_msi_setup: 0xa + 4 for a 64-bit capability without mask bits
        assertEquals(0x0e, f.msiCapSize());
        final List<String> events = new ArrayList<>();
        f.setMsiListener(new VfioUserConfigSpace.MsiListener() {
            @Override
            public void msiEnabled(final int vectors) {
                events.add("on " + vectors);
            }

            @Override
            public void msiDisabled() {
                events.add("off");
            }
        });
        f.configWrite(cap + 4, 4, 0xFEE0_1000);
        f.configWrite(cap + 0x0c, 2, 0x0041);
        assertEquals(0xFEE0_1000, pci.config(cap + 4, 4));
        assertEquals(0x0041, pci.config(cap + 0x0c, 2));
        // the device's copy changes; the guest reads the VMM's (no REGION_READ of the capability)
        pci.deviceSetsConfig(cap + 0x0c, 0x99);
        accesses();
        assertEquals(0x0041, f.configRead(cap + 0x0c, 2));
        assertEquals(List.of(), accesses());
        f.configWrite(cap + 2, 2, 0x0081);
        assertEquals(List.of("on 1"), events);
        assertEquals(1, pci.config(cap + 2, 1) & 1);
        assertEquals(0xFEE0_1000L, f.msiAddress());
        assertEquals(0x0041, f.msiData(0));
        f.configWrite(cap + 2, 2, 0x0081);     // still enabled: no second enable (vfio_update_msi)
        f.configWrite(cap + 2, 2, 0x0080);
        assertEquals(List.of("on 1", "off"), events);
        assertNull(f.failure());
    }

    @Test
    void aLoopingCapabilityListAndAnMsiCapabilityPastTheEndAreSurvivedAndIgnored() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsix();
        // the device's list: 0x40 -> 0x50 -> 0xf0 (MSI, 64-bit with mask bits: 0x18 bytes, past 0xff) -> 0x50 ...
        pci.deviceSetsConfig(0x51, 0xf0);
        pci.deviceSetsConfig(0xf0, 0x05);
        pci.deviceSetsConfig(0xf1, 0x50);
        pci.deviceSetsConfig(0xf2, 0x80);
        pci.deviceSetsConfig(0xf3, 0x01);
        final VfioUserConfigSpace f = plug(pci);
        assertEquals(0, f.msiCap());
        assertEquals(0, f.msixCap());       // the loop never reaches 0x70 and ends after 48 entries
        assertEquals(0, f.emulatedBits(0xf0));
    }

    @Test
    void aDeviceWithoutMsiHasNoEmulatedCapability() throws Exception {
        final VfioUserConfigSpace f = plug(new TestPciDevice());
        assertEquals(0, f.msiCap());
        assertEquals(0, f.emulatedBits(0x60));
    }

    @Test
    void aConfigReadTheServerCannotAnswerIsAllOnesAndKept() throws Exception {
        final VfioUserConfigSpace f = plug(new TestPciDevice());
        client.close();         // the connection is gone: the forwarded half cannot be read
        assertEquals(0xffff, f.configRead(PciConfigRegisters.COMMAND, 2));
        assertNotNull(f.failure());
        // an all-emulated access still answers from the copy
        assertEquals(0, f.configRead(PciConfigRegisters.BAR0, 4));
    }
}
