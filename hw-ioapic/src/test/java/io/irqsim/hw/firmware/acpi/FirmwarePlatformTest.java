package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.WireKind;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
