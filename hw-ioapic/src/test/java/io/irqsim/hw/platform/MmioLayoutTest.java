package io.irqsim.hw.platform;

import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Where a machine's MMIO windows sit and which overlap ({@link MmioLayout}), and {@link Platform#build}
 * refusing an overlap or a GSI past the limit in words instead of a bus mapping error: an IO-APIC in a
 * device's BAR slot (the Jazzer scenario-loader finding), on another IO-APIC, on the local APIC page, a
 * BAR window that outgrows the hole below the local APIC.
 */
class MmioLayoutTest {

    private static PlatformSpec withIoApics(final List<PlatformSpec.IoApicSpec> ioapics) {
        final PlatformSpec d = DefaultPlatform.spec();
        return new PlatformSpec(ioapics, d.cpus(), d.pci(), d.intxWiring(), d.isaWiring(), d.firmware(), d.directedEoi());
    }

    private static PlatformSpec.IoApicSpec ioapic(final int id, final long address, final int gsiBase) {
        return new PlatformSpec.IoApicSpec(id, address, gsiBase, 24, IoApicRegisters.VERSION_20);
    }

    /**
     * The default platform with {@code extra} more endpoints with an interrupt pin behind its bridge, from 01:03.0
     * up: in PCI order they come after its own four (00:03.0, 00:04.0, 00:05.0, 01:02.0).
     */
    private static PlatformSpec withEndpoints(final int extra, final List<PlatformSpec.IoApicSpec> ioapics) {
        final PlatformSpec d = DefaultPlatform.spec();
        final List<PlatformSpec.PciDeviceSpec> pci = new ArrayList<>(d.pci());
        for (int i = 0; i < extra; i++) {
            pci.add(new PlatformSpec.PciDeviceSpec("e" + i, new Bdf(1, 3 + i / 8, i % 8), 0x8086, 0x100e, 0x020000, 1,
                -1));
        }
        return new PlatformSpec(ioapics, d.cpus(), pci, d.intxWiring(), d.isaWiring(), d.firmware(), d.directedEoi());
    }

    private static String buildError(final PlatformSpec spec) {
        return assertThrows(IllegalArgumentException.class,
            () -> Platform.build(spec, new VirtualClock(), HwTrace.NONE)).getMessage();
    }

    @Test
    void firmwareGivesEachEndpointWithAPinA64KiBSlotInPciOrder() {
        final List<MmioLayout.Window> slots = MmioLayout.barSlots(DefaultPlatform.spec());
        // the default platform: 00:03.0 nic, 00:04.0 ahci, 00:05.0 uhci, 01:02.0 nic1 (host bridge and bridge have no pin)
        assertEquals(4, slots.size());
        assertEquals(0xFE00_0000L, slots.get(0).base());
        assertEquals(0xFE00_FFFFL, slots.get(0).last());
        assertEquals(0xFE03_0000L, slots.get(3).base());
        assertEquals("the BAR0 slot of 01:02.0 (nic1) 0xfe030000-0xfe03ffff", slots.get(3).describe());
        assertNull(MmioLayout.firstOverlap(DefaultPlatform.spec()));
    }

    // the scenario-loader campaign's input: IO-APIC at 0xfe000c00, inside the NIC's BAR0 (0xfe000000-0xfe000fff)
    @Test
    void anIoApicInsideTheNicsBarSlotIsRefusedNamingBothRanges() {
        assertEquals("IO-APIC id 2's register window 0xfe000c00-0xfe000cff overlaps the BAR0 slot of 00:03.0 (nic)"
                + " 0xfe000000-0xfe00ffff (the PCI BAR window 0xfe000000-0xfe03ffff: 64 KiB for BAR0 of each of the 4 PCI"
                + " devices with an interrupt pin)",
            buildError(withIoApics(List.of(ioapic(2, 0xFE00_0C00L, 0)))));
    }

    @Test
    void anIoApicInTheBarWindowBetweenTwoBarsIsRefusedAtTheSlotItHits() {
        // 0xfe02f000 is in uhci's slot, past its 4 KiB BAR: the slot is firmware's, not free space
        assertEquals("IO-APIC id 2's register window 0xfe02f000-0xfe02f0ff overlaps the BAR0 slot of 00:05.0 (uhci)"
                + " 0xfe020000-0xfe02ffff (the PCI BAR window 0xfe000000-0xfe03ffff: 64 KiB for BAR0 of each of the 4 PCI"
                + " devices with an interrupt pin)",
            buildError(withIoApics(List.of(ioapic(2, 0xFE02_F000L, 0)))));
    }

    @Test
    void anIoApicJustAboveTheBarWindowIsFine() {
        Platform.build(withIoApics(List.of(ioapic(2, 0xFE04_0000L, 0))), new VirtualClock(), HwTrace.NONE);
    }

    @Test
    void twoIoApicWindowsThatOverlapAreRefused() {
        // two 1 KiB-aligned windows of 0x100 bytes (the only addresses Xen maps) overlap only at the same address
        assertEquals("IO-APIC id 3's register window 0xfec00000-0xfec000ff overlaps IO-APIC id 2's register window"
                + " 0xfec00000-0xfec000ff",
            buildError(withIoApics(List.of(ioapic(2, 0xFEC0_0000L, 0), ioapic(3, 0xFEC0_0000L, 24)))));
    }

    @Test
    void anIoApicOnTheLocalApicPageIsRefused() {
        assertEquals("IO-APIC id 2's register window 0xfee00c00-0xfee00cff overlaps the local APIC page"
                + " 0xfee00000-0xfee00fff", buildError(withIoApics(List.of(ioapic(2, 0xFEE0_0C00L, 0)))));
    }

    @Test
    void aBarWindowThatReachesTheIoApicIsRefusedAtTheFirstSlotInTheWay() {
        // 4 + 188 endpoints fill 0xfe000000-0xfebfffff exactly; one more takes 0xfec00000, the IO-APIC's
        Platform.build(withEndpoints(188, DefaultPlatform.spec().ioapics()), new VirtualClock(), HwTrace.NONE);
        assertEquals("IO-APIC id 2's register window 0xfec00000-0xfec000ff overlaps the BAR0 slot of 01:1a.4 (e188)"
                + " 0xfec00000-0xfec0ffff (the PCI BAR window 0xfe000000-0xfec0ffff: 64 KiB for BAR0 of each of the 193"
                + " PCI devices with an interrupt pin)",
            buildError(withEndpoints(189, DefaultPlatform.spec().ioapics())));
    }

    @Test
    void aBarWindowThatReachesTheLocalApicPageIsRefused() {
        // with the IO-APIC out of the way (above the local APIC), 224 slots fit below 0xfee00000, the 225th does not
        final List<PlatformSpec.IoApicSpec> high = List.of(ioapic(2, 0xFEF0_0000L, 0));
        Platform.build(withEndpoints(220, high), new VirtualClock(), HwTrace.NONE);
        assertEquals("the BAR0 slot of 01:1e.4 (e220) 0xfee00000-0xfee0ffff overlaps the local APIC page"
                + " 0xfee00000-0xfee00fff (the PCI BAR window 0xfe000000-0xfee0ffff: 64 KiB for BAR0 of each of the 225"
                + " PCI devices with an interrupt pin)", buildError(withEndpoints(221, high)));
    }

    // xen/arch/x86/io_apic.c:ioapic_init@RELEASE-4.20.0: max_gsi_irqs defaults to PAGE_SIZE (4096)
    @Test
    void gsisPastXensDefaultLimitAreRefusedBeforeTheWireTableIsSized() {
        // a GSI base near 2^31 sized a wire table of 2^31 entries: OutOfMemoryError
        assertEquals("IO-APIC id 3's GSIs 2000000000..2000000023 go past GSI 4095: irqsim models at most 4096 GSIs,"
                + " Xen's default max_gsi_irqs (it ignores the GSIs above)",
            buildError(withIoApics(List.of(ioapic(2, 0xFEC0_0000L, 0), ioapic(3, 0xFEC0_1000L, 2_000_000_000)))));
        assertEquals("IO-APIC id 3's GSIs 4073..4096 go past GSI 4095: irqsim models at most 4096 GSIs, Xen's default"
                + " max_gsi_irqs (it ignores the GSIs above)",
            buildError(withIoApics(List.of(ioapic(2, 0xFEC0_0000L, 0), ioapic(3, 0xFEC0_1000L, 4073)))));
        Platform.build(withIoApics(List.of(ioapic(2, 0xFEC0_0000L, 0), ioapic(3, 0xFEC0_1000L, 4072))),
            new VirtualClock(), HwTrace.NONE);
    }

    // xen/arch/x86/io_apic.c:ioapic_init_mappings@RELEASE-4.20.0: !ioapic_phys || !IS_ALIGNED(ioapic_phys, KB(1))
    // disables IO-APIC support; irqsim, with no 8259 model, refuses the machine naming the first such IO-APIC
    @Test
    void ioApicAddressXenCallsBogusIsRefused() {
        assertEquals("IO-APIC id 3's address 0xfec01100 is not 1 KiB aligned: Xen says \"bogus IO-APIC address found,"
                + " disabling IO-APIC support\" (ioapic_init_mappings) and would take every interrupt through the 8259"
                + " PIC, which irqsim does not model",
            buildError(withIoApics(List.of(ioapic(2, 0xFEC0_0000L, 0), ioapic(3, 0xFEC0_1100L, 24)))));
        assertEquals(1, MmioLayout.firstBogusIoApicAddress(
            withIoApics(List.of(ioapic(2, 0xFEC0_0000L, 0), ioapic(3, 0xFEC0_1100L, 24)))));
        assertEquals("IO-APIC id 2's address 0x00000000 is 0: Xen says \"bogus IO-APIC address found, disabling IO-APIC"
                + " support\" (ioapic_init_mappings) and would take every interrupt through the 8259 PIC, which irqsim"
                + " does not model", buildError(withIoApics(List.of(ioapic(2, 0, 0)))));
    }

    // ioapic_init_mappings asks for 1 KiB alignment, not a page: 0xfec00400 is mapped
    @Test
    void oneKibAlignedIoApicAddressIsNotBogus() {
        final PlatformSpec s = withIoApics(List.of(ioapic(2, 0xFEC0_0400L, 0)));
        assertEquals(-1, MmioLayout.firstBogusIoApicAddress(s));
        Platform.build(s, new VirtualClock(), HwTrace.NONE);
    }

    // the local APIC page is a window of its own at the address the description gives (mp_register_lapic_address)
    @Test
    void anIoApicOnAMovedLocalApicPageIsRefused() {
        final PlatformSpec d = DefaultPlatform.spec();
        final PlatformSpec moved = new PlatformSpec(List.of(ioapic(2, 0xFEC0_0000L, 0)), d.cpus(), d.pci(),
            d.intxWiring(), d.isaWiring(), d.firmware(), d.directedEoi(), 0xFEC0_0000L);
        assertEquals("IO-APIC id 2's register window 0xfec00000-0xfec000ff overlaps the local APIC page"
            + " 0xfec00000-0xfec00fff", buildError(moved));
        assertEquals("local APIC address 0xfee00800 is not a 4 KiB page", assertThrows(IllegalArgumentException.class,
            () -> new PlatformSpec(d.ioapics(), d.cpus(), d.pci(), d.intxWiring(), d.isaWiring(), d.firmware(),
                d.directedEoi(), 0xFEE0_0800L)).getMessage());
    }
}
