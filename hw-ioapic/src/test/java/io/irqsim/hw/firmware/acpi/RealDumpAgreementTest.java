package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real machines' {@code acpidump} output (src/test/resources/firmware/real, origins in its README):
 * irqsim's reading of the IO-APICs, the interrupt source overrides, the FADT SCI and the host
 * bridge's {@code _PRT} after {@code \_PIC(1)} agrees line for line with ACPICA's
 * ({@code iasl -d} for the MADT and FADT, {@code acpiexec} for the {@code _PRT}), whose output
 * {@code generate-expected.sh} wrote into {@code NAME.expected}.
 */
class RealDumpAgreementTest {

    static AcpiFirmware load(final String name) throws IOException {
        try (InputStream in = RealDumpAgreementTest.class.getResourceAsStream("/firmware/real/" + name + ".acpi.gz")) {
            final byte[] text = new GZIPInputStream(in).readAllBytes();
            return AcpiFirmware.of(AcpiDumpReader.parse(text), Map.of(), Map.of());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ProLiant-DL360-G5", "Acer-C720-Peppy", "Gigabyte-M68M-S2P", "Gigabyte-970A-DS3P",
        "Intel-DG965LV", "Google-Fizz", "ASRock-X570-Taichi"})
    void madtSciAndHostBridgePrtAgreeWithAcpica(final String name) throws IOException {
        final String expected;
        try (InputStream in = getClass().getResourceAsStream("/firmware/real/" + name + ".expected")) {
            expected = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        final AcpiFirmware fw = load(name);
        final List<String> lines = new ArrayList<>();
        for (final MadtReader.IoApic io : fw.madt().ioApics()) {
            lines.add(String.format("ioapic id=%d address=0x%08X gsibase=%d", io.id(), io.address(), io.gsiBase()));
        }
        for (final InterruptSourceOverride o : fw.madt().overrides()) {
            lines.add(String.format("override bus=%d irq=%d gsi=%d polarity=%d trigger=%d", o.bus(), o.source(),
                o.gsi(), o.flags() & 3, o.flags() >>> 2 & 3));
        }
        lines.add("sci " + fw.sci());
        for (final PciRoutingReader.Prt p : fw.routing().prt()) {
            if (!p.bridge().equals("\\_SB.PCI0")) {
                continue;
            }
            lines.add(String.format("prt %s device=%d pin=%d %s", p.bridge(), p.device(), p.pin(),
                p.isLink() ? "link=" + p.link().substring(p.link().lastIndexOf('.') + 1) : "gsi=" + p.sourceIndex()));
        }
        assertTrue(expected.lines().anyMatch(l -> l.startsWith("prt ")), name + ": the expected file has a _PRT");
        assertEquals(expected.lines().toList(), lines);
    }
}
