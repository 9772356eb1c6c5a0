package io.irqsim.hw.firmware;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AcpiTables}: the MADT, per-bus {@code _PRT}s and link devices as one consistent set (ACPI
 * 6.5, 6.2.13: a {@code _PRT} Source must name a device in the namespace; Linux
 * {@code acpi_pci_irq_find_prt_entry} / {@code acpi_pci_link_allocate_irq}).
 */
class AcpiTablesTest {

    private final Madt madt = new Madt(true, List.of(new MadtLocalApic(0, 0, true)),
        List.of(new MadtIoApic(2, 0xFEC00000L, 0)), List.of());

    private static PciLinkDevice link(final String name, final int crs) {
        return new PciLinkDevice(name, List.of(5, 10, 11), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, crs);
    }

    @Test
    void prtNamingAMissingLinkDeviceIsRejected() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AcpiTables(madt,
            Map.of(0, List.of(PrtEntry.toLink(3, 0, "LNKA"), PrtEntry.toLink(4, 0, "LNKZ"))),
            List.of(link("LNKA", 10)), 9));
        assertTrue(e.getMessage().contains("LNKZ") && e.getMessage().contains("bus 0"), e.getMessage());
    }

    @Test
    void twoLinkDevicesWithOneNameAreRejected() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AcpiTables(madt,
            Map.of(), List.of(link("LNKA", 10), link("LNKA", 11)), 9));
        assertTrue(e.getMessage().contains("LNKA"), e.getMessage());
    }

    @Test
    void busesWithoutAPrtHaveNone() {
        final List<PrtEntry> bus0 = List.of(PrtEntry.toLink(3, 0, "LNKA"), PrtEntry.toGsi(4, 0, 17));
        final AcpiTables t = new AcpiTables(madt, Map.of(0, bus0), List.of(link("LNKA", 10)), 9);
        assertEquals(bus0, t.prt(0));
        assertNull(t.prt(1));
        assertEquals(Map.of(0, bus0), t.prtByBus());
        assertSame(madt, t.madt());
        assertEquals(9, t.sciGsi());
    }

    @Test
    void linksAreFoundByNameInDeclarationOrder() {
        final PciLinkDevice b = link("LNKB", 11);
        final PciLinkDevice a = link("LNKA", 10);
        final AcpiTables t = new AcpiTables(madt, Map.of(), List.of(b, a), 9);
        assertSame(a, t.link("LNKA"));
        assertNull(t.link("LNKC"));
        assertEquals(List.of(b, a), t.links());
        assertThrows(UnsupportedOperationException.class, () -> t.links().clear());
    }

    @Test
    void resetRestoresEveryLinksBootSetting() {
        final PciLinkDevice a = link("LNKA", 10);
        final PciLinkDevice b = link("LNKB", 11);
        final AcpiTables t = new AcpiTables(madt, Map.of(), List.of(a, b), 9);
        a.srs(5);
        b.dis();
        t.reset();
        assertEquals(10, a.crs());
        assertEquals(11, b.crs());
    }

    @Test
    void prtListsAreCopied() {
        final java.util.ArrayList<PrtEntry> bus0 = new java.util.ArrayList<>(List.of(PrtEntry.toGsi(4, 0, 17)));
        final AcpiTables t = new AcpiTables(madt, Map.of(0, bus0), List.of(), 9);
        bus0.add(PrtEntry.toGsi(5, 0, 17));
        assertEquals(1, t.prt(0).size());
    }
}
