package io.irqsim.guest.run;

import io.irqsim.guest.scenario.FirmwareScenario;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.acpi.AcpiFirmware;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default scenario on the ASRock X570 Taichi's firmware, the path {@code irqsim run --firmware} and
 * {@code compare --firmware} take ({@link FirmwareScenario#on}, then {@link ScenarioRunner} /
 * {@link ScenarioMachine}). Its MADT gives the IO-APICs ids 25 and 26, which the firmware platform
 * models with an 8-bit IOAPICID (docs/firmware.md); before, the machine was refused ("IO-APIC id 25 does
 * not fit in 4 bits").
 */
class AsrockX570FirmwareTest {

    private static final Bdf NIC = new Bdf(0, 1, 0);

    @TempDir
    static Path dir;
    private static Scenario scenario;

    @BeforeAll
    static void load() throws Exception {
        final Path dump = dir.resolve("x570.acpi");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
            Path.of("../hw-ioapic/src/test/resources/firmware/real/ASRock-X570-Taichi.acpi.gz")))) {
            Files.write(dump, in.readAllBytes());
        }
        scenario = FirmwareScenario.on(Scenario.defaultScenario(), AcpiFirmware.read(dump)).scenario();
    }

    // FirmwarePlatform: both IO-APICs have ids above 15 and get the 8-bit IOAPICID; the NIC is seated at the first
    // device whose INTA the host bridge's _PRT routes (device 1 INTA -> GSI 40, acpiexec agrees)
    @Test
    void theMachineHasTheMadtsIoApicsAndTheNicAtDevice1() {
        assertEquals(List.of(new PlatformSpec.IoApicSpec(25, 0xFEC00000L, 0, 24, 0x20, 8),
            new PlatformSpec.IoApicSpec(26, 0xFEC01000L, 24, 32, 0x20, 8)), scenario.platform().ioapics());
        assertEquals(NIC, scenario.guests().get(0).passthrough().get(0).device());
        assertTrue(scenario.platform().intxWiring().contains(new PlatformSpec.IntxRoute(1, 1, 40)));
    }

    // the physical parts read their MADT ids back in bits 31:24; Xen's vIO-APICs for the PVH dom0 take those ids whole
    // (vioapic_reset, xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0: mpc_apicid) and read their low nibble
    // (vioapic_read_indirect: IO_APIC_reg_02's 4-bit field), and the MADT Xen crafts for dom0 lists 25 and 26
    // (pvh_setup_acpi_madt, xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0: vioapic->id)
    @Test
    void physicalIdsReadEightBitsAndDom0sVioapicsReadTheirLowNibble() {
        assertIds25And26ReadBack(ScenarioMachine.boot(scenario, Strategies.byName("pciback-setup-gsi")));
    }

    /**
     * A machine whose IO-APICs are numbered 25 and 26: the parts read the ids back whole in bits 31:24, dom0's
     * vIO-APICs take them whole and read their low nibble, and the MADT Xen crafts for dom0 lists them.
     */
    static void assertIds25And26ReadBack(final ScenarioMachine m) {
        final List<IoApic> phys = m.xen().platform().ioapics();
        assertEquals(0x1900_0000, phys.get(0).readIndirect(IoApicRegisters.REG_ID));
        assertEquals(0x1A00_0000, phys.get(1).readIndirect(IoApicRegisters.REG_ID));
        final Domain dom0 = m.xen().hardwareDomain();
        assertEquals(List.of(25, 26), dom0.vioapics().stream().map(IoApic::id).toList());
        assertEquals(0x0900_0000, dom0.vioapics().get(0).readIndirect(IoApicRegisters.REG_ID));
        assertEquals(0x0A00_0000, dom0.vioapics().get(1).readIndirect(IoApicRegisters.REG_ID));
        assertEquals(List.of(25, 26), dom0.firmware().madt().ioApics().stream().map(MadtIoApic::id).toList());
    }

    // a PV dom0 is given the host's MADT: mp_register_ioapic (arch/x86/kernel/apic/io_apic.c@v6.12) logs its ids, and
    // io_apic_unique_id keeps 25 and 26 (no other IO-APIC has them) without reading the register
    @Test
    void aPvDom0RegistersBothIoApicsWithTheirMadtIds() {
        final RunResult r = ScenarioRunner.run(scenario, Strategies.byName("pv-dom0"));
        final List<String> lines = r.timeline().stream().map(RunResult.TimelineLine::text).toList();
        assertTrue(lines.contains("IOAPIC[0]: apic_id 25, version 32, address 0xfec00000, GSI 0-23"), lines.toString());
        assertTrue(lines.contains("IOAPIC[1]: apic_id 26, version 32, address 0xfec01000, GSI 24-55"), lines.toString());
    }

    // every cell of `irqsim compare --firmware ASRock-X570-Taichi.acpi`: the same verdicts as the built-in default
    // scenario's (DefaultScenarioMatrixTest), the NIC's line being GSI 40 on the second IO-APIC
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // strategy,               attach,                delivered, physical
        "pv-dom0,                  ok,                    100,       level/low",
        "xen-4.18,                 map_pirq:-ENOSYS,      0,         unset/unset",
        "status-quo,               irq_permission:-EPERM, 0,         unset/unset",
        "pciback-unmask,           ok,                    2,         level/low",
        "hwdom-map-any-write,      'attached, INTx disabled by QEMU (bind_pt_irq:-EBUSY)', 0, edge/high",
        "early-pirq-map,           ok,                    0,         unset/unset",
        "default-level-low,        ok,                    100,       level/low",
        "dom0-map-pirq-setup-gsi,  ok,                    100,       level/low",
        "pciback-enable-device,    irq_permission:-EPERM, 0,         unset/unset",
        "pciback-setup-gsi,        ok,                    100,       level/low",
    })
    void everyStrategyRunsOnTheX570(final String strategy, final String attach, final long delivered,
                                    final String physical) {
        final RunResult r = ScenarioRunner.run(scenario, Strategies.byName(strategy));
        final DeviceOutcome d = r.devices().get(0);
        assertEquals(NIC, d.device());
        assertEquals(40, d.gsi());
        assertEquals(attach, r.attach(), "attach");
        assertEquals(100, r.fired(), "fired");
        assertEquals(delivered, r.delivered(), "delivered");
        assertEquals(physical, d.physicalTrigger() + "/" + d.physicalPolarity(), "physical trigger/polarity");
        assertEquals("level/low", d.firmwareTrigger() + "/" + d.firmwarePolarity(), "firmware trigger/polarity");
    }
}
