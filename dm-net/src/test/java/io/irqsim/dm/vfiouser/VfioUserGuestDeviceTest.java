package io.irqsim.dm.vfiouser;

import io.irqsim.guest.linux.LinuxIrq;
import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.guest.linux.PciIrqMode;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioLoader;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hw.apic.LocalApic;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        return plug(pci, PciIrqMode.INTX);
    }

    /**
     * The default scenario; for MSI its guest without XENFEAT_hvm_pirqs (Xen 4.20's default; the
     * status-quo strategy's 4.18 toolstack gives one, and that MSI path is refused).
     */
    private VfioUserGuestDevice plug(final TestPciDevice pci, final PciIrqMode mode) throws IOException {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, pci);
        final Scenario scenario = mode != PciIrqMode.INTX ? ScenarioLoader.parse("guests: [{name: domU, hvmPirq: false}]\n", "msi.yaml",
            Strategies.names()) : Scenario.defaultScenario();
        final ScenarioMachine m = machine = ScenarioMachine.boot(scenario, Strategies.byName(Scenario.DEFAULT_STRATEGY));
        device = VfioUserGuestDevice.plug(m, "domU", VfioUserClient.connect(sock, 5_000), sock.toString(), 6, mode);
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

    @Test
    void guestEnablesMsiAndTheServersMsiReachesTheVectorTheGuestProgrammed() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsi();
        final VfioUserGuestDevice d = plug(pci, PciIrqMode.MSI);
        final int cap = TestPciDevice.MSI_CAP;
        // msi_capability_init's writes reached the server: enable bit, the APIC's MSI window with
        // the boot vCPU's APIC ID 0 as physical destination, upper address 0
        assertEquals(1, pci.config(cap + 2, 1) & 1);
        assertEquals(0xFEE0_0000, pci.config(cap + 4, 4));
        assertEquals(0, pci.config(cap + 8, 4));
        // pci_intx_for_msi(dev, 0) and pci_set_master, as the server sees the command register
        assertEquals(0x0406, pci.config(0x04, 2) & 0x0406);
        // vfio_msi_enable: one SET_IRQS of the MSI index with one eventfd
        assertEquals(1, pci.msiEventfdSets());
        assertTrue(pci.hasMsiEventfd());
        final int vector = pci.config(cap + 0x0c, 2) & 0xff;
        final NicTestDriver drv = machine.guest("domU").driver(new Bdf(0, 6, 0));
        final LinuxIrq irq = machine.guest("domU").irqs().byIrq(drv.irq());
        assertTrue(irq.isMsi());
        assertEquals(vector, irq.vector());
        final LocalApic lapic = machine.guest("domU").cpu().vlapic();
        final long acceptedBefore = lapic.acceptedCount();
        pci.fire();
        pci.fire();     // edge: the eventfd counts both, one wait takes them as one MSI
        d.deliver(1, 5_000);
        assertEquals(2, pci.msiRaised());
        assertEquals(1, d.msi().injected());
        assertEquals(1, d.msi().eois());
        assertEquals(vector, d.msi().lastVector());
        assertEquals(acceptedBefore + 1, lapic.acceptedCount());
        assertEquals(1, drv.handled());
        assertEquals(1, irq.handledCount());
        // no INTx went anywhere: the GSI was given back (pcibios_free_irq) and never asserted
        assertEquals(0, d.asserts());
        assertEquals(0, pci.intxRaised());
    }

    // not built: irqsim serve watches the INTx eventfd only; an MSI device says so instead of staying silent
    @Test
    void servingAnMsiDeviceSaysItsInterruptsAreNotServed() throws Exception {
        final VfioUserGuestDevice d = plug(TestPciDevice.withMsi(), PciIrqMode.MSI);
        final List<String> log = new ArrayList<>();
        final List<Runnable> tasks = new ArrayList<>();
        d.serveInterrupts(tasks::add, log::add);
        assertEquals(List.of(dir.resolve("dev.sock") + ": irq: msi devices are plugged but their interrupts are not"
            + " served under irqsim serve (docs/vfio-user.md); use irq: intx or irqsim run"), log);
        assertEquals(List.of(), tasks);
    }

    @Test
    void msiAskedOfADeviceWithoutAnMsiCapabilityIsRefusedAtThePlug() throws Exception {
        final IOException e = assertThrows(IOException.class, () -> plug(new TestPciDevice(), PciIrqMode.MSI));
        assertEquals("irq: msi, but the device has no MSI capability in its config space", e.getMessage());
    }

    @Test
    void msiInAGuestWithHvmPirqsCarriesThePirqAndArrivesAsItsEvent() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsi();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, pci);
        // the status-quo strategy's Xen 4.18 toolstack creates the guest with XEN_X86_EMU_USE_PIRQ
        machine = ScenarioMachine.boot(Scenario.defaultScenario(), Strategies.byName(Scenario.DEFAULT_STRATEGY));
        device = VfioUserGuestDevice.plug(machine, "domU", VfioUserClient.connect(sock, 5_000), sock.toString(), 6,
            PciIrqMode.MSI);
        final int cap = TestPciDevice.MSI_CAP;
        // xen_msi_compose_msg as the server saw it: the APIC window, the pirq in the destination ID
        // bits (7:0) and address bits 63:40, data vector 0 with ExtINT delivery
        final long address = pci.config(cap + 4, 4) & 0xffff_ffffL | (long) pci.config(cap + 8, 4) << 32;
        assertEquals(0xFEE0_0000L, address & 0xFFF0_0FFFL);
        assertEquals(0x0700, pci.config(cap + 0x0c, 2));
        final int pirq = (int) ((address >>> 32) & 0xffff_ff00L | (address >>> 12) & 0xff);
        final NicTestDriver drv = machine.guest("domU").driver(new Bdf(0, 6, 0));
        final LinuxIrq irq = machine.guest("domU").irqs().byIrq(drv.irq());
        assertTrue(irq.isMsi());
        assertEquals(pirq, irq.pirq());
        pci.fire();
        device.deliver(1, 5_000);
        assertEquals(1, device.msi().injected());
        assertEquals(pirq, device.msi().lastPirq());
        assertEquals(1, drv.handled());
        // hvm_inject_msi mapped the pirq as an emulated MSI the first time
        assertEquals(io.irqsim.hv.domain.Pirq.EMUIRQ_MSI_EMU,
            machine.guest("domU").domain().pirqs().get(pirq).emuirq());
    }

    @Test
    void guestWithoutMsiLeavesTheServersMsiIndexAlone() throws Exception {
        final TestPciDevice pci = TestPciDevice.withMsi();
        final VfioUserGuestDevice d = plug(pci, PciIrqMode.INTX);
        assertEquals(0, pci.msiEventfdSets());
        assertEquals(0, pci.config(TestPciDevice.MSI_CAP + 2, 1) & 1);
        pci.fire();
        d.deliver(1, 5_000);
        assertEquals(1, d.eois());
        assertEquals(1, pci.intxRaised());
    }
}
