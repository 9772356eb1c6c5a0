package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.MadtLocalApic;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** hvmloader's ACPI tables ({@link HvmFirmware}) and the HVM guest's Linux ({@link LinuxDomU}) on them. */
class HvmFirmwareTest {

    @Test
    void oneLocalApicPerVcpuWithApicId2n() {
        // hvmloader build_madt: LAPIC_ID(i) = 2 * i
        final AcpiTables t = HvmFirmware.tables(3);
        assertEquals(List.of(new MadtLocalApic(0, 0, true), new MadtLocalApic(1, 2, true),
            new MadtLocalApic(2, 4, true)), t.madt().localApics());
    }

    @Test
    void localApicIdsMatchTheVlapicsXenGivesTheVcpus() {
        // Xen's vlapic_reset: vCPU n gets APIC id 2n, the same numbering hvmloader describes
        final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_18);
        final Domain domU = xen.createDomain(DomainConfig.hvmGuest("g", 2));
        final List<MadtLocalApic> madt = HvmFirmware.tables(2).madt().localApics();
        for (int i = 0; i < 2; i++) {
            assertEquals(domU.vcpu(i).vlapic().apicId(), madt.get(i).apicId());
        }
    }

    @Test
    void oneIoApicAtTheDefaultAddressWithGsiBase0() {
        // hvmloader: IO-APIC id 0 at IOAPIC_BASE_ADDRESS 0xFEC00000, GSI base 0
        assertEquals(List.of(new MadtIoApic(0, IoApicRegisters.DEFAULT_BASE, 0)), HvmFirmware.tables(1).madt().ioApics());
    }

    @Test
    void overridesMoveIrq0ToGsi2AndMakeTheSciLevelLow() {
        // hvmloader build_madt: ISO IRQ0 -> GSI2 (conforming), ISO for the SCI (level, active-low)
        final AcpiTables t = HvmFirmware.tables(1);
        assertEquals(2, t.madt().overrides().size());
        final InterruptSourceOverride irq0 = t.madt().overrideFor(0);
        assertEquals(2, irq0.gsi());
        assertEquals(InterruptSourceOverride.CONFORMS, irq0.flags());
        final InterruptSourceOverride sci = t.madt().overrideTo(HvmFirmware.SCI_GSI);
        assertEquals(9, sci.source());
        assertEquals(IrqTrigger.LEVEL, sci.trigger());
        assertEquals(IrqPolarity.ACTIVE_LOW, sci.polarity());
        assertEquals(9, t.sciGsi());
    }

    @Test
    void prtRoutesDevices1To31PinsAToDLikeXen() {
        // hvmloader's _PRT in APIC mode == hvm_pci_intx_gsi(dev, intx); no link devices
        final AcpiTables t = HvmFirmware.tables(1);
        assertEquals(Set.of(0), t.prtByBus().keySet());
        assertTrue(t.links().isEmpty());
        final List<PrtEntry> prt = t.prt(0);
        assertEquals(31 * 4, prt.size());
        for (final PrtEntry e : prt) {
            assertFalse(e.isLink());
            assertTrue(e.device() >= 1 && e.device() <= 31, "no entry for the host bridge");
            assertEquals(HvmIrq.pciIntxGsi(e.device(), e.pin()), e.sourceIndex(), e.toString());
        }
        assertEquals(4, prt.stream().filter(e -> e.device() == 31).map(PrtEntry::pin).distinct().count());
    }

    @Test
    void prtGsisLieInThePciRangeOfThe48PinVioapic() {
        // VIOAPIC_NUM_PINS = 48: 16 ISA + 32 PCI
        for (final PrtEntry e : HvmFirmware.tables(1).prt(0)) {
            assertTrue(e.sourceIndex() >= 16 && e.sourceIndex() < IoApicRegisters.HVM_GUEST_PINS);
        }
    }

    // ------------------------------------------------------------------ LinuxDomU

    private static final class Guest {
        final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_18);
        final Domain domU = xen.createDomain(DomainConfig.hvmGuest("g", 1));
        final PciRoot pci = new PciRoot();
        final LinuxDomU kernel = new LinuxDomU(xen, domU, new Timeline(xen.platform().clock(), xen.trace()::recordCount),
            pci);
    }

    @Test
    void domUBootMasksAll48PinsAndEnablesTheLapic() {
        // setup_IO_APIC on hvmloader's MADT: one 48-pin vIO-APIC, every pin masked
        final Guest g = new Guest();
        final IoApic io = g.domU.vioapics().get(0);
        io.writeIndirect(IoApicRegisters.redtblLow(30), 0x8041);
        io.writeIndirect(IoApicRegisters.redtblLow(47), 0x0042);
        g.kernel.boot();
        for (int pin = 0; pin < 48; pin++) {
            assertEquals(Rte.MASKED, io.rte(pin), "pin " + pin);
        }
        assertTrue(g.domU.vcpu(0).vlapic().isSoftwareEnabled());
        assertSame(g.kernel, g.domU.kernel());
        assertEquals("g linux", g.kernel.actor());
    }

    @Test
    void domUHotplugRoutesTheDeviceThroughHvmloadersPrtAndRequestsTheIrq() {
        // acpi_pci_irq_enable in the guest: 00:05.0 INTA -> GSI hvm_pci_intx_gsi(5, 0) = 36, level/low;
        // the 48-pin vIO-APIC starts at GSI 0, so its irq domain is legacy and IRQ 36 is GSI 36
        final Guest g = new Guest();
        g.kernel.boot();
        final PciFunction f = new PciFunction(new Bdf(0, 5, 0), "nic", 0x8086, 0x100e, 0x020000, 1, HwTrace.NONE);
        final NicTestDevice nic = new NicTestDevice(f);
        f.configWrite(PciConfigRegisters.BAR0, 4, 0xF005_0000);
        g.domU.mapDirect(0xF005_0000L, NicTestDevice.BAR_SIZE, nic);
        g.pci.add(f);
        final NicTestDriver drv = g.kernel.hotplug(f);
        final int gsi = HvmIrq.pciIntxGsi(5, 0);
        assertEquals(36, gsi);
        assertEquals(36, drv.irq());
        assertEquals(gsi, g.kernel.dev(f.bdf()).gsi());
        final long rte = g.domU.vioapics().get(0).rte(gsi);
        assertFalse(Rte.isMasked(rte), "request_irq unmasked it");
        assertTrue(Rte.isLevel(rte));
        assertTrue(Rte.isActiveLow(rte));
        assertSame(drv, g.kernel.driver(f.bdf()));
        assertNull(g.kernel.driver(new Bdf(0, 6, 0)));
        assertEquals(List.of(drv), g.kernel.drivers());
    }
}
