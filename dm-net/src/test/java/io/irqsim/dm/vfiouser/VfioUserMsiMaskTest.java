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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * QEMU's per-vector MSI masking behind vfio-pci ({@code hw/pci/msi.c} at qemu/qemu@06c83376, read
 * through the search index): {@code vfio_msi_interrupt} &rarr; {@code msi_notify} on a vector that
 * {@code msi_is_masked} (capability with mask bits, mask bit set, data not a Xen pirq message) sets
 * its bit in the emulated pending register instead of sending the message; {@code msi_write_config},
 * on a write to the capability while MSI is enabled, sends each pending vector that is now unmasked.
 */
class VfioUserMsiMaskTest {

    /** 64-bit capability with mask bits: mask at cap + 0x10, pending at cap + 0x14. */
    private static final int MASK = TestPciDevice.MSI_CAP + 0x10;
    private static final int PENDING = TestPciDevice.MSI_CAP + 0x14;

    @TempDir
    Path dir;

    private final PluggedDevice rig = new PluggedDevice();

    @AfterEach
    void stop() {
        rig.close();
    }

    private VfioUserGuestDevice plug(final TestPciDevice pci) throws IOException {
        final Path sock = dir.resolve("dev.sock");
        return rig.plug(sock, VfioUserTestServer.start(sock, pci), PluggedDevice.NO_PIRQS, PciIrqMode.MSI);
    }

    @Test
    void theGuestsRequestIrqLeftVectorZeroUnmasked() throws Exception {
        final VfioUserGuestDevice d = plug(TestPciDevice.withMaskableMsi());
        // Linux masked vector 0 in msi_capability_init and request_irq unmasked it (the VMM's copy)
        assertEquals(0, d.config().configRead(MASK, 4) & 1);
        assertTrue(d.msi().isEnabled());
    }

    @Test
    void aFiringOnAMaskedVectorIsPendingAndIsSentWhenTheGuestUnmasksIt() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMaskableMsi();
        final VfioUserGuestDevice d = plug(pci);
        final VfioUserConfigSpace f = d.config();
        f.configWrite(MASK, 4, 1);                      // the guest masks vector 0
        pci.fire();
        final IOException e = assertThrows(IOException.class, () -> d.msi().deliver(1, 50));
        assertTrue(e.getMessage().contains("vector 0 is pending"), e.getMessage());
        assertEquals(1, f.configRead(PENDING, 4), "msi_notify: the pending bit, not the message");
        assertEquals(0, d.msi().injected());
        f.configWrite(MASK, 4, 0);                      // msi_write_config: unmasked and pending -> sent
        assertEquals(0, f.configRead(PENDING, 4));
        d.msi().deliver(1, 5_000);
        assertEquals(1, d.msi().injected());
        assertEquals(1, rig.machine.guest("domU").driver(new Bdf(0, 6, 0)).handled());
    }
}
