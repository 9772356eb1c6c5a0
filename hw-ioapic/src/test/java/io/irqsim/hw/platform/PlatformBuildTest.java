package io.irqsim.hw.platform;

import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.WireKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static io.irqsim.hw.platform.DefaultPlatform.NIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Platform#build}: inconsistent descriptions are refused with a message naming the problem
 * (docs/architecture.md: bad input gets a clear error), wiring gaps are reported as warnings, and the
 * machine-level helpers ({@link Platform#assignBar}, {@link Platform#describe}) do what their
 * comments say.
 */
class PlatformBuildTest {

    /** A mutable copy of the default description, changed by {@code edit} and rebuilt. */
    private static PlatformSpec variant(final Consumer<Parts> edit) {
        final PlatformSpec d = DefaultPlatform.spec();
        final Parts parts = new Parts(d);
        edit.accept(parts);
        return new PlatformSpec(parts.ioapics, parts.cpus, parts.pci, parts.intx, parts.isa, d.firmware(),
            d.directedEoi());
    }

    private static final class Parts {
        final List<PlatformSpec.IoApicSpec> ioapics;
        final List<PlatformSpec.CpuSpec> cpus;
        final List<PlatformSpec.PciDeviceSpec> pci;
        final List<PlatformSpec.IntxRoute> intx;
        final List<PlatformSpec.IsaRoute> isa;

        Parts(final PlatformSpec d) {
            ioapics = new ArrayList<>(d.ioapics());
            cpus = new ArrayList<>(d.cpus());
            pci = new ArrayList<>(d.pci());
            intx = new ArrayList<>(d.intxWiring());
            isa = new ArrayList<>(d.isaWiring());
        }
    }

    private static Platform build(final PlatformSpec spec) {
        return Platform.build(spec, new VirtualClock(), HwTrace.NONE);
    }

    private static String buildError(final PlatformSpec spec) {
        return assertThrows(IllegalArgumentException.class, () -> build(spec)).getMessage();
    }

    // ---------------------------------------------------------------- errors

    // ACPI 6.5 5.2.12.3: each I/O APIC's GSI range must be its own
    @Test
    void overlappingIoApicGsiRangesAreRefused() {
        final String msg = buildError(variant(s -> s.ioapics.add(
            new PlatformSpec.IoApicSpec(3, 0xFEC01000L, 16, 24, IoApicRegisters.VERSION_20))));
        assertTrue(msg.contains("IO-APIC id 3") && msg.contains("16..39") && msg.contains("overlaps"), msg);
    }

    // IoApicSpec.idBits: an id past 4 bits needs the 8-bit IOAPICID; the 4-bit part refuses it by name
    @Test
    void anIdAbove15NeedsTheEightBitId() {
        assertEquals("IO-APIC id 25 does not fit in 4 bits", buildError(variant(s -> s.ioapics.set(0,
            new PlatformSpec.IoApicSpec(25, IoApicRegisters.DEFAULT_BASE, 0, 24, IoApicRegisters.VERSION_20)))));
        final Platform p = build(variant(s -> s.ioapics.set(0,
            new PlatformSpec.IoApicSpec(25, IoApicRegisters.DEFAULT_BASE, 0, 24, IoApicRegisters.VERSION_20, 8))));
        assertEquals(25, p.ioapics().get(0).id());
        assertEquals(0x1900_0000L, IoApicRegisters.readIndirect(p.bus(0), IoApicRegisters.DEFAULT_BASE,
            IoApicRegisters.REG_ID));
        assertEquals(0x0200_0000L, IoApicRegisters.readIndirect(build(DefaultPlatform.spec()).bus(0),
            IoApicRegisters.DEFAULT_BASE, IoApicRegisters.REG_ID), "the default platform's IO-APIC: id 2, 4 bits");
    }

    @Test
    void adjacentIoApicGsiRangesAreFine() {
        final Platform p = build(variant(s -> s.ioapics.add(
            new PlatformSpec.IoApicSpec(3, 0xFEC01000L, 24, 16, IoApicRegisters.VERSION_11))));
        assertEquals(40, p.gsiCount());
        assertSame(p.ioapics().get(1), p.ioapicForGsi(24));
        assertEquals(8, p.wire(32).pin(), "GSI 32 is pin 8 of the second IO-APIC");
        assertSame(p.ioapics().get(1), p.bus(0).deviceAt(0xFEC01000L));
    }

    // Platform.ioapicForGsi: the IO-APIC whose pins cover the GSI, none in a gap between two
    // IO-APICs' ranges, below GSI 0 or past the last pin (the GSI-indexed table agrees with the ranges)
    @Test
    void gsiLookupFindsTheCoveringIoApicAndNoneInAGapOrOutside() {
        final Platform p = build(variant(s -> s.ioapics.add(
            new PlatformSpec.IoApicSpec(3, 0xFEC01000L, 32, 8, IoApicRegisters.VERSION_11))));
        final IoApic first = p.ioapics().get(0);
        final IoApic second = p.ioapics().get(1);
        assertSame(first, p.ioapicForGsi(0));
        assertSame(first, p.ioapicForGsi(23));
        for (int gsi = 24; gsi < 32; gsi++) {
            assertNull(p.ioapicForGsi(gsi), "GSI " + gsi + " lies in the gap");
        }
        assertSame(second, p.ioapicForGsi(32));
        assertSame(second, p.ioapicForGsi(39));
        assertNull(p.ioapicForGsi(40));
        assertNull(p.ioapicForGsi(-1));
        assertNull(p.ioapicForGsi(Integer.MAX_VALUE));
    }

    @Test
    void pciWiringToAGsiNoIoApicHasIsRefused() {
        final String msg = buildError(variant(s -> s.intx.add(new PlatformSpec.IntxRoute(7, 1, 40))));
        assertTrue(msg.contains("slot 7 INTA") && msg.contains("GSI 40") && msg.contains("no IO-APIC"), msg);
    }

    @Test
    void wiringIntoAGapBetweenIoApicsIsRefused() {
        final String msg = buildError(variant(s -> {
            s.ioapics.add(new PlatformSpec.IoApicSpec(3, 0xFEC01000L, 32, 8, IoApicRegisters.VERSION_20));
            s.intx.add(new PlatformSpec.IntxRoute(7, 1, 28));
        }));
        assertTrue(msg.contains("GSI 28") && msg.contains("no IO-APIC"), msg);
    }

    @Test
    void isaWiringToAGsiNoIoApicHasIsRefused() {
        final String msg = buildError(variant(s -> s.isa.add(new PlatformSpec.IsaRoute(2, 24, WireKind.ISA))));
        assertTrue(msg.contains("ISA IRQ 2") && msg.contains("GSI 24"), msg);
        final String bad = buildError(variant(s -> s.isa.add(new PlatformSpec.IsaRoute(16, 16, WireKind.ISA))));
        assertTrue(bad.contains("ISA IRQ 16") && bad.contains("0..15"), bad);
    }

    // an active-high ISA driver and open-drain PCI drivers cannot share one line
    @Test
    void aGsiWiredToBothAnIsaLineAndAPciLineIsRefused() {
        final String msg = buildError(variant(s -> s.isa.add(new PlatformSpec.IsaRoute(2, 16, WireKind.ISA))));
        assertTrue(msg.contains("GSI 16") && msg.contains("ISA IRQ 2") && msg.contains("PCI slot 3"), msg);
    }

    @Test
    void anActiveLowIsaLineMayShareAGsiWithPci() {
        final Platform p = build(variant(s -> s.intx.add(new PlatformSpec.IntxRoute(7, 1, 9))));
        assertSame(p.isaWire(9), p.wire(9));
        assertEquals(WireKind.PCI_INTX, p.wire(9).kind());
    }

    @Test
    void badIntxWiringEntriesAreRefused() {
        final String msg = buildError(variant(s -> s.intx.add(new PlatformSpec.IntxRoute(7, 5, 18))));
        assertTrue(msg.contains("slot 7 pin 5") && msg.contains("1..4"), msg);
        assertThrows(IllegalArgumentException.class,
            () -> build(variant(s -> s.intx.add(new PlatformSpec.IntxRoute(32, 1, 18)))));
    }

    @Test
    void aMachineWithoutCpusIsRefused() {
        final String msg = buildError(variant(s -> s.cpus.clear()));
        assertTrue(msg.contains("at least one CPU"), msg);
    }

    @Test
    void aMachineWithoutIoApicsIsRefused() {
        final String msg = buildError(variant(s -> s.ioapics.clear()));
        assertTrue(msg.contains("at least one IO-APIC"), msg);
    }

    @Test
    void aPciFunctionOnABusWithoutABridgeIsRefused() {
        final String msg = buildError(variant(s -> s.pci.add(
            new PlatformSpec.PciDeviceSpec("lost", new Bdf(2, 0, 0), 0x8086, 0x10d3, 0x020000, 1, -1))));
        assertTrue(msg.contains("02:00.0") && msg.contains("bus 2"), msg);
    }

    // ---------------------------------------------------------------- warnings

    @Test
    void aPciLineReachingAnUnwiredSlotIsAWarning() {
        final Platform p = build(variant(s -> s.pci.add(
            new PlatformSpec.PciDeviceSpec("orphan", new Bdf(0, 7, 0), 0x1af4, 0x1000, 0x020000, 2, -1))));
        assertEquals(1, p.warnings().size());
        final String w = p.warnings().get(0);
        assertTrue(w.contains("00:07.0 INTB") && w.contains("slot 7 INTB") && w.contains("no GSI"), w);
        assertNull(p.pci().function(new Bdf(0, 7, 0)).intxWire());
        assertTrue(p.describe().contains("warning: " + w));
        assertTrue(p.describe().contains("(not wired)"));
    }

    // the swizzle decides which root pin must be wired: remove the bridge slot's INTC and 01:02.0 is cut off
    @Test
    void anUnwiredSwizzledBridgePinIsAWarningForTheDeviceBehindIt() {
        final Platform p = build(variant(s -> s.intx.removeIf(r -> r.slot() == 0x1e && r.pin() == 3)));
        assertEquals(1, p.warnings().size());
        final String w = p.warnings().get(0);
        assertTrue(w.contains("01:02.0 INTA") && w.contains("slot 30 INTC"), w);
        assertNull(p.pci().function(DefaultPlatform.BEHIND_BRIDGE).intxWire());
    }

    // ---------------------------------------------------------------- BARs

    /** Remembers the last access it decoded. */
    private static final class Probe implements MmioDevice {
        long lastOffset = -1;
        long lastValue = -1;

        @Override
        public long read(final long offset, final int size) {
            lastOffset = offset;
            return 0xCAFE_0000L | offset;
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            lastOffset = offset;
            lastValue = value;
        }

        @Override
        public String name() {
            return "probe";
        }
    }

    // PCI 3.0 6.2.5.1: firmware programs the BAR; the device then decodes that window for every CPU
    @Test
    void assignBarProgramsTheBarAndMapsTheDeviceIntoEveryCpusBus() {
        final Platform p = build(DefaultPlatform.spec());
        final PciFunction nic = p.pci().function(NIC);
        final Probe probe = new Probe();
        nic.defineBar(0, 0x2_0000, false, probe);
        p.assignBar(nic, 0, 0xFEBC_0000L);
        assertEquals(0xFEBC_0000L, nic.barAddress(0));
        assertEquals(0xFEBC_0000, p.pci().configRead(NIC, PciConfigRegisters.BAR0, 4));
        for (int cpu = 0; cpu < p.cpuCount(); cpu++) {
            assertSame(probe, p.bus(cpu).deviceAt(0xFEBC_0000L));
            assertSame(probe, p.bus(cpu).deviceAt(0xFEBD_FFFFL));
            assertNull(p.bus(cpu).deviceAt(0xFEBE_0000L));
            assertEquals(0xCAFE_0010L, p.bus(cpu).read(0xFEBC_0010L, 4));
        }
        p.bus(1).write(0xFEBC_0100L, 4, 7);
        assertEquals(0x100, probe.lastOffset);
        assertEquals(7, probe.lastValue);
    }

    @Test
    void assignBarWithoutADeviceBehindItIsRefused() {
        final Platform p = build(DefaultPlatform.spec());
        final PciFunction nic = p.pci().function(NIC);
        final String msg = assertThrows(IllegalArgumentException.class, () -> p.assignBar(nic, 0, 0xFEBC_0000L))
            .getMessage();
        assertTrue(msg.contains("00:03.0") && msg.contains("BAR0"), msg);
        nic.defineBar(1, 0x1000, false, null);
        assertThrows(IllegalArgumentException.class, () -> p.assignBar(nic, 1, 0xFEBC_0000L));
        assertEquals(0, nic.barAddress(1));
    }

    // PCI 3.0 6.2.5.1: a BAR's address is naturally aligned to its size; firmware cannot place it elsewhere
    @Test
    void assignBarAtAnAddressTheBarCannotHoldIsRefusedAndChangesNothing() {
        final Platform p = build(DefaultPlatform.spec());
        final PciFunction nic = p.pci().function(NIC);
        final Probe probe = new Probe();
        nic.defineBar(0, 0x1000, false, probe);
        final String misaligned = assertThrows(IllegalArgumentException.class,
            () -> p.assignBar(nic, 0, 0xFEBC_0800L)).getMessage();
        assertTrue(misaligned.contains("0xfebc0800") && misaligned.contains("BAR0"), misaligned);
        assertThrows(IllegalArgumentException.class, () -> p.assignBar(nic, 0, 0x1_0000_0000L),
            "a 32-bit BAR cannot hold an address above 4 GiB");
        assertEquals(0, nic.barAddress(0));
        assertNull(p.bus(0).deviceAt(0xFEBC_0000L));
        assertNull(p.bus(0).deviceAt(0xFEBC_0800L));
    }

    // PCI 3.0 6.2.5.1: bit 0 set = I/O space; such a BAR decodes port I/O, not memory
    @Test
    void assignBarOfAnIoBarIsRefused() {
        final Platform p = build(DefaultPlatform.spec());
        final PciFunction nic = p.pci().function(NIC);
        nic.defineBar(2, 0x40, true, new Probe());
        final String msg = assertThrows(IllegalArgumentException.class, () -> p.assignBar(nic, 2, 0xC000L))
            .getMessage();
        assertTrue(msg.contains("BAR2") && msg.contains("I/O"), msg);
        assertEquals(0, nic.barAddress(2));
        assertNull(p.bus(0).deviceAt(0xC000L));
    }

    @Test
    void assignBarOverlappingTheIoApicWindowIsRefusedAndChangesNothing() {
        final Platform p = build(DefaultPlatform.spec());
        final PciFunction nic = p.pci().function(NIC);
        nic.defineBar(0, 0x1000, false, new Probe());
        final String msg = assertThrows(IllegalArgumentException.class,
            () -> p.assignBar(nic, 0, 0xFEC0_0000L)).getMessage();
        assertTrue(msg.contains("overlaps"), msg);
        assertEquals(0, nic.barAddress(0));
        assertSame(p.ioapics().get(0), p.bus(0).deviceAt(0xFEC0_0000L));
    }

    // ---------------------------------------------------------------- describe

    @Test
    void describeMentionsEveryDeviceAndWhereItsInterruptGoes() {
        final Platform p = build(DefaultPlatform.spec());
        final String text = p.describe();
        for (final PciFunction f : p.pci().functions()) {
            assertTrue(text.contains(f.bdf() + " " + f.name()), "mentions " + f.bdf() + " " + f.name() + ":\n" + text);
        }
        assertTrue(text.contains("CPUs: 2 (APIC ids 0 1)"), text);
        assertTrue(text.contains("IO-APIC 0: id 2, version 0x20, 24 pins, GSI 0-23, at 0xfec00000"), text);
        assertTrue(lineOf(text, "00:03.0").contains("INTA -> gsi16"), text);
        assertTrue(lineOf(text, "00:05.0").contains("INTA -> gsi17"), text);
        assertTrue(lineOf(text, "01:02.0").contains("INTA -> gsi22"), text);
        assertTrue(lineOf(text, "00:1e.0").contains("bridge to bus 1"), text);
        assertTrue(text.contains("ISO IRQ0->GSI2 edge/high"), text);
        assertTrue(text.contains("ISO IRQ9->GSI9 level/low"), text);
        assertTrue(text.contains("LNKA _PRS=[16] _CRS=16 level/low shared"), text);
        assertTrue(text.contains("SCI GSI 9"), text);
        assertFalse(text.contains("warning"), text);
    }

    private static String lineOf(final String text, final String bdf) {
        for (final String line : text.split("\n")) {
            if (line.trim().startsWith(bdf)) {
                return line;
            }
        }
        return "";
    }
}
