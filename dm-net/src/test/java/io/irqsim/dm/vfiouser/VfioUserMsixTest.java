package io.irqsim.dm.vfiouser;

import io.irqsim.guest.linux.LinuxIrq;
import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.guest.linux.PciIrqMode;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MSI-X of a vfio-user function in an in-process guest, pinned to QEMU's vfio-pci and MSI-X
 * emulation ({@code hw/vfio/pci.c:vfio_msix_enable}, {@code vfio_msix_vector_do_use},
 * {@code vfio_msi_interrupt}; {@code hw/pci/msix.c:msix_handle_mask_update}): the table and PBA are
 * the VMM's, vector 0 is set up at the server when the guest enables MSI-X, a firing on a masked
 * vector is pending and fires on unmask.
 */
class VfioUserMsixTest {

    @TempDir
    Path dir;

    private final PluggedDevice rig = new PluggedDevice();
    private final AtomicInteger tableWritesAtServer = new AtomicInteger();

    @AfterEach
    void stop() {
        rig.close();
    }

    private VfioUserGuestDevice plug(final TestPciDevice pci, final String guestYaml) throws IOException {
        final Path sock = dir.resolve("dev.sock");
        final VfioUserTestServer server = VfioUserTestServer.start(sock, (h, p, fds) -> {
            if (h.command() == VfioUser.CMD_REGION_WRITE && p.length >= 16) {
                final ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
                if (b.getInt(8) == VfioUser.REGION_BAR0 && b.getLong(0) >= TestPciDevice.MSIX_TABLE) {
                    tableWritesAtServer.incrementAndGet();
                }
            }
            return pci.handle(h, p, fds);
        });
        return rig.plug(sock, server, guestYaml, PciIrqMode.MSIX);
    }

    private static final String NO_PIRQS = PluggedDevice.NO_PIRQS;

    private long entry0() {
        return rig.machine.guest("domU").irqs().byIrq(rig.machine.guest("domU").driver(new Bdf(0, 6, 0)).irq()).msixEntry();
    }

    @Test
    void guestEnablesMsixAndVectorZeroReachesTheVectorItsTableEntryHolds() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsix();
        final VfioUserGuestDevice d = plug(pci, NO_PIRQS);
        // the enable reached the device's config space; the table writes did not (the VMM's)
        assertEquals(0x8000, pci.config(TestPciDevice.MSIX_CAP + 2, 2) & 0xc000);
        assertEquals(0, tableWritesAtServer.get());
        // vfio_msix_enable set vector 0 up; the guest's unmask at request_irq used it again
        assertEquals(2, pci.msixEventfdSets());
        assertTrue(pci.hasMsixEventfd(0));
        assertFalse(pci.hasMsixEventfd(1));
        final NicTestDriver drv = rig.machine.guest("domU").driver(new Bdf(0, 6, 0));
        final LinuxIrq irq = rig.machine.guest("domU").irqs().byIrq(drv.irq());
        assertTrue(irq.isMsi());
        // the entry as the guest reads it back: the APIC window, its vector, unmasked
        assertEquals(0xFEE0_0000L, rig.machine.guest("domU").cpu().mmioRead(entry0(), 4));
        assertEquals(irq.vector(), rig.machine.guest("domU").cpu().mmioRead(entry0() + 8, 4));
        assertEquals(0, rig.machine.guest("domU").cpu().mmioRead(entry0() + 12, 4));
        pci.fire();
        d.deliver(1, 5_000);
        assertEquals(1, d.msix().injected());
        assertEquals(irq.vector(), d.msix().lastVector());
        assertEquals(1, drv.handled());
        assertEquals(1, pci.msixRaised());
        assertEquals(0, pci.msiRaised());
    }

    @Test
    void aFiringOnAMaskedVectorIsPendingInThePbaAndFiresOnUnmask() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsix();
        final VfioUserGuestDevice d = plug(pci, NO_PIRQS);
        final long entry = entry0();
        final long pba = entry - TestPciDevice.MSIX_TABLE + TestPciDevice.MSIX_PBA;
        rig.machine.guest("domU").cpu().mmioWrite(entry + 12, 4, 1);       // the guest masks vector 0
        pci.fire();
        final IOException e = assertThrows(IOException.class, () -> d.deliver(1, 50));
        assertTrue(e.getMessage().endsWith("vector 0 is pending in the PBA: the guest keeps it masked)"), e.getMessage());
        assertEquals(1, rig.machine.guest("domU").cpu().mmioRead(pba, 4));
        assertEquals(0, d.msix().injected());
        rig.machine.guest("domU").cpu().mmioWrite(entry + 12, 4, 0);       // unmask: msix_handle_mask_update
        assertEquals(0, rig.machine.guest("domU").cpu().mmioRead(pba, 4));
        d.deliver(1, 5_000);
        assertEquals(1, d.msix().injected());
        assertEquals(1, rig.machine.guest("domU").driver(new Bdf(0, 6, 0)).handled());
    }

    // kernel/irq/chip.c:handle_edge_irq@v6.12 on a disabled irq: IRQS_PENDING and mask_ack_irq, whose
    // PCI-MSI irq_mask is pci_msix_mask (the entry's vector control); enable_irq's irq_enable then runs
    // unmask_irq, pci_msix_unmask, and check_irq_resend replays the missed interrupt. Before, the entry
    // stayed masked: every later message was held in the PBA
    @Test
    void enableIrqUnmasksTheEntryTheFlowHandlerMaskedAndLaterMessagesArrive() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsix();
        final VfioUserGuestDevice d = plug(pci, NO_PIRQS);
        final io.irqsim.guest.linux.LinuxDomU guest = rig.machine.guest("domU");
        final NicTestDriver drv = guest.driver(new Bdf(0, 6, 0));
        assertEquals(0, guest.disableIrq(drv.irq()));
        pci.fire();
        d.deliver(1, 5_000);
        assertEquals(0, drv.handled(), "disabled: nothing run");
        assertEquals(1, guest.cpu().mmioRead(entry0() + 12, 4), "the flow handler masked the entry");
        assertEquals(0, guest.enableIrq(drv.irq()));
        assertEquals(0, guest.cpu().mmioRead(entry0() + 12, 4), "irq_enable unmasked it");
        assertEquals(1, drv.handled(), "check_irq_resend replayed the missed interrupt");
        pci.fire();
        d.deliver(2, 5_000);
        assertEquals(2, drv.handled());
    }

    @Test
    void guestDisablingMsixDisablesTheIndexAndRearmsIntx() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsix();
        final VfioUserGuestDevice d = plug(pci, NO_PIRQS);
        // vfio_msix_enable's first vfio_msix_vector_do_use disabled the index before enabling vector 0
        assertEquals(1, pci.msixDisables());
        final int ctrl = d.config().configRead(TestPciDevice.MSIX_CAP + 2, 2);
        d.config().configWrite(TestPciDevice.MSIX_CAP + 2, 2, ctrl & ~0x8000);
        assertEquals(2, pci.msixDisables());
        assertFalse(pci.hasMsixEventfd(0));
        assertEquals(0, d.msix().vectorsSetUp());
        final int before = pci.intxRaised();
        pci.fire();
        assertEquals(before + 1, pci.intxRaised());
    }

    @Test
    void msixAskedOfADeviceWithoutTheCapabilityIsRefusedAtThePlug() {
        final IOException e = assertThrows(IOException.class, () -> plug(TestPciDevice.withMsi(), NO_PIRQS));
        assertEquals("irq: msix, but the device has no MSI-X capability in its config space", e.getMessage());
    }

    @Test
    void msixInAGuestWithHvmPirqsCarriesThePirqNeverMaskedAndArrivesAsItsEvent() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsix();
        final VfioUserGuestDevice d = plug(pci, "guests: [{name: domU, hvmPirq: true}]\n");
        final NicTestDriver drv = rig.machine.guest("domU").driver(new Bdf(0, 6, 0));
        final LinuxIrq irq = rig.machine.guest("domU").irqs().byIrq(drv.irq());
        final long entry = entry0();
        // xen_msi_compose_msg in the entry: the pirq in the destination ID bits, data vector 0 (ExtINT)
        assertEquals(0xFEE0_0000L | (irq.pirq() & 0xff) << 12, rig.machine.guest("domU").cpu().mmioRead(entry, 4));
        assertEquals(0x0700, rig.machine.guest("domU").cpu().mmioRead(entry + 8, 4));
        // pci_msi_ignore_mask: the guest never wrote the mask bits; the reset mask is still there
        assertEquals(1, rig.machine.guest("domU").cpu().mmioRead(entry + 12, 4));
        // only vfio_msix_enable's set-up of vector 0: no unmask ever came
        assertEquals(1, pci.msixEventfdSets());
        pci.fire();
        d.deliver(1, 5_000);        // xen_is_pirq_msi: a pirq message is never masked, so it is injected
        assertEquals(irq.pirq(), d.msix().lastPirq());
        assertEquals(1, drv.handled());
    }
}
