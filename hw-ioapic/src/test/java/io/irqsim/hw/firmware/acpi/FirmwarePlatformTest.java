package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.WireKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The machine a real firmware describes, with the scenario's PCI devices. */
class FirmwarePlatformTest {

    @Test
    void dl360HasTwoIoApicsItsCpusAndWiringFromItsPrt() throws IOException {
        final AcpiFirmware fw = RealDumpAgreementTest.load("ProLiant-DL360-G5");
        final FirmwarePlatform.Result r = FirmwarePlatform.spec(fw, DefaultPlatform.spec());
        final PlatformSpec s = r.spec();
        assertEquals(List.of(new PlatformSpec.IoApicSpec(8, 0xFEC00000L, 0, 24, 0x20),
            new PlatformSpec.IoApicSpec(9, 0xFEC80000L, 24, 24, 0x20)), s.ioapics());
        assertEquals(8, s.cpus().size());
        // _PRT of \_SB.PCI0 (iasl/acpiexec: device 29 INTA..INTD -> GSI 16..19)
        assertTrue(s.intxWiring().contains(new PlatformSpec.IntxRoute(29, 1, 16)));
        assertTrue(s.intxWiring().contains(new PlatformSpec.IntxRoute(29, 4, 19)));
        assertTrue(s.firmware().prt().get(0).contains(PrtEntry.toGsi(31, 0, 17)));
        // the SCI: IRQ 9, override level / active-high -> an active-high line
        assertEquals(9, s.firmware().sciGsi());
        assertTrue(s.isaWiring().contains(new PlatformSpec.IsaRoute(9, 9, WireKind.ISA)));
        // IRQ0 -> GSI 2 by the override
        assertTrue(s.isaWiring().contains(new PlatformSpec.IsaRoute(0, 2, WireKind.ISA)));
        Platform.build(s, new VirtualClock(), HwTrace.NONE);
    }

    // the ASRock X570 Taichi's MADT gives its IO-APICs ids 25 and 26: 8-bit IOAPICIDs (union IO_APIC_reg_00's ID:8),
    // which hold those ids as the firmware programmed them; the machine builds and reads them back in bits 31:24
    @Test
    void x570IoApicsWithIdsAbove15GetTheEightBitIdAndBuild() throws IOException {
        final AcpiFirmware fw = RealDumpAgreementTest.load("ASRock-X570-Taichi");
        final PlatformSpec s = FirmwarePlatform.spec(fw, DefaultPlatform.spec()).spec();
        assertEquals(List.of(new PlatformSpec.IoApicSpec(25, 0xFEC00000L, 0, 24, 0x20, 8),
            new PlatformSpec.IoApicSpec(26, 0xFEC01000L, 24, 32, 0x20, 8)), s.ioapics());
        final Platform p = Platform.build(s, new VirtualClock(), HwTrace.NONE);
        assertEquals(0x1900_0000, p.ioapics().get(0).readIndirect(IoApicRegisters.REG_ID));
        assertEquals(0x1A00_0000, p.ioapics().get(1).readIndirect(IoApicRegisters.REG_ID));
        assertEquals(26, p.ioapics().get(1).id());
    }

    // the other six dumps' ids fit 4 bits: they keep the 82093AA/ICH-width IOAPICID they had
    @ParameterizedTest
    @ValueSource(strings = {"ProLiant-DL360-G5", "Acer-C720-Peppy", "Gigabyte-M68M-S2P", "Gigabyte-970A-DS3P",
        "Intel-DG965LV", "Google-Fizz"})
    void idsThatFitFourBitsKeepTheFourBitId(final String name) throws IOException {
        final PlatformSpec s = FirmwarePlatform.spec(RealDumpAgreementTest.load(name), DefaultPlatform.spec()).spec();
        assertTrue(s.ioapics().stream().allMatch(io -> io.id() <= 15 && io.idBits() == 4), s.ioapics().toString());
    }

    // PlatformSpec.IoApicSpec.idBitsFor: 4 up to 15, 8 from 16 to the MADT field's 255
    @Test
    void idWidthIsFourUpTo15AndEightAbove() {
        assertEquals(4, PlatformSpec.IoApicSpec.idBitsFor(0));
        assertEquals(4, PlatformSpec.IoApicSpec.idBitsFor(15));
        assertEquals(8, PlatformSpec.IoApicSpec.idBitsFor(16));
        assertEquals(8, PlatformSpec.IoApicSpec.idBitsFor(255));
    }

    @Test
    void lastIoApicGrowsToTheGsisTheFirmwareRoutes() throws IOException {
        final AcpiFirmware fw = RealDumpAgreementTest.load("Gigabyte-970A-DS3P");
        // _PRT names GSI 52..55; the second IO-APIC starts at 24
        assertEquals(new AcpiFirmware.IoApic(10, 0xFEC20000L, 24, 32), fw.ioapics().get(1));
        assertTrue(fw.warnings().stream().anyMatch(w -> w.startsWith("IO-APIC id 10: the firmware routes GSI 55")));
    }

    @Test
    void aBridgeBelowTheHostBridgeGetsItsPrtByTheScenarioBridgeAtItsAddress() {
        final AmlInterpreter aml = new AmlInterpreter(java.util.Map.of());
        aml.load(Fixtures.aml("routing"));
        aml.load(Fixtures.aml("ssdt-bridge"));
        final byte[] madt = AcpiDumpReaderTest.table("APIC", 64, new byte[] {0, 0, (byte) 0xE0, (byte) 0xFE, 1, 0, 0, 0,
            0, 8, 0, 0, 1, 0, 0, 0, 1, 12, 2, 0, 0, 0, (byte) 0xC0, (byte) 0xFE, 0, 0, 0, 0});
        final AcpiFirmware fw = new AcpiFirmware(List.of(), MadtReader.read(new AcpiTable("APIC", madt)), null,
            List.of(new AcpiFirmware.IoApic(2, 0xFEC00000L, 0, 24)), PciRoutingReader.read(aml), aml.namespace(),
            List.of());
        final PlatformSpec scenario = new PlatformSpec(List.of(), List.of(), List.of(
            new PlatformSpec.PciDeviceSpec("p2p", new Bdf(0, 0x1e, 0), 0x8086, 0x244e, 0x060400, 0, 3),
            new PlatformSpec.PciDeviceSpec("nic", new Bdf(3, 2, 0), 0x8086, 0x100e, 0x020000, 1, -1)),
            List.of(), List.of(), DefaultPlatform.spec().firmware(), true);
        final PlatformSpec s = FirmwarePlatform.spec(fw, scenario).spec();
        assertEquals(List.of(new PrtEntry(2, 0, "LNKA", 0), PrtEntry.toGsi(2, 1, 18)), s.firmware().prt().get(3));
        // the link device reaches the scenario platform with its _PRS
        assertEquals(List.of(3, 4, 5, 7, 10, 11), s.firmware().links().get(0).possible());
    }

    private static AcpiFirmware fixture(final String name) {
        return AcpiFirmware.of(AcpiDumpReader.parse(Fixtures.bytes("asl/" + name + ".aml")), java.util.Map.of(),
            java.util.Map.of());
    }

    // xen/arch/x86/mpparse.c:mp_register_lapic_address@RELEASE-4.20.0: Xen (xAPIC mode) maps FIX_APIC_BASE at the
    // MADT's address; the machine's CPUs see their local APIC there and nothing at 0xFEE00000
    @Test
    void localApicPageSitsWhereTheMadtHeaderPutsIt() {
        final PlatformSpec s = FirmwarePlatform.spec(fixture("madt-lapic-header"), DefaultPlatform.spec()).spec();
        assertEquals(0xFEE10000L, s.lapicAddress());
        final Platform p = Platform.build(s, new VirtualClock(), HwTrace.NONE);
        assertSame(p.lapic(0), p.bus(0).deviceAt(0xFEE10000L));
        assertSame(p.lapic(1), p.bus(1).deviceAt(0xFEE10000L));
        assertNull(p.bus(0).deviceAt(0xFEE00000L));
    }

    // acpi_parse_lapic_addr_ovr@RELEASE-4.20.0: the last type-5 entry decides where the LAPIC is mapped
    @Test
    void localApicPageSitsWhereTheLastOverridePutsIt() {
        final Platform p = Platform.build(
            FirmwarePlatform.spec(fixture("madt-lapic-override"), DefaultPlatform.spec()).spec(), new VirtualClock(),
            HwTrace.NONE);
        assertSame(p.lapic(0), p.bus(0).deviceAt(0xFEF10000L));
        assertNull(p.bus(0).deviceAt(0xFEF00000L));
        assertNull(p.bus(0).deviceAt(0xFEE00000L));
    }

    // set_fixmap_nocache maps the frame of the address (xen/arch/x86/include/asm/fixmap.h@RELEASE-4.20.0), so the
    // registers of an unaligned MADT address are at the start of its page; irqsim says so
    @Test
    void unalignedLocalApicAddressMapsItsPageWithAWarning() {
        final byte[] madt = AcpiDumpReaderTest.table("APIC", 64, new byte[] {0, 0, (byte) 0xE0, (byte) 0xFE, 1, 0, 0, 0,
            0, 8, 0, 0, 1, 0, 0, 0, 5, 12, 0, 0, 0x40, 0, (byte) 0xF0, (byte) 0xFE, 0, 0, 0, 0});
        final AcpiFirmware fw = AcpiFirmware.of(AcpiDumpReader.parse(withIoApic(madt)), java.util.Map.of(),
            java.util.Map.of());
        final FirmwarePlatform.Result r = FirmwarePlatform.spec(fw, DefaultPlatform.spec());
        assertEquals(0xFEF00000L, r.spec().lapicAddress());
        assertTrue(r.warnings().contains("the MADT's local APIC address 0xfef00040 is not 4 KiB aligned: Xen maps the"
            + " page it is in, 0xfef00000"), r.warnings().toString());
    }

    /** {@code madt} with an IO-APIC entry (id 2, 0xFEC00000, GSI base 0) appended, checksum left as is. */
    private static byte[] withIoApic(final byte[] madt) {
        final byte[] io = {1, 12, 2, 0, 0, 0, (byte) 0xC0, (byte) 0xFE, 0, 0, 0, 0};
        final byte[] out = java.util.Arrays.copyOf(madt, madt.length + io.length);
        System.arraycopy(io, 0, out, madt.length, io.length);
        out[4] = (byte) out.length;
        return out;
    }

    // xen/arch/x86/io_apic.c:ioapic_init_mappings@RELEASE-4.20.0: an IO-APIC address of 0 or not 1 KiB aligned is
    // "bogus" and Xen disables IO-APIC support; the report warns, the machine is refused in those words
    @Test
    void misalignedIoApicAddressFromTheMadtIsWhatXenCallsBogus() {
        final byte[] madt = AcpiDumpReaderTest.table("APIC", 64, new byte[] {0, 0, (byte) 0xE0, (byte) 0xFE, 1, 0, 0, 0,
            0, 8, 0, 0, 1, 0, 0, 0, 1, 12, 9, 0, 0x20, 0, (byte) 0xC0, (byte) 0xFE, 0, 0, 0, 0});
        final AcpiFirmware fw = AcpiFirmware.of(AcpiDumpReader.parse(madt), java.util.Map.of(), java.util.Map.of());
        final String expected = "IO-APIC id 9's address 0xfec00020 is not 1 KiB aligned: Xen says \"bogus IO-APIC"
            + " address found, disabling IO-APIC support\" (ioapic_init_mappings) and would take every interrupt"
            + " through the 8259 PIC, which irqsim does not model";
        assertTrue(fw.warnings().contains(expected + "; run, compare, bench and serve refuse this firmware"),
            fw.warnings().toString());
        final PlatformSpec s = FirmwarePlatform.spec(fw, DefaultPlatform.spec()).spec();
        assertEquals(expected, org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> Platform.build(s, new VirtualClock(), HwTrace.NONE)).getMessage());
    }
}
