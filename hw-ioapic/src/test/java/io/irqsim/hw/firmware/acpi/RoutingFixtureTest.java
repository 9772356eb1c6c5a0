package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * routing.asl (DSDT) and ssdt-bridge.asl: what Linux would read for PCI INTx routing, in APIC
 * mode after {@code \_PIC(1)}, with the PIRQ router's registers (an OperationRegion) defaulted or
 * supplied.
 */
class RoutingFixtureTest {

    private static PciRoutingReader.Result read(final Map<String, Long> fields) {
        final AmlInterpreter aml = new AmlInterpreter(fields);
        aml.load(Fixtures.aml("routing"));
        aml.load(Fixtures.aml("ssdt-bridge"));
        assertTrue(aml.warnings().isEmpty(), aml.warnings().toString());
        return PciRoutingReader.read(aml);
    }

    private static PciRoutingReader.Prt gsi(final String bridge, final int dev, final int pin, final int gsi) {
        return new PciRoutingReader.Prt(bridge, "\\_SB.PCI0", bridge.equals("\\_SB.PCI0") ? -1
            : bridge.endsWith("RP01") ? 0x001C0000 : 0x001E0000, dev, pin, "", gsi);
    }

    @Test
    void hostBridgePrtIsTheApicTableOnceThePicMethodRan() {
        final PciRoutingReader.Result r = read(Map.of());
        assertEquals(List.of(new PciRoutingReader.HostBridge("\\_SB.PCI0", 0)), r.hostBridges());
        final List<PciRoutingReader.Prt> host = r.prt().stream().filter(p -> p.bridge().equals("\\_SB.PCI0")).toList();
        assertEquals(List.of(
            gsi("\\_SB.PCI0", 3, 0, 16),
            new PciRoutingReader.Prt("\\_SB.PCI0", "\\_SB.PCI0", -1, 4, 0, "\\_SB.LNKB", 0),
            gsi("\\_SB.PCI0", 31, 1, 19),
            gsi("\\_SB.PCI0", 28, 3, 23)), host);
    }

    @Test
    void rootPortPrtBuiltByAMethodLoop() {
        final List<PciRoutingReader.Prt> rp = read(Map.of()).prt().stream()
            .filter(p -> p.bridge().equals("\\_SB.PCI0.RP01")).toList();
        assertEquals(List.of(gsi("\\_SB.PCI0.RP01", 0, 0, 18), gsi("\\_SB.PCI0.RP01", 0, 1, 19),
            gsi("\\_SB.PCI0.RP01", 0, 2, 16), gsi("\\_SB.PCI0.RP01", 0, 3, 17)), rp);
    }

    @Test
    void ssdtBridgeUnderTheDsdtHostBridgeNamesADsdtLink() {
        final List<PciRoutingReader.Prt> p2p = read(Map.of()).prt().stream()
            .filter(p -> p.bridge().equals("\\_SB.PCI0.P2P1")).toList();
        assertEquals(List.of(new PciRoutingReader.Prt("\\_SB.PCI0.P2P1", "\\_SB.PCI0", 0x001E0000, 2, 0, "\\_SB.LNKA", 0),
            gsi("\\_SB.PCI0.P2P1", 2, 1, 18)), p2p);
    }

    @Test
    void linkDevicesFromIrqAndExtendedInterruptDescriptors() {
        final PciRoutingReader.Result r = read(Map.of());
        assertEquals(List.of(
            new PciRoutingReader.Link("\\_SB.LNKA", List.of(3, 4, 5, 7, 10, 11), 0, IrqTrigger.LEVEL,
                IrqPolarity.ACTIVE_LOW, true, false, 0x0B),
            new PciRoutingReader.Link("\\_SB.LNKB", List.of(20, 21), 21, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true,
                true, 0x0F)), r.links());
    }

    @Test
    void methodsReadingTheRouterRegisterAreListedAsDefaulted() {
        assertEquals(List.of(
            new PciRoutingReader.Defaulted("\\_SB.LNKA._STA", List.of("\\_SB.PCI0.PIRA")),
            new PciRoutingReader.Defaulted("\\_SB.LNKA._CRS", List.of("\\_SB.PCI0.PIRA"))), read(Map.of()).defaulted());
    }

    @Test
    void aSuppliedRegisterValueIsWhatCrsReports() {
        final PciRoutingReader.Result r = read(Map.of("\\_SB.PCI0.PIRA", 0x0BL));
        assertEquals(11, r.links().get(0).current());
        assertTrue(r.defaulted().isEmpty());
    }

    @Test
    void eisaIdsDecodeAsAcpicaDoes() {
        assertEquals("PNP0A03", PciRoutingReader.eisaId(0x030AD041L));
        assertEquals("PNP0C0F", PciRoutingReader.eisaId(0x0F0CD041L));
    }
}
