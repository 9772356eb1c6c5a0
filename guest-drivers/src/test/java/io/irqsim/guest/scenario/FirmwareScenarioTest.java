package io.irqsim.guest.scenario;

import io.irqsim.hw.firmware.acpi.AcpiFirmware;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static io.irqsim.guest.scenario.ScenarioFiles.STRATEGIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scenarios on a real machine's firmware: the key {@code firmware: {acpidump: PATH}} and {@link FirmwareScenario}. */
class FirmwareScenarioTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void unpack() throws Exception {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
            Path.of("../hw-ioapic/src/test/resources/firmware/real/ProLiant-DL360-G5.acpi.gz")))) {
            Files.write(dir.resolve("dl360.acpi"), in.readAllBytes());
        }
    }

    @Test
    void acpidumpKeyReplacesTheMachineAndKeepsTheScenarioDevices() throws Exception {
        final Path yaml = dir.resolve("on-dl360.yaml");
        Files.writeString(yaml, String.join("\n",
            "name: on-dl360",
            "platform:",
            "  pci:",
            "    - {name: host, bdf: '00:00.0', vendor: 0x8086, device: 0x1237, class: 0x060000}",
            "    - {name: nic, bdf: '00:1d.0', vendor: 0x8086, device: 0x100e, class: 0x020000, pin: INTA}",
            "firmware:",
            "  acpidump: dl360.acpi",
            "dom0: {drivers: []}",
            "guests:",
            "  - {name: domU, passthrough: [{device: '00:1d.0', slot: 5}]}",
            "traffic:",
            "  - {device: '00:1d.0', count: 3}",
            ""));
        // the loader validates every file against docs/scenario.schema.json: loading is the schema check
        final Scenario s = ScenarioLoader.load(yaml, STRATEGIES);
        assertEquals(2, s.platform().ioapics().size());
        assertEquals(8, s.platform().cpus().size());
        assertTrue(s.platform().intxWiring().contains(new PlatformSpec.IntxRoute(29, 1, 16)));
        assertEquals(List.of(new Bdf(0, 0, 0), new Bdf(0, 0x1d, 0)),
            s.platform().pci().stream().map(PlatformSpec.PciDeviceSpec::bdf).toList());
    }

    @Test
    void suppliedFieldValueIsWhatTheLinkReports() throws Exception {
        final Path yaml = dir.resolve("fields.yaml");
        // \_SB.LNKA._CRS reads PIRA of the DL360's ISA bridge; 0x0B routes it to IRQ 11
        Files.writeString(yaml, "firmware:\n  acpidump: dl360.acpi\n  fields: {'\\_SB.PCI0.IBRG.PIRA': 0x0B}\n");
        final Scenario s = ScenarioLoader.load(yaml, STRATEGIES);
        final PlatformSpec.LinkSpec lnka = s.platform().firmware().links().stream()
            .filter(l -> l.name().equals("LNKA")).findFirst().orElseThrow();
        assertEquals(11, lnka.current());
    }

    @Test
    void ioapicPinsOverrideTheInferredCount() throws Exception {
        final Path yaml = dir.resolve("pins.yaml");
        Files.writeString(yaml, "firmware:\n  acpidump: dl360.acpi\n  ioapicPins: {9: 32}\n");
        // the loader validates every file against docs/scenario.schema.json: loading is the schema check
        final Scenario s = ScenarioLoader.load(yaml, STRATEGIES);
        assertEquals(24, s.platform().ioapics().get(0).pins());
        assertEquals(32, s.platform().ioapics().get(1).pins());
    }

    @Test
    void ioapicPinsKeyMustBeAnId() throws Exception {
        final Path yaml = dir.resolve("badpins.yaml");
        Files.writeString(yaml, "firmware:\n  acpidump: dl360.acpi\n  ioapicPins: {first: 32}\n");
        final ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(yaml, STRATEGIES));
        assertTrue(e.getMessage().contains("'first' is not an IO-APIC id"), e.getMessage());
    }

    @Test
    void missingDumpIsAScenarioErrorAtTheKey() throws Exception {
        final Path yaml = dir.resolve("missing.yaml");
        Files.writeString(yaml, "firmware:\n  acpidump: nowhere.acpi\n");
        final ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(yaml, STRATEGIES));
        assertTrue(e.getMessage().contains("firmware.acpidump"), e.getMessage());
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    }

    @Test
    void defaultScenarioSeatsItsNicWhereTheHostBridgeRoutesInta() {
        final FirmwareScenario.Result r = FirmwareScenario.on(Scenario.defaultScenario(),
            AcpiFirmware.read(dir.resolve("dl360.acpi")));
        final Bdf nic = new Bdf(0, 0x1d, 0);
        assertEquals(nic, r.scenario().guests().get(0).passthrough().get(0).device());
        assertEquals(nic, r.scenario().traffic().get(0).device());
        assertTrue(r.scenario().dom0().drivers().isEmpty());
    }
}
