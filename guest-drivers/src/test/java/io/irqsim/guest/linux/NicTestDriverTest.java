package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.ioreq.IoreqCompletion;
import io.irqsim.hv.ioreq.IoreqDevice;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver of the NIC-like test device, as any shared-INTx PCI driver's handler works: read the
 * status through the BAR, {@code IRQ_NONE} if idle, else acknowledge and {@code IRQ_HANDLED}.
 */
class NicTestDriverTest {

    // ------------------------------------------------------------------ dom0's own devices (physical lines)

    private static TestRig dom0With(final Bdf... own) {
        return TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            List.of(own));
    }

    @Test
    void handlerAcknowledgesItsDevicesInterrupt() {
        // irq handler: read status, write ACK (the device releases INTx), return IRQ_HANDLED
        final TestRig r = dom0With(DefaultPlatform.SHARED_A);
        final NicTestDevice dev = r.devices.get(DefaultPlatform.SHARED_A);
        final NicTestDriver drv = r.dom0.drivers().get(0);
        dev.raise();
        r.xen.drain();
        assertEquals(1, drv.handled());
        assertEquals(0, drv.notMine());
        assertEquals(1, dev.acked());
        assertFalse(dev.isPending());
        assertFalse(dev.function().isDrivingIntx());
        final LinuxIrq irq = r.dom0.irqs().byIrq(drv.irq());
        assertEquals(1, irq.handledCount());
        assertEquals(0, irq.unhandledCount());
    }

    @Test
    void theNextInterruptArrivesAfterTheEoi() {
        // ioapic_ack_level / Xen's EOI forwarding: the level line is re-armed for the next interrupt
        final TestRig r = dom0With(DefaultPlatform.SHARED_A);
        final NicTestDevice dev = r.devices.get(DefaultPlatform.SHARED_A);
        for (int i = 0; i < 3; i++) {
            dev.raise();
            r.xen.drain();
            r.xen.advanceTime(10_000);
        }
        assertEquals(3, r.dom0.drivers().get(0).handled());
        assertEquals(3, dev.acked());
        assertFalse(r.d0.vcpu(0).isBlocked());
    }

    @Test
    void handlerSaysNotMineWhenItsDeviceIsIdleOnASharedLine() {
        // shared INTx (IRQF_SHARED): every handler runs; the idle device's driver returns IRQ_NONE
        final TestRig r = dom0With(DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_B);
        final NicTestDriver a = r.dom0.drivers().get(0);
        final NicTestDriver b = r.dom0.drivers().get(1);
        assertEquals(a.irq(), b.irq());
        r.devices.get(DefaultPlatform.SHARED_A).raise();
        r.xen.drain();
        assertEquals(1, a.handled());
        assertEquals(1, b.notMine());
        assertEquals(0, b.handled());
        final LinuxIrq irq = r.dom0.irqs().byIrq(a.irq());
        assertEquals(1, irq.handledCount(), "one handler claimed it: the interrupt counts as handled");
        assertEquals(0, irq.unhandledCount());
        r.devices.get(DefaultPlatform.SHARED_B).raise();
        r.xen.drain();
        assertEquals(1, b.handled());
        assertEquals(1, a.notMine());
    }

    @Test
    void anInterruptNoHandlerClaimsIsCountedUnhandled() {
        // note_interrupt: every handler returned IRQ_NONE
        final TestRig r = dom0With(DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_B);
        final LinuxIrq irq = r.dom0.irqs().byIrq(r.dom0.drivers().get(0).irq());
        r.dom0.interrupt(r.d0.vcpu(0), irq.vector());
        assertEquals(1, irq.unhandledCount());
        assertEquals(1, r.dom0.drivers().get(0).notMine());
        assertEquals(1, r.dom0.drivers().get(1).notMine());
        assertEquals(1, r.dom0.unhandledInterrupts());
        assertFalse(r.d0.vcpu(0).isBlocked());
    }

    // dom0 drives its own devices with this driver but requests each irq under the platform's name for the device
    // (what /proc/interrupts would show of its real driver), not "nic-test"
    @Test
    void dom0RequestsItsDevicesIrqsUnderTheirPlatformNames() {
        final TestRig r = dom0With(DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_B);
        assertEquals(1, r.linesContaining("request_irq(17, \"ahci 00:04.0\") = 0"));
        assertEquals(1, r.linesContaining("request_irq(17, \"uhci 00:05.0\") = 0"));
        assertEquals(0, r.linesContaining("\"nic-test "));
    }

    @Test
    void aVectorWithNoIrqIsSpurious() {
        // do_IRQ: "No irq handler for vector"
        final TestRig r = dom0With();
        r.dom0.interrupt(r.d0.vcpu(0), 0xEE);
        assertEquals(1, r.dom0.spuriousVectors());
        assertEquals(1, r.dom0.unhandledInterrupts());
    }

    @Test
    void aDeviceWithoutInterruptRunsWithoutIrq() {
        // probe: no INTx routing -> the driver runs without an irq (irq 0), nothing requested
        final TestRig r = TestRig.booted(Specs.withPrt(DefaultPlatform.spec(), java.util.Map.of()),
            XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY, List.of(DefaultPlatform.SHARED_A));
        assertEquals(0, r.dom0.drivers().get(0).irq());
        assertEquals(1, r.linesContaining("ahci 00:04.0: no interrupt (0), running without one"));
    }

    // ------------------------------------------------------------------ an HVM guest's device behind a device model

    private static final int SLOT = 5;
    private static final long GADDR = 0xF005_0000L;

    /**
     * The NIC behind an ioreq server: accesses complete only when the test answers them, and its
     * INTx is the guest's virtual INTx (as a device model drives it with {@code set_pci_intx_level}).
     */
    private static final class DeviceModelNic implements IoreqDevice {
        final NicTestDevice nic;
        final Domain dom;
        final Deque<Runnable> pending = new ArrayDeque<>();

        DeviceModelNic(final NicTestDevice nic, final Domain dom) {
            this.nic = nic;
            this.dom = dom;
        }

        void raise() {
            nic.raise();
            dom.hvmIrq().pciIntxAssert(SLOT, 0);
        }

        private void syncIntx() {
            if (!nic.isPending()) {
                dom.hvmIrq().pciIntxDeassert(SLOT, 0);
            }
        }

        @Override
        public long read(final long offset, final int size) {
            return nic.read(offset, size);
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            nic.write(offset, size, value);
            syncIntx();
        }

        @Override
        public void readAsync(final Vcpu vcpu, final long offset, final int size, final IoreqCompletion done) {
            pending.add(() -> done.complete(nic.read(offset, size)));
        }

        @Override
        public void writeAsync(final Vcpu vcpu, final long offset, final int size, final long value,
                               final IoreqCompletion done) {
            pending.add(() -> {
                write(offset, size, value);
                done.complete(0);
            });
        }

        void answer() {
            pending.poll().run();
        }
    }

    private static final class Guest {
        final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_18);
        final Domain domU = xen.createDomain(DomainConfig.hvmGuest("g", 1));
        final PciRoot pci = new PciRoot();
        final LinuxDomU kernel = new LinuxDomU(xen, domU, new Timeline(xen.platform().clock(), xen.trace()::recordCount),
            pci);
        final PciFunction f = new PciFunction(new Bdf(0, SLOT, 0), "nic", 0x8086, 0x100e, 0x020000, 1, HwTrace.NONE);
        final NicTestDevice nic = new NicTestDevice(f);

        Guest() {
            kernel.boot();
            f.configWrite(PciConfigRegisters.BAR0, 4, (int) GADDR);
            pci.add(f);
        }
    }

    @Test
    void localDeviceCompletesTheAsyncAccessesAtOnce() {
        // a passed-through BAR (no trap): mmioReadAsync/mmioWriteAsync complete before they return.
        // The INTx line follows the device (it drops when the driver acks): Xen's vIO-APIC re-delivers a
        // still-asserted level line on every EOI with no storm guard (vioapic_update_EOI)
        final Guest g = new Guest();
        final DeviceModelNic line = new DeviceModelNic(g.nic, g.domU);
        g.domU.mapDirect(GADDR, NicTestDevice.BAR_SIZE, line);
        final NicTestDriver drv = g.kernel.hotplug(g.f);
        line.raise();
        g.xen.drain();
        assertEquals(1, drv.handled());
        assertEquals(1, g.nic.acked());
        assertFalse(g.domU.vcpu(0).isBlocked());
        assertEquals(0, g.domU.vcpu(0).ioreqsInFlight());
    }

    @Test
    void deviceModelDeviceStallsTheVcpuUntilItAnswersThenTheEoiFollows() {
        // the vCPU waits on each ioreq (IOREQ_STATE_IORESP_READY); the handler finishes, then the LAPIC EOI
        final Guest g = new Guest();
        final DeviceModelNic dm = new DeviceModelNic(g.nic, g.domU);
        g.domU.mapEmulated(GADDR, NicTestDevice.BAR_SIZE, dm);
        final NicTestDriver drv = g.kernel.hotplug(g.f);
        final int gsi = HvmIrq.pciIntxGsi(SLOT, 0);
        final Vcpu cpu = g.domU.vcpu(0);

        dm.raise();
        g.xen.drain();
        assertTrue(cpu.isBlocked(), "stalled on the status read");
        assertEquals(1, cpu.ioreqsInFlight());
        assertEquals(0, drv.handled());
        assertTrue(Rte.remoteIrr(g.domU.vioapics().get(0).rte(gsi)), "not EOI'd yet");

        dm.answer(); // the status read: pending -> the handler writes ACK, another ioreq
        assertTrue(cpu.isBlocked());
        assertEquals(1, cpu.ioreqsInFlight());
        assertEquals(0, drv.handled());
        assertEquals(0, g.nic.acked());

        dm.answer(); // the ACK write: the device releases INTx, the handler returns IRQ_HANDLED, EOI
        assertEquals(1, drv.handled());
        assertEquals(1, g.nic.acked());
        assertFalse(cpu.isBlocked());
        assertEquals(0, cpu.ioreqsInFlight());
        assertFalse(Rte.remoteIrr(g.domU.vioapics().get(0).rte(gsi)), "the EOI cleared Remote IRR");
        assertTrue(dm.pending.isEmpty());
    }

    @Test
    void deviceModelDeviceThatIsIdleIsNotMine() {
        // IRQ_NONE after the (asynchronous) status read finds nothing pending
        final Guest g = new Guest();
        final DeviceModelNic dm = new DeviceModelNic(g.nic, g.domU);
        g.domU.mapEmulated(GADDR, NicTestDevice.BAR_SIZE, dm);
        final NicTestDriver drv = g.kernel.hotplug(g.f);
        g.kernel.interrupt(g.domU.vcpu(0), g.kernel.irqs().byIrq(drv.irq()).vector());
        assertTrue(g.domU.vcpu(0).isBlocked());
        dm.answer();
        assertEquals(1, drv.notMine());
        assertEquals(0, drv.handled());
        assertFalse(g.domU.vcpu(0).isBlocked());
        assertEquals(1, g.kernel.unhandledInterrupts());
    }
}
