package io.irqsim.dm.vfiouser;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioLoader;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hw.pci.PciConfigRegisters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MSI index of the test server against libvfio-user's SET_IRQS checks
 * ({@code lib/irq.c:device_set_irqs_validate}@efd091b), and the VMM's MSI disable as QEMU's
 * {@code vfio_msi_disable} / {@code vfio_msi_disable_common} do it.
 */
class VfioUserMsiTest {

    @TempDir
    Path dir;

    private VfioUserTestServer server;
    private VfioUserGuestDevice device;

    @AfterEach
    void stop() {
        if (device != null) {
            device.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private VfioUserClient connect(final TestPciDevice pci) throws IOException {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, pci);
        return VfioUserClient.connect(sock, 5_000);
    }

    @Test
    void setIrqsPastTheMsiCountIsEinvalAsLibvfioUserChecksStartPlusCount() throws Exception {
        try (VfioUserClient c = connect(TestPciDevice.withMsi());
             Eventfd a = Eventfd.create(); Eventfd b = Eventfd.create()) {
            assertEquals(1, c.irqInfo(VfioUser.IRQ_MSI).count());
            final VfioUserErrorReply e = assertThrows(VfioUserErrorReply.class,
                () -> c.setIrqEventfds(VfioUser.IRQ_MSI, 0, a, b));
            assertEquals(22, e.errno());
            c.setIrqEventfds(VfioUser.IRQ_MSI, 0, a);      // one vector: accepted
        }
    }

    @Test
    void setIrqsOfMsiOnADeviceWithoutMsiIsEinval() throws Exception {
        try (VfioUserClient c = connect(new TestPciDevice()); Eventfd a = Eventfd.create()) {
            assertEquals(0, c.irqInfo(VfioUser.IRQ_MSI).count());
            final VfioUserErrorReply e = assertThrows(VfioUserErrorReply.class,
                () -> c.setIrqEventfds(VfioUser.IRQ_MSI, 0, a));
            assertEquals(22, e.errno());
        }
    }

    @Test
    void guestDisablingMsiDisablesTheIndexAndRearmsIntx() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsi();
        final VfioUserClient c = connect(pci);
        final ScenarioMachine m = ScenarioMachine.boot(ScenarioLoader.parse("guests: [{name: domU, hvmPirq: false}]\n",
            "msi.yaml", Strategies.names()), Strategies.byName(Scenario.DEFAULT_STRATEGY));
        device = VfioUserGuestDevice.plug(m, "domU", c, dir.resolve("dev.sock").toString(), 6,
            io.irqsim.guest.linux.PciIrqMode.MSI);
        assertTrue(device.msi().isEnabled());
        final VfioUserConfigSpace f = device.config();
        final int flags = f.configRead(TestPciDevice.MSI_CAP + 2, 2);
        // the guest clears the enable bit (pci_msi_set_enable(dev, 0)) and lets INTx through again
        f.configWrite(TestPciDevice.MSI_CAP + 2, 2, flags & ~1);
        f.configWrite(PciConfigRegisters.COMMAND, 2,
            f.configRead(PciConfigRegisters.COMMAND, 2) & ~PciConfigRegisters.COMMAND_INTX_DISABLE);
        // vfio_msi_disable: SET_IRQS MSI count 0, then vfio_intx_enable hands the INTx eventfd back
        assertFalse(device.msi().isEnabled());
        assertEquals(1, pci.msiDisables());
        assertFalse(pci.hasMsiEventfd());
        final int before = pci.intxRaised();
        pci.fire();
        assertEquals(before + 1, pci.intxRaised());
        assertEquals(0, pci.msiRaised());
    }
}
