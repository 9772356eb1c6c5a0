package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code irqsim platform --firmware DUMP [--json]} and {@code irqsim run --firmware DUMP} on the HP
 * ProLiant DL360 G5's {@code acpidump} output (hw-ioapic's test resources, origin in their README).
 */
class FirmwareCommandTest {

    @TempDir
    static Path dir;
    private static Path dump;

    @BeforeAll
    static void unpack() throws Exception {
        dump = dir.resolve("dl360.acpi");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
            Path.of("../hw-ioapic/src/test/resources/firmware/real/ProLiant-DL360-G5.acpi.gz")))) {
            Files.write(dump, in.readAllBytes());
        }
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(final String... args) {
        final CommandLine cl = Main.commandLine();
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        final int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void jsonHasExactlyTheFieldsOfTheIssue() throws Exception {
        final Run r = run("platform", "--firmware", dump.toString(), "--json");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        final JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("localApic", "ioapics", "overrides", "sci", "prt", "links", "warnings"),
            iterable(root.fieldNames()));
        // the DL360's MADT header says 0xFEE00000 and it has no type-5 entry
        assertEquals(List.of("address", "source", "madtAddress", "override"),
            iterable(root.get("localApic").fieldNames()));
        assertEquals(0xFEE00000L, root.get("localApic").get("address").asLong());
        assertEquals("header", root.get("localApic").get("source").asText());
        assertTrue(root.get("localApic").get("override").isNull());
        assertEquals(List.of("id", "address", "gsiBase", "pins"), iterable(root.get("ioapics").get(0).fieldNames()));
        assertEquals(9, root.get("ioapics").get(1).get("id").asInt());
        assertEquals(24, root.get("ioapics").get(1).get("gsiBase").asInt());
        final JsonNode sciOverride = root.get("overrides").get(1);
        assertEquals(List.of("bus", "irq", "gsi", "polarity", "trigger"), iterable(sciOverride.fieldNames()));
        assertEquals("high", sciOverride.get("polarity").asText());
        assertEquals("level", sciOverride.get("trigger").asText());
        assertEquals(9, root.get("sci").asInt());
        final JsonNode prt0 = root.get("prt").get(0);
        assertEquals("\\_SB.PCI0", prt0.get("bridge").asText());
        assertEquals(29, prt0.get("device").asInt());
        assertEquals(16, prt0.get("gsi").asInt());
        final JsonNode link = root.get("links").get(0);
        assertEquals(List.of("path", "possible", "current", "trigger", "polarity", "shareable"),
            iterable(link.fieldNames()));
        assertEquals("\\_SB.LNKA", link.get("path").asText());
        assertTrue(root.get("warnings").toString().contains("\\\\_SB.LNKA._CRS needed a default"),
            root.get("warnings").toString());
    }

    private static List<String> iterable(final java.util.Iterator<String> it) {
        final List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    @Test
    void textListsIoApicsOverridesSciAndThePrtPerBridge() {
        final Run r = run("platform", "--firmware", dump.toString());
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("IO-APIC id 9 at 0xfec80000: GSI 24-47 (24 pins)"), r.out());
        assertTrue(r.out().contains("override: bus 0 IRQ 9 -> GSI 9, polarity high, trigger level"), r.out());
        assertTrue(r.out().contains("FADT: SCI_INT 9 (GSI 9)"), r.out());
        assertTrue(r.out().contains("\\_SB.PCI0._PRT:\n  device 29 INTA -> GSI 16"), r.out());
    }

    @Test
    void truncatedDumpExitsTwoNamingTableAndOffset() throws Exception {
        final String text = Files.readString(dump);
        final Path cut = dir.resolve("cut.acpi");
        Files.writeString(cut, text.substring(0, text.indexOf("    0040:", text.indexOf("APIC @"))));
        final Run r = run("platform", "--firmware", cut.toString());
        assertEquals(Main.EXIT_USAGE, r.status());
        assertTrue(r.err().startsWith("irqsim: " + cut + ": APIC at offset 0x40: truncated"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    // a directory given as the dump reads as the trace commands word it (FileErrors): lower case,
    // the file named once; the system's own "Is a directory" was printed as it came before
    @Test
    void directoryAsTheDumpIsRefusedInTheSharedWording() {
        final Run r = run("platform", "--firmware", dir.toString());
        assertEquals(Main.EXIT_USAGE, r.status());
        assertEquals("irqsim: " + dir + ": cannot read the file: is a directory\n", r.err());
    }

    @Test
    void jsonWithoutFirmwareIsAUsageError() {
        assertEquals(Main.EXIT_USAGE, run("platform", "--json").status());
    }

    @Test
    void runBootsTheDefaultScenarioOnTheFirmwareAndShowsAcpiPciIrqEnable() {
        final Run r = run("run", "--firmware", dump.toString(), "--strategy", "pciback-setup-gsi");
        // 00:1d.0 is the first device the DL360's host bridge _PRT routes INTA for: GSI 16 (acpiexec agrees)
        assertTrue(r.out().contains("00:1d.0: PCI INTA -> GSI 16 (level, low)"), r.out());
        assertTrue(r.out().contains("IO-APIC: 2 chip(s)"), r.out());
        assertEquals(Main.EXIT_OK, r.status(), r.out());
        // the firmware's warnings go to the command's own error stream, one line each
        assertTrue(r.err().contains("irqsim: firmware: default scenario on firmware: the NIC is seated at 00:1d.0"),
            r.err());
    }

    // the ASRock X570 Taichi's MADT gives its IO-APICs ids 25 and 26: run used to refuse the dump with exit 2 ("IO-APIC
    // id 25 does not fit in 4 bits"); the firmware platform now models them with an 8-bit IOAPICID and the run boots
    @Test
    void runBootsTheX570WhoseIoApicIdsNeedMoreThanFourBits() throws Exception {
        final Path x570 = dir.resolve("x570.acpi");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
            Path.of("../hw-ioapic/src/test/resources/firmware/real/ASRock-X570-Taichi.acpi.gz")))) {
            Files.write(x570, in.readAllBytes());
        }
        final Run r = run("run", "--firmware", x570.toString(), "--strategy", "pciback-setup-gsi");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertFalse(r.err().contains("does not fit"), r.err());
        assertTrue(r.out().contains("IO-APIC: 2 chip(s)"), r.out());
        // acpiexec: \_SB.PCI0._PRT routes device 1 INTA to GSI 40, pin 16 of the IO-APIC with id 26 (GSI base 24)
        assertTrue(r.out().contains("00:01.0: PCI INTA -> GSI 40 (level, low)"), r.out());
        assertTrue(r.out().contains("IO-APIC 26 pin 16"), r.out());
        assertTrue(r.out().contains("delivery: 100 of 100 delivered"), r.out());
    }

    /**
     * A scenario with an IO-APIC out of the way (0xfef00000, above the local APIC) and 193 endpoints with INTA on
     * bus 0 from 00:01.0 (00:1e.0 not reached): it loads, but the firmware's IO-APIC id 8 at 0xfec00000 sits in the
     * 193rd BAR slot.
     */
    private static String manyEndpoints(final String extra) {
        final StringBuilder sb = new StringBuilder("platform:\n  ioapics: [{id: 2, address: 0xfef00000, gsiBase: 0}]\n"
            + "  pci:\n");
        for (int i = 0; i < 193; i++) {
            sb.append(String.format("    - {bdf: \"00:%02x.%d\", vendor: 0x8086, device: 1, pin: INTA}%n", 1 + i / 8,
                i % 8));
        }
        return sb.append("dom0: {drivers: []}\nguests: []\ntraffic: []\n").append(extra).toString();
    }

    private static final String FIRMWARE_IOAPIC_IN_BAR_WINDOW = "IO-APIC id 8's register window 0xfec00000-0xfec000ff"
        + " overlaps the BAR0 slot of 00:19.0 0xfec00000-0xfec0ffff (the PCI BAR window 0xfe000000-0xfec0ffff: 64 KiB"
        + " for BAR0 of each of the 193 PCI devices with an interrupt pin)";

    @Test
    void aFirmwareIoApicInTheBarWindowIsAFileErrorNamingBothRanges() throws Exception {
        final Path yaml = Files.writeString(dir.resolve("many.yaml"), manyEndpoints(""));
        final Run r = run("run", "--firmware", dump.toString(), yaml.toString());
        assertEquals(Main.EXIT_USAGE, r.status());
        assertEquals("irqsim: " + dump + ": the firmware describes no machine irqsim can build: "
            + FIRMWARE_IOAPIC_IN_BAR_WINDOW + "\n", r.err());
    }

    @Test
    void theAcpidumpKeyReportsTheSameOverlapAtItsLine() throws Exception {
        final Path yaml = Files.writeString(dir.resolve("many-fw.yaml"), manyEndpoints("firmware: {acpidump: dl360.acpi}\n"));
        final Run r = run("run", yaml.toString());
        assertEquals(Main.EXIT_USAGE, r.status());
        // 3 lines of platform header, 193 devices, dom0, guests, traffic: the firmware key is on line 200
        assertEquals("irqsim: " + yaml + ":200:22: firmware.acpidump: " + FIRMWARE_IOAPIC_IN_BAR_WINDOW + "\n", r.err());
    }

    private static final Path ASL = Path.of("../hw-ioapic/src/test/resources/firmware/asl");

    /** A copy of a compiled MADT fixture with the byte at {@code offset} set to {@code value}. */
    private static Path patched(final String fixture, final int offset, final int value) throws Exception {
        final byte[] b = Files.readAllBytes(ASL.resolve(fixture + ".aml"));
        b[offset] = (byte) value;
        return Files.write(dir.resolve(fixture + "-" + offset + ".dat"), b);
    }

    // acpi_parse_lapic_addr_ovr (xen/arch/x86/acpi/boot.c@RELEASE-4.20.0): the last type-5 entry wins over the header
    @Test
    void platformReportsTheLocalApicAddressAndWhereItComesFrom() throws Exception {
        final Path aml = ASL.resolve("madt-lapic-override.aml");
        final Run text = run("platform", "--firmware", aml.toString());
        assertEquals(Main.EXIT_OK, text.status(), text.err());
        assertTrue(text.out().contains("MADT: local APIC address 0xfee00000, PCAT_COMPAT 1"), text.out());
        assertTrue(text.out().contains("local APIC at 0xfef10000 (the type-5 local APIC address override, over the"
            + " header's 0xfee00000)\n"), text.out());
        final Run json = run("platform", "--firmware", aml.toString(), "--json");
        assertEquals(Main.EXIT_OK, json.status(), json.err());
        final JsonNode lapic = new ObjectMapper().readTree(json.out()).get("localApic");
        assertEquals(0xFEF10000L, lapic.get("address").asLong());
        assertEquals("override", lapic.get("source").asText());
        assertEquals(0xFEE00000L, lapic.get("madtAddress").asLong());
        assertEquals(0xFEF10000L, lapic.get("override").asLong());
    }

    // xen/include/xen/acpi.h:BAD_MADT_ENTRY@RELEASE-4.20.0 in acpi_parse_lapic_addr_ovr: a type-5 entry shorter than
    // 12 bytes; irqsim refuses the dump naming the table and the entry's offset (0x52, the first type-5 entry)
    @Test
    void truncatedTypeFiveEntryExitsTwoNamingTableAndOffset() throws Exception {
        final Path cut = patched("madt-lapic-override", 0x53, 10);
        final Run r = run("platform", "--firmware", cut.toString());
        assertEquals(Main.EXIT_USAGE, r.status());
        assertEquals("irqsim: " + cut + ": APIC (LAPICOVR) at offset 0x52: MADT entry of type 5 has length 10, the type"
            + " needs 12\n", r.err());
    }

    // xen/arch/x86/io_apic.c:ioapic_init_mappings@RELEASE-4.20.0: IO-APIC id 2 at 0xfec00020 (not 1 KiB aligned) is
    // bogus, Xen disables IO-APIC support: platform warns, run refuses (exit 2) in the same words
    @Test
    void misalignedIoApicIsReportedAndTheMachineRefused() throws Exception {
        final Path bogus = patched("madt-lapic-header", 0x40, 0x20);
        final String why = "IO-APIC id 2's address 0xfec00020 is not 1 KiB aligned: Xen says \"bogus IO-APIC address"
            + " found, disabling IO-APIC support\" (ioapic_init_mappings) and would take every interrupt through the 8259"
            + " PIC, which irqsim does not model";
        final Run report = run("platform", "--firmware", bogus.toString());
        assertEquals(Main.EXIT_OK, report.status(), report.err());
        assertTrue(report.out().contains("warning: " + why + "; run, compare, bench and serve refuse this firmware\n"),
            report.out());
        final Run boot = run("run", "--firmware", bogus.toString());
        assertEquals(Main.EXIT_USAGE, boot.status());
        assertTrue(boot.err().contains(": the firmware describes no machine irqsim can build: " + why), boot.err());
    }

    // mp_register_lapic_address (xen/arch/x86/mpparse.c@RELEASE-4.20.0): the DL360 with its MADT header moved to
    // 0xFEE10000 still boots the default scenario and delivers the NIC's interrupts (Xen's SVR writes and EOIs reach
    // the LAPICs at the moved page; the checksum left stale is a warning)
    @Test
    void runBootsOnAMovedLocalApic() throws Exception {
        final String text = Files.readString(dump);
        final int line = text.indexOf("    0020: 00 00 00 00 00 00 E0 FE", text.indexOf("APIC @"));
        final Path moved = dir.resolve("dl360-lapic.acpi");
        Files.writeString(moved, text.substring(0, line) + "    0020: 00 00 00 00 00 00 E1 FE"
            + text.substring(line + "    0020: 00 00 00 00 00 00 E0 FE".length()));
        assertTrue(run("platform", "--firmware", moved.toString()).out().contains("local APIC at 0xfee10000 (the MADT"
            + " header)"));
        final Run r = run("run", "--firmware", moved.toString(), "--strategy", "pciback-setup-gsi");
        assertTrue(r.out().contains("delivery: 100 of 100 interrupts reached the guest's driver"), r.out());
        assertEquals(Main.EXIT_OK, r.status(), r.out());
    }
}
