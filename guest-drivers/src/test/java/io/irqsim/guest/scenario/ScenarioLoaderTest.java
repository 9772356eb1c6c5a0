package io.irqsim.guest.scenario;

import io.irqsim.hv.domain.DomainType;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.wire.WireKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.irqsim.guest.scenario.ScenarioFiles.STRATEGIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading valid scenarios: the example files, defaults, number forms. Errors are in {@link ScenarioLoaderErrorTest}. */
class ScenarioLoaderTest {

    private static Scenario parse(final String yaml) {
        return ScenarioLoader.parse(yaml, "scenarios/test.yaml", STRATEGIES);
    }

    private static Scenario example(final String name) {
        return ScenarioLoader.load(ScenarioFiles.example(name), STRATEGIES);
    }

    static List<String> examples() {
        return ScenarioFiles.EXAMPLES;
    }

    // ------------------------------------------------------------------ example files

    @ParameterizedTest
    @MethodSource("examples")
    void everyExampleFileLoadsAndIsNamedAfterItsFile(final String name) {
        final Scenario s = example(name);
        assertEquals(name, s.name());
        assertFalse(s.description().isBlank(), "every example says what it shows");
        assertTrue(STRATEGIES.contains(s.strategy()));
    }

    @Test
    void defaultYamlIsTheBuiltInDefaultScenario() {
        final Scenario loaded = example("default");
        final Scenario builtIn = Scenario.defaultScenario();
        assertEquals(builtIn.platform().ioapics(), loaded.platform().ioapics());
        assertEquals(builtIn.platform().cpus(), loaded.platform().cpus());
        assertEquals(builtIn.platform().pci(), loaded.platform().pci());
        assertEquals(builtIn.platform().intxWiring(), loaded.platform().intxWiring());
        assertEquals(builtIn.platform().isaWiring(), loaded.platform().isaWiring());
        assertEquals(builtIn.platform().firmware().overrides(), loaded.platform().firmware().overrides());
        assertEquals(builtIn.platform().firmware().prt(), loaded.platform().firmware().prt());
        assertEquals(builtIn.platform().firmware().links(), loaded.platform().firmware().links());
        assertEquals(builtIn.platform().firmware().sciGsi(), loaded.platform().firmware().sciGsi());
        assertEquals(builtIn.platform().directedEoi(), loaded.platform().directedEoi());
        assertEquals(builtIn.platform(), loaded.platform());
        assertEquals(builtIn.dom0(), loaded.dom0());
        assertEquals(builtIn.guests(), loaded.guests());
        assertEquals(builtIn.traffic(), loaded.traffic());
        assertEquals(builtIn.strategy(), loaded.strategy());
        assertEquals(builtIn.expect(), loaded.expect());
        assertEquals(builtIn.name(), loaded.name());
        assertEquals(builtIn.description(), loaded.description());
        assertEquals(builtIn, loaded);
    }

    @Test
    void bridgeYamlPassesTheDeviceBehindTheBridge() {
        final Scenario s = example("bridge");
        assertEquals(List.of(new Scenario.GuestSpec("domU", 1,
            List.of(new Scenario.PassthroughSpec(DefaultPlatform.BEHIND_BRIDGE, 6)))), s.guests());
        assertEquals(List.of(DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_B), s.dom0().drivers());
        assertEquals(DomainType.PVH, s.dom0().type());
        assertEquals(List.of(new Scenario.TrafficSpec(DefaultPlatform.BEHIND_BRIDGE, 100, 10_000)), s.traffic());
        assertEquals(DefaultPlatform.spec(), s.platform());
    }

    @Test
    void sharedGsiYamlPassesOneSharerAndDrivesTheOther() {
        final Scenario s = example("shared-gsi");
        assertEquals(List.of(new Scenario.PassthroughSpec(DefaultPlatform.SHARED_A, 5)), s.guests().get(0).passthrough());
        assertTrue(s.dom0().drivers().contains(DefaultPlatform.SHARED_B));
        assertFalse(s.dom0().drivers().contains(DefaultPlatform.SHARED_A));
        assertEquals(List.of(DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_B),
            s.traffic().stream().map(Scenario.TrafficSpec::device).toList());
    }

    @Test
    void firmwareEdgeHighYamlLiesAboutLnkaOnly() {
        final Scenario s = example("firmware-edge-high");
        final PlatformSpec.LinkSpec lnka = s.platform().firmware().links().get(0);
        assertEquals("LNKA", lnka.name());
        assertEquals(IrqTrigger.EDGE, lnka.trigger());
        assertEquals(IrqPolarity.ACTIVE_HIGH, lnka.polarity());
        assertEquals(List.of(DefaultPlatform.NIC_GSI), lnka.possible());
        // the real wire is unchanged: slot 3 INTA is a PCI line to GSI 16
        assertEquals(DefaultPlatform.spec().intxWiring(), s.platform().intxWiring());
        assertEquals(DefaultPlatform.spec().firmware().prt(), s.platform().firmware().prt());
        assertEquals(DefaultPlatform.spec().firmware().overrides(), s.platform().firmware().overrides());
        assertEquals("edge", s.expect().physicalTrigger());
        assertEquals("high", s.expect().physicalPolarity());
    }

    @Test
    void pvDom0YamlRunsAPvDom0() {
        final Scenario s = example("pv-dom0");
        assertEquals(DomainType.PV, s.dom0().type());
        assertEquals("pv-dom0", s.strategy());
        assertEquals(Scenario.defaultScenario().guests(), s.guests());
        assertEquals("ok", s.expect().attach());
    }

    // ------------------------------------------------------------------ defaults

    @Test
    void emptyMappingIsTheDefaultScenarioNamedAfterTheFile() {
        final Scenario s = ScenarioLoader.parse("{}\n", "some/dir/my-run.yaml", STRATEGIES);
        final Scenario d = Scenario.defaultScenario();
        assertEquals("my-run", s.name());
        assertEquals("", s.description());
        assertEquals(Scenario.DEFAULT_STRATEGY, s.strategy());
        assertEquals(d.platform(), s.platform());
        assertEquals(d.dom0(), s.dom0());
        assertEquals(d.guests(), s.guests());
        assertEquals(d.traffic(), s.traffic());
        assertTrue(s.expect().isEmpty());
    }

    @Test
    void commentsOnlyWithNameGivesDefaultsToo() {
        final Scenario s = parse("# a scenario\nname: x   # trailing comment\n");
        assertEquals("x", s.name());
        assertEquals(Scenario.defaultScenario().platform(), s.platform());
    }

    @Test
    void eachPlatformKeyReplacesOnlyItself() {
        final Scenario s = parse("platform:\n  directedEoi: false\n  cpus: 4\n");
        final PlatformSpec d = DefaultPlatform.spec();
        assertFalse(s.platform().directedEoi());
        assertEquals(List.of(new PlatformSpec.CpuSpec(0), new PlatformSpec.CpuSpec(1), new PlatformSpec.CpuSpec(2),
            new PlatformSpec.CpuSpec(3)), s.platform().cpus());
        assertEquals(d.ioapics(), s.platform().ioapics());
        assertEquals(d.pci(), s.platform().pci());
        assertEquals(d.intxWiring(), s.platform().intxWiring());
        assertEquals(d.isaWiring(), s.platform().isaWiring());
        assertEquals(d.firmware(), s.platform().firmware());
    }

    @Test
    void eachWiringKeyReplacesOnlyItself() {
        final Scenario s = parse("platform:\n  wiring:\n    intx:\n      - {slot: 3, pin: INTA, gsi: 18}\n"
            + "      - {slot: 4, pin: INTA, gsi: 17}\n      - {slot: 5, pin: INTA, gsi: 17}\n");
        assertEquals(List.of(new PlatformSpec.IntxRoute(3, 1, 18), new PlatformSpec.IntxRoute(4, 1, 17),
            new PlatformSpec.IntxRoute(5, 1, 17)), s.platform().intxWiring());
        assertEquals(DefaultPlatform.spec().isaWiring(), s.platform().isaWiring());
    }

    @Test
    void eachFirmwareAndDom0KeyReplacesOnlyItself() {
        final Scenario s = parse("firmware: {sciGsi: 11}\ndom0: {vcpus: 4}\n");
        final PlatformSpec.FirmwareSpec d = DefaultPlatform.spec().firmware();
        assertEquals(11, s.platform().firmware().sciGsi());
        assertEquals(d.overrides(), s.platform().firmware().overrides());
        assertEquals(d.prt(), s.platform().firmware().prt());
        assertEquals(d.links(), s.platform().firmware().links());
        assertEquals(4, s.dom0().vcpus());
        assertEquals(DomainType.PVH, s.dom0().type());
        assertEquals(Scenario.defaultScenario().dom0().drivers(), s.dom0().drivers());
    }

    @Test
    void itemDefaults() {
        final Scenario s = parse("""
            platform:
              pci:
                - {bdf: "00:03.0", vendor: 0x8086, device: 0x100e, pin: INTA}
                - {bdf: "00:04.0", vendor: 0x8086, device: 0x2922, pin: INTA}
                - {bdf: "00:1e.0", vendor: 0x8086, device: 0x244e, bridgeTo: 1}
                - {bdf: "01:02.0", vendor: 0x8086, device: 0x10d3, pin: INTA}
              ioapics: [{id: 1, address: 0xfec00000, gsiBase: 0}]
            firmware:
              links: [{name: LNKA, possible: [16]}]
            dom0: {drivers: ["00:04.0"]}
            guests:
              - name: g
            traffic:
              - device: "00:03.0"
            """);
        final PlatformSpec.PciDeviceSpec nic = s.platform().pci().get(0);
        assertEquals("00:03.0", nic.name());
        assertEquals(0xff0000, nic.classCode());
        assertEquals(-1, nic.secondaryBus());
        final PlatformSpec.PciDeviceSpec bridge = s.platform().pci().get(2);
        assertEquals(0x060400, bridge.classCode());
        assertEquals(0, bridge.interruptPin());
        assertEquals(1, bridge.secondaryBus());
        assertEquals(new PlatformSpec.IoApicSpec(1, 0xfec00000L, 0, 24, 0x20), s.platform().ioapics().get(0));
        assertEquals(new PlatformSpec.LinkSpec("LNKA", List.of(16), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true,
            true, 0), s.platform().firmware().links().get(0));
        assertEquals(List.of(new Scenario.GuestSpec("g", 1, List.of())), s.guests());
        assertEquals(List.of(new Scenario.TrafficSpec(new Bdf(0, 3, 0), 100, 10_000)), s.traffic());
    }

    @Test
    void guestHvmPirqIsReadAsGivenAndAbsentMeansTheToolstacksDefault() {
        final Scenario s = parse("""
            guests:
              - {name: a, hvmPirq: true}
              - {name: b, hvmPirq: false}
              - {name: c}
            """);
        assertEquals(Boolean.TRUE, s.guests().get(0).hvmPirq());
        assertEquals(Boolean.FALSE, s.guests().get(1).hvmPirq());
        assertEquals(null, s.guests().get(2).hvmPirq());
        final ScenarioException e = assertThrows(ScenarioException.class, () -> parse("""
            guests:
              - {name: a, hvmPirq: 1}
            """));
        assertTrue(e.getMessage().contains("hvmPirq"), e.getMessage());
    }

    @Test
    void guestVfioUserEntriesAreReadWithOneInterruptByDefault() {
        final Scenario s = parse("""
            guests:
              - name: a
                passthrough: [{device: "00:03.0", slot: 5}]
                vfioUser:
                  - {socket: "unix:/run/nvme.sock", slot: 6}
                  - {socket: "unix:rel/dev.sock", slot: 7, interrupts: 3}
              - {name: b}
            """);
        assertEquals(List.of(new Scenario.VfioUserSpec("/run/nvme.sock", 6, 1),
            new Scenario.VfioUserSpec("rel/dev.sock", 7, 3)), s.guests().get(0).vfioUser());
        assertEquals(List.of(), s.guests().get(1).vfioUser());
    }

    // ------------------------------------------------------------------ numbers and forms

    // PlatformSpec.IoApicSpec.idBitsFor, as for a firmware MADT: an id that fits the 82093AA's 4-bit IOAPICID keeps
    // that part, a larger one (the ASRock X570's 25 and 26) gets the 8-bit register
    @Test
    void ioApicIdsPast15GetTheEightBitIoApicId() {
        final Scenario s = parse("""
            platform:
              ioapics:
                - {id: 15, address: 0xfec00000, gsiBase: 0}
                - {id: 16, address: 0xfec01000, gsiBase: 24}
                - {id: 255, address: 0xfec02000, gsiBase: 48}
            """);
        assertEquals(List.of(new PlatformSpec.IoApicSpec(15, 0xFEC00000L, 0, 24, 0x20, 4),
            new PlatformSpec.IoApicSpec(16, 0xFEC01000L, 24, 24, 0x20, 8),
            new PlatformSpec.IoApicSpec(255, 0xFEC02000L, 48, 24, 0x20, 8)), s.platform().ioapics());
    }

    @Test
    void numbersInHexDecimalBinaryAndWithUnderscores() {
        final Scenario s = parse("""
            platform:
              ioapics:
                - {id: 0x2, address: 0xFEC0_0000, gsiBase: 0, pins: 0x18, version: 0x11}
                - {id: 3, address: 4273999872, gsiBase: 24, pins: 24, version: 32}
              pci:
                - {bdf: "00:03.0", name: nic, vendor: 0x10ec, device: 0x8139, class: 0x02_00_00, pin: INTA}
            dom0: {drivers: []}
            guests: [{name: domU, passthrough: [{device: "00:03.0", slot: 0b101}]}]
            traffic: [{device: "00:03.0", count: 1_000, intervalNs: 0x10}]
            """);
        assertEquals(new PlatformSpec.IoApicSpec(2, 0xFEC00000L, 0, 24, 0x11), s.platform().ioapics().get(0));
        assertEquals(new PlatformSpec.IoApicSpec(3, 0xFEC01000L, 24, 24, 0x20), s.platform().ioapics().get(1));
        assertEquals(new PlatformSpec.PciDeviceSpec("nic", new Bdf(0, 3, 0), 0x10ec, 0x8139, 0x020000, 1, -1),
            s.platform().pci().get(0));
        assertEquals(5, s.guests().get(0).passthrough().get(0).virtualSlot());
        assertEquals(new Scenario.TrafficSpec(new Bdf(0, 3, 0), 1000, 16), s.traffic().get(0));
    }

    @Test
    void unquotedPciAddressesAreAccepted() {
        // 00:04.0 unquoted is a YAML 1.1 sexagesimal float; the loader uses its text
        final Scenario s = parse("dom0: {drivers: [00:04.0, 00:05.0, 0000:01:02.0]}\n");
        assertEquals(Scenario.defaultScenario().dom0().drivers(), s.dom0().drivers());
    }

    @Test
    void cpusAsAListOfApicIds() {
        final Scenario s = parse("platform: {cpus: [{apicId: 0}, {apicId: 4}, {apicId: 0x10}]}\n");
        assertEquals(List.of(new PlatformSpec.CpuSpec(0), new PlatformSpec.CpuSpec(4), new PlatformSpec.CpuSpec(16)),
            s.platform().cpus());
    }

    @Test
    void firmwareSectionBuildsTheFirmwareSpec() {
        final Scenario s = parse("""
            firmware:
              overrides:
                - {irq: 0, gsi: 2}
                - {irq: 9, gsi: 9, trigger: level, polarity: low}
                - {irq: 10, gsi: 10, polarity: high}
              prt:
                0:
                  - {device: 3, pin: INTA, link: LNKA}
                  - {device: 4, pin: INTB, gsi: 17}
                1:
                  - {device: 2, pin: INTD, link: LNKB}
              links:
                - {name: LNKA, possible: [16, 18], trigger: level, polarity: low, current: 18}
                - {name: LNKB, possible: [5, 10, 11], trigger: edge, polarity: high, shareable: false, extended: false}
              sciGsi: 9
            """);
        final PlatformSpec.FirmwareSpec fw = s.platform().firmware();
        assertEquals(List.of(InterruptSourceOverride.of(0, 2, null, null),
            InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW),
            InterruptSourceOverride.of(10, 10, null, IrqPolarity.ACTIVE_HIGH)), fw.overrides());
        assertEquals(Map.of(0, List.of(PrtEntry.toLink(3, 0, "LNKA"), PrtEntry.toGsi(4, 1, 17)),
            1, List.of(PrtEntry.toLink(2, 3, "LNKB"))), fw.prt());
        assertEquals(List.of(
            new PlatformSpec.LinkSpec("LNKA", List.of(16, 18), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, true, 18),
            new PlatformSpec.LinkSpec("LNKB", List.of(5, 10, 11), IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH, false,
                false, 0)), fw.links());
    }

    // the MADT's PCAT_COMPAT flag (read by Linux's acpi_parse_madt, arch/x86/kernel/acpi/boot.c@v6.12) has no
    // scenario key: a firmware section, given or not, keeps the default platform's, set
    @Test
    void aScenarioMadtKeepsTheDefaultPlatformsPcatCompat() {
        assertTrue(parse("firmware: {sciGsi: 9}\n").platform().firmware().pcatCompat());
        assertTrue(parse("platform: {cpus: 1}\n").platform().firmware().pcatCompat());
    }

    @Test
    void isaKindPciIsASharedActiveLowLine() {
        final Scenario s = parse("platform:\n  wiring:\n    isa: [{irq: 0, gsi: 2}, {irq: 9, gsi: 9, kind: pci},"
            + " {irq: 4, gsi: 4, kind: isa}]\n");
        assertEquals(List.of(new PlatformSpec.IsaRoute(0, 2, WireKind.ISA), new PlatformSpec.IsaRoute(9, 9,
            WireKind.PCI_INTX), new PlatformSpec.IsaRoute(4, 4, WireKind.ISA)), s.platform().isaWiring());
    }

    @Test
    void expectations() {
        final Scenario s = parse("""
            expect:
              attach: "irq_permission:-EPERM"
              delivered: 0
              spurious: 3
              boundToDom0: true
              physicalTrigger: unset
              physicalPolarity: low
            """);
        assertEquals(new Scenario.Expectations("irq_permission:-EPERM", 0L, 3L, true, "unset", "low"), s.expect());
        final Scenario partial = parse("expect: {attach: ok}\n");
        assertEquals("ok", partial.expect().attach());
        assertNull(partial.expect().delivered());
        assertNull(partial.expect().boundToDom0());
    }

    @Test
    void severalGuestsAndNoGuests() {
        final Scenario s = parse("""
            dom0: {drivers: ["00:04.0"]}
            guests:
              - {name: a, vcpus: 2, passthrough: [{device: "00:03.0", slot: 5}, {device: "00:05.0", slot: 6}]}
              - {name: b, passthrough: [{device: "01:02.0", slot: 5}]}
            """);
        assertEquals(2, s.guests().size());
        assertEquals(2, s.guests().get(0).vcpus());
        assertEquals(5, s.guests().get(1).passthrough().get(0).virtualSlot());
        assertEquals(List.of(), parse("guests: []\n").guests());
    }

    @Test
    void strategyNamesAreCheckedOnlyWhenGiven() {
        assertEquals("my-own-design", ScenarioLoader.parse("strategy: my-own-design\n", "x.yaml", null).strategy());
        assertEquals("xen-4.18", parse("strategy: xen-4.18\n").strategy());
    }

    @Test
    void defaultNameComesFromTheSourceName() {
        assertEquals("run", ScenarioLoader.parse("{}", "C:\\dir\\run.yml", null).name());
        assertEquals("noext", ScenarioLoader.parse("{}", "noext", null).name());
        assertEquals(".hidden", ScenarioLoader.parse("{}", "a/.hidden", null).name());
    }

    @Test
    void multiLineAndEmptyDescriptions() {
        assertEquals("first line second line", parse("description: >-\n  first line\n  second line\n").description());
        assertEquals("", parse("description: \"\"\n").description());
    }

    @Test
    void loadingAMissingFileSaysSo() {
        final Path missing = Path.of("scenarios", "no-such-file.yaml");
        final ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(missing, null));
        assertEquals(missing + ": cannot read the file: no such file", e.getMessage());
        assertEquals(0, e.line());
    }

    // FileErrors' wording, as the firmware reader and the trace commands give it
    @Test
    void aDirectoryIsRefusedInTheSharedWording(@TempDir final Path dir) {
        final ScenarioException d = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(dir, null));
        assertEquals(dir + ": cannot read the file: is a directory", d.getMessage());
    }

    // a file the user may not read printed the exception's class and the file a second time (not run as root, who
    // reads anything)
    @Test
    void anUnreadableFileIsRefusedInTheSharedWording(@TempDir final Path dir) throws Exception {
        final Path locked = Files.writeString(dir.resolve("locked.yaml"), "description: x\n");
        Files.setPosixFilePermissions(locked, java.util.Set.of());
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(locked), "running as a user who reads anything");
        final ScenarioException u = assertThrows(ScenarioException.class, () -> ScenarioLoader.load(locked, null));
        assertEquals(locked + ": cannot read the file: permission denied", u.getMessage());
    }

    @Test
    void aPvDom0WithoutANamedStrategyRunsThePvBaseline() {
        assertEquals("pv-dom0", parse("dom0: {type: pv}\n").strategy());
        assertEquals("status-quo", parse("dom0: {type: pvh}\n").strategy());
        assertEquals("pciback-setup-gsi", parse("dom0: {type: pv}\nstrategy: pciback-setup-gsi\n").strategy());
    }
}
