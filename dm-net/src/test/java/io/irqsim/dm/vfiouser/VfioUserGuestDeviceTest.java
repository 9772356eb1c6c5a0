package io.irqsim.dm.vfiouser;

import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The repository's vfio-user test device plugged into an in-process machine (the default
 * scenario's HVM guest, slot 6), as {@code irqsim run} does for a {@code guests[].vfioUser} entry.
 */
class VfioUserGuestDeviceTest {

    @TempDir
    Path dir;

    private VfioUserTestServer server;
    private VfioUserGuestDevice device;
    private ScenarioMachine machine;

    @AfterEach
    void stop() {
        if (device != null) {
            device.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private VfioUserGuestDevice plug(final TestPciDevice pci) throws IOException {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, pci);
        final ScenarioMachine m = machine = ScenarioMachine.boot(Scenario.defaultScenario(),
            Strategies.byName(Scenario.DEFAULT_STRATEGY));
        device = VfioUserGuestDevice.plug(m, "domU", VfioUserClient.connect(sock, 5_000), sock.toString(), 6);
        return device;
    }

    @Test
    void guestEoiDeassertsAndUnmasksSoAStillPendingInterruptFiresAgain() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserGuestDevice d = plug(pci);
        pci.fire();
        // hvm_pci_intx_gsi(6, INTA) = ((6 << 2) + (6 >> 3) + 0) % 32 + 16
        assertEquals(40, d.gsi());
        d.deliver(1, 5_000);
        assertEquals(1, d.asserts());
        assertEquals(1, d.eois());
        // the driver ACKed it through REGION_WRITE, and the EOI's UNMASK rearmed the line
        assertFalse(pci.intxMasked());
        assertEquals(1, pci.intxRaised());
    }

    @Test
    void hotPluggedFunctionGetsADriverOnTheSlotsIntxGsi() throws Exception {
        final VfioUserGuestDevice d = plug(new TestPciDevice());
        assertEquals(TestPciDevice.VENDOR, d.function().vendorId());
        assertEquals(1, d.function().pin());
        // the guest's driver bound at 00:06.0 and requested the INTx on GSI 40 (Linux IRQ = GSI)
        final NicTestDriver drv = machine.guest("domU").driver(new Bdf(0, 6, 0));
        assertNotNull(drv);
        assertEquals(40, drv.irq());
        assertEquals(0, drv.handled());
        d.deliver(0, 5_000);    // nothing to wait for
        assertEquals(0, d.asserts());
    }

    @Test
    void aSilentServerFailsTheDeliveryWithTheCount() throws Exception {
        final VfioUserGuestDevice d = plug(new TestPciDevice());
        final IOException e = assertThrows(IOException.class, () -> d.deliver(1, 20));
        assertEquals(dir.resolve("dev.sock") + ": no interrupt from the server within 20 ms (0 of 1 EOId)",
            e.getMessage());
    }

    // under irqsim serve the machine runs on its own: IntxWatcher hands each firing of the eventfd
    // to the machine's thread (QEMU's main loop runs vfio_intx_interrupt as the eventfd's handler),
    // which asserts; the guest's EOI deasserts and unmasks as under deliver
    @Test
    void servedInterruptsAreHandedToTheMachinesThreadAndAssertedThere() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserGuestDevice d = plug(pci);
        final BlockingQueue<Runnable> machineThread = new LinkedBlockingQueue<>();
        final List<String> failures = new ArrayList<>();
        d.serveInterrupts(machineThread::add, failures::add);
        pci.fire();
        final Runnable fired = machineThread.poll(10, TimeUnit.SECONDS);
        assertNotNull(fired, "the server's interrupt reached the watcher");
        assertEquals(0, d.asserts(), "nothing is asserted off the machine's thread");
        fired.run();
        assertEquals(1, d.asserts());
        // the guest handles it (as virtual time passes, if need be), EOIs, and the EOI unmasks the server's INTx
        for (int i = 0; i < 200 && d.eois() == 0; i++) {
            machine.xen().advanceTime(10_000);
        }
        assertEquals(1, d.eois());
        assertFalse(pci.intxMasked());
        assertEquals(List.of(), failures);
        assertEquals(1, machine.guest("domU").driver(new Bdf(0, 6, 0)).handled());
    }

    // QEMU resets a hot-plugged vfio-user-pci device (device_set_realized -> vfio_user_pci_reset ->
    // DEVICE_RESET): an interrupt the device had pending before the plug is gone
    @Test
    void plugResetsTheDeviceBeforeHandingItTheEventfdAsQemuResetsAHotPluggedDevice() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        pci.fire();
        final VfioUserGuestDevice d = plug(pci);
        assertEquals(1, pci.resets());
        assertEquals(0, pci.intxRaised(), "the pending interrupt did not survive the reset");
        final IOException e = assertThrows(IOException.class, () -> d.deliver(1, 20));
        assertEquals(dir.resolve("dev.sock") + ": no interrupt from the server within 20 ms (0 of 1 EOId)",
            e.getMessage());
    }
}
