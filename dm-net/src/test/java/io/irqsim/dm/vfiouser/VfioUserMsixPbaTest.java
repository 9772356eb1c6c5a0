package io.irqsim.dm.vfiouser;

import io.irqsim.guest.linux.PciIrqMode;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Where the guest's PBA accesses go behind vfio-pci ({@code hw/vfio/pci.c} at qemu/qemu@41192db,
 * read through the search index): {@code vfio_msix_setup} disables the emulated PBA region ("disable
 * the PBA MemoryRegion unless it's being used"), so PBA accesses reach the device; a masked vector
 * firing ({@code vfio_msi_interrupt}) enables it, and {@code vfio_msix_vector_do_use} (the unmask)
 * disables it again once nothing is pending.
 */
class VfioUserMsixPbaTest {

    /** A value the test device's BAR0 holds as plain memory at the PBA offset. */
    private static final int DEVICE_WORD = 0x5a5a_0000;

    @TempDir
    Path dir;

    private final PluggedDevice rig = new PluggedDevice();

    @AfterEach
    void stop() {
        rig.close();
    }

    private VfioUserGuestDevice plug(final TestPciDevice pci) throws IOException {
        final Path sock = dir.resolve("dev.sock");
        return rig.plug(sock, VfioUserTestServer.start(sock, pci), PluggedDevice.NO_PIRQS, PciIrqMode.MSIX);
    }

    private long entry0() {
        return rig.machine.guest("domU").irqs().byIrq(rig.machine.guest("domU").driver(new Bdf(0, 6, 0)).irq()).msixEntry();
    }

    @Test
    void thePbaIsTheDevicesUntilAMaskedVectorFiresAndAgainAfterItsUnmask() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsix();
        final VfioUserGuestDevice d = plug(pci);
        final long entry = entry0();
        final long pba = entry - TestPciDevice.MSIX_TABLE + TestPciDevice.MSIX_PBA;
        final var cpu = rig.machine.guest("domU").cpu();
        cpu.mmioWrite(pba, 4, DEVICE_WORD);             // the PBA region is disabled: the device's memory
        assertEquals(DEVICE_WORD, cpu.mmioRead(pba, 4));
        cpu.mmioWrite(entry + 12, 4, 1);                // the guest masks vector 0
        assertEquals(DEVICE_WORD, cpu.mmioRead(pba, 4), "nothing fired masked yet");
        pci.fire();
        assertThrows(IOException.class, () -> d.deliver(1, 50));
        assertEquals(1, cpu.mmioRead(pba, 4), "vfio_msi_interrupt enabled the emulated PBA");
        cpu.mmioWrite(entry + 12, 4, 0);                // unmask: vfio_msix_vector_do_use disables it again
        assertEquals(DEVICE_WORD, cpu.mmioRead(pba, 4));
        d.deliver(1, 5_000);
        assertEquals(1, d.msix().injected());
    }
}
