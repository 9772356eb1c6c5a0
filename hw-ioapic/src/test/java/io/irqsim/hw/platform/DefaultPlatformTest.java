package io.irqsim.hw.platform;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.MadtLocalApic;
import io.irqsim.hw.firmware.PciLinkDevice;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciBridge;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.wire.IrqWire;
import io.irqsim.hw.wire.WireKind;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.irqsim.hw.platform.DefaultPlatform.BEHIND_BRIDGE;
import static io.irqsim.hw.platform.DefaultPlatform.BRIDGE;
import static io.irqsim.hw.platform.DefaultPlatform.NIC;
import static io.irqsim.hw.platform.DefaultPlatform.SHARED_A;
import static io.irqsim.hw.platform.DefaultPlatform.SHARED_B;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The facts {@link DefaultPlatform}'s class comment promises, checked on the built machine, mostly
 * through the CPU's view of MMIO (82093AA register map; Intel SDM local APIC register map) and the
 * firmware tables (ACPI 6.5, 5.2.12 MADT and 6.2.13 _PRT).
 */
class DefaultPlatformTest {

    private final Machine m = new Machine();
    private final Platform p = m.platform;

    // ---------------------------------------------------------------- interrupt controllers

    // the MADT flags Linux's acpi_parse_madt (arch/x86/kernel/acpi/boot.c@v6.12) hands to legacy_pic_pcat_compat:
    // the default machine is a PC, with PCAT_COMPAT set
    @Test
    void madtFlagsSayPcatCompat() {
        assertTrue(DefaultPlatform.spec().firmware().pcatCompat());
        assertTrue(p.firmware().madt().pcatCompat());
    }

    @Test
    void hasOneIoApicWithId2Version0x20And24PinsAt0xFEC00000() {
        assertEquals(1, p.ioapics().size());
        final IoApic io = p.ioapics().get(0);
        assertEquals(0xFEC00000L, p.ioapicAddress(0));
        assertEquals(0, io.gsiBase());
        assertEquals(24, p.gsiCount());
        // 82093AA: IOAPICID bits 27:24; IOAPICVER bits 7:0 version, 23:16 maximum redirection entry
        assertEquals(0x0200_0000, m.readIndirect(0x00));
        assertEquals(0x0017_0020, m.readIndirect(0x01));
        assertSame(io, p.ioapicForGsi(0));
        assertSame(io, p.ioapicForGsi(23));
        assertNull(p.ioapicForGsi(24));
    }

    @Test
    void hasTwoCpusWithApicIds0And1() {
        assertEquals(2, p.cpuCount());
        assertEquals(0, p.lapic(0).apicId());
        assertEquals(1, p.lapic(1).apicId());
        assertEquals(List.of(new MadtLocalApic(0, 0, true), new MadtLocalApic(1, 1, true)),
            p.firmware().madt().localApics());
        assertEquals(List.of(new MadtIoApic(2, 0xFEC00000L, 0)), p.firmware().madt().ioApics());
    }

    // QEMU/KVM reset and the 82093AA: every redirection entry comes up masked (0x00010000), nothing else set
    @Test
    void everyRedirectionEntryIsMaskedAtBoot() {
        assertTrue(p.allEntriesReset());
        for (int gsi = 0; gsi < 24; gsi++) {
            assertEquals(Rte.RESET, m.readEntry(gsi), "GSI " + gsi);
        }
        m.program(5, Machine.entry(0x40, false, false, 0));
        assertFalse(p.allEntriesReset());
    }

    // Intel SDM: every CPU sees its own local APIC at 0xFEE00000
    @Test
    void theLapicPageIsPerCpu() {
        assertEquals(0x0000_0000L, p.bus(0).read(0xFEE00020L, 4));
        assertEquals(0x0100_0000L, p.bus(1).read(0xFEE00020L, 4), "CPU 1's bus reads APIC ID 1");
        p.bus(1).write(0xFEE00080L, 4, 0x20); // TPR on CPU 1 only
        assertEquals(0x20, p.lapic(1).tpr());
        assertEquals(0, p.lapic(0).tpr());
        assertSame(p.lapic(0), p.bus(0).deviceAt(0xFEE00000L));
        assertSame(p.lapic(1), p.bus(1).deviceAt(0xFEE00000L));
    }

    @Test
    void theIoApicWindowIsSharedByEveryCpu() {
        p.bus(1).write(Machine.IOREGSEL, 4, 0x01);
        assertEquals(0x0017_0020L, p.bus(1).read(Machine.IOWIN, 4));
        assertSame(p.bus(0).deviceAt(0xFEC00000L), p.bus(1).deviceAt(0xFEC00000L));
    }

    // the IO-APIC decodes a 256-byte window (IoApic class comment); above it nobody answers: all ones
    @Test
    void addressesBeyondTheIoApicWindowReadAllOnes() {
        assertEquals(0xFFFF_FFFFL, p.bus(0).read(0xFEC00100L, 4));
        assertEquals(0xFFFF_FFFFL, p.bus(1).read(0xFEC00FFCL, 4));
        assertEquals(0xFFL, p.bus(0).read(0xFEC00110L, 1));
        assertFalse(p.bus(0).write(0xFEC00110L, 4, 0x12345678L), "a write there is dropped");
        assertEquals(0L, p.bus(0).read(0xFEC000F0L, 4), "inside the window an undefined offset reads 0");
    }

    // ---------------------------------------------------------------- PCI and its real wiring

    @Test
    void nicIsWiredToGsi16() {
        final PciFunction nic = p.pci().function(NIC);
        assertEquals("nic", nic.name());
        assertEquals(1, nic.interruptPin());
        assertSame(p.wire(16), nic.intxWire());
        assertEquals(16, p.wire(16).pin());
        assertSame(p.ioapics().get(0), p.wire(16).ioapic());
        assertEquals(WireKind.PCI_INTX, p.wire(16).kind());
        assertTrue(p.wire(16).electricalHigh(), "idle PCI line pulled high");
        assertTrue(p.ioapics().get(0).input(16));
    }

    @Test
    void twoDevicesShareGsi17() {
        final IrqWire w17 = p.wire(17);
        assertSame(w17, p.pci().function(SHARED_A).intxWire());
        assertSame(w17, p.pci().function(SHARED_B).intxWire());
        assertEquals(2, w17.driverCount());
        assertEquals(List.of("00:04.0", "00:05.0"), List.of(w17.driverName(0), w17.driverName(1)));
    }

    // PCI-to-PCI Bridge Arch 1.2 table 9-1: 01:02.0 INTA -> bridge 00:1e.0 INTC -> GSI 22
    @Test
    void deviceBehindTheBridgeIsSwizzledToIntcAndGsi22() {
        final PciBridge bridge = (PciBridge) p.pci().function(BRIDGE);
        assertEquals(1, bridge.secondaryBus());
        assertSame(bridge, p.pci().bridgeFor(1));
        final PciFunction nic1 = p.pci().function(BEHIND_BRIDGE);
        assertArrayEquals(new int[] {0x1e, 3}, p.rootSlotAndPin(nic1));
        assertSame(p.wire(22), nic1.intxWire());
        assertArrayEquals(new int[] {3, 1}, p.rootSlotAndPin(p.pci().function(NIC)));
    }

    @Test
    void theHostBridgeAndPciToPciBridgeHaveNoIntx() {
        assertNull(p.pci().function(new Bdf(0, 0, 0)).intxWire());
        assertNull(p.pci().function(BRIDGE).intxWire());
        assertEquals(6, p.pci().functions().size());
        assertEquals(0xFFFF, p.pci().configRead(new Bdf(0, 6, 0), 0, 2), "an empty slot reads vendor 0xFFFF");
    }

    // ---------------------------------------------------------------- ISA wiring

    // real wiring: the PIT (IRQ0) reaches IO-APIC pin 2; IRQ2 is the cascade and has no line of its own
    @Test
    void isaIrq0IsReallyWiredToGsi2() {
        assertSame(p.wire(2), p.isaWire(0));
        assertEquals(2, p.isaWire(0).pin());
        assertEquals(WireKind.ISA, p.isaWire(0).kind());
        assertNull(p.isaWire(2));
        assertSame(p.wire(4), p.isaWire(4));
        assertEquals(WireKind.ISA, p.isaWire(4).kind());
        assertNull(p.isaWire(16));
        assertNull(p.isaWire(-1));
    }

    // the ACPI SCI (IRQ9) is a shared, level, active-low line
    @Test
    void isaIrq9IsAnActiveLowSharedLine() {
        assertEquals(WireKind.PCI_INTX, p.isaWire(9).kind());
        assertTrue(p.isaWire(9).electricalHigh());
        assertEquals(9, p.firmware().sciGsi());
    }

    // ---------------------------------------------------------------- firmware

    // ACPI 6.5 5.2.12.5: IRQ0 -> GSI2 conforming (edge/high); IRQ9 level, active low
    @Test
    void madtHasTheIrq0AndIrq9Overrides() {
        final InterruptSourceOverride irq0 = p.firmware().madt().overrideFor(0);
        assertNotNull(irq0);
        assertEquals(2, irq0.gsi());
        assertEquals(0, irq0.flags(), "conforms to ISA");
        assertEquals(IrqTrigger.EDGE, irq0.trigger());
        assertEquals(IrqPolarity.ACTIVE_HIGH, irq0.polarity());
        final InterruptSourceOverride irq9 = p.firmware().madt().overrideFor(9);
        assertEquals(9, irq9.gsi());
        assertEquals(IrqTrigger.LEVEL, irq9.trigger());
        assertEquals(IrqPolarity.ACTIVE_LOW, irq9.polarity());
        assertEquals(2, p.firmware().madt().overrides().size());
        assertSame(irq0, p.firmware().madt().overrideTo(2));
    }

    @Test
    void lnkaRoutesTheNicToGsi16() {
        final PciLinkDevice lnka = p.firmware().link("LNKA");
        assertEquals(16, lnka.crs());
        assertEquals(List.of(16), lnka.prs());
        assertEquals(IrqTrigger.LEVEL, lnka.trigger());
        assertEquals(IrqPolarity.ACTIVE_LOW, lnka.polarity());
        assertTrue(lnka.shareable());
        assertTrue(lnka.extended());
        assertEquals(1, p.firmware().links().size());
    }

    @Test
    void bus0PrtDescribesTheRealWiringAndBus1HasNone() {
        final List<PrtEntry> prt0 = p.firmware().prt(0);
        assertEquals(7, prt0.size());
        assertTrue(prt0.contains(PrtEntry.toLink(3, 0, "LNKA")));
        assertTrue(prt0.contains(PrtEntry.toGsi(4, 0, 17)));
        assertTrue(prt0.contains(PrtEntry.toGsi(5, 0, 17)));
        assertTrue(prt0.contains(PrtEntry.toGsi(0x1e, 2, 22)));
        assertNull(p.firmware().prt(1), "bus 1 has no _PRT: an OS must swizzle");
    }

    @Test
    void buildsWithoutWarnings() {
        assertEquals(List.of(), p.warnings());
        assertSame(m.clock, p.clock());
        assertTrue(p.spec().directedEoi());
    }
}
