package io.irqsim.hw.firmware;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PciLinkDevice}: a PNP0C0F interrupt link (ACPI 6.5, section 6.2.13.1 "Example: Using
 * _PRT to Describe PCI IRQ Routing"; 6.2.12 _PRS, 6.2.2 _CRS, 6.2.16 _SRS, 6.2.3 _DIS), as Linux
 * {@code drivers/acpi/pci_link.c} drives it ({@code acpi_pci_link_get_possible},
 * {@code acpi_pci_link_get_current}, {@code acpi_pci_link_set}). An IRQ descriptor (6.4.2.1) can
 * only name IRQs 0..15; an Extended Interrupt descriptor (6.4.3.6) names GSIs.
 */
class PciLinkDeviceTest {

    private PciLinkDevice lnka() {
        return new PciLinkDevice("LNKA", List.of(5, 10, 11), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 10);
    }

    // ACPI 6.5 6.2.12 / 6.2.2: _PRS lists the possible interrupts, _CRS the current one
    @Test
    void prsAndCrsReportThePossibleAndCurrentInterrupts() {
        final PciLinkDevice l = lnka();
        assertEquals(List.of(5, 10, 11), l.prs());
        assertEquals(10, l.crs());
        assertEquals("LNKA", l.name());
        assertEquals(IrqTrigger.LEVEL, l.trigger());
        assertEquals(IrqPolarity.ACTIVE_LOW, l.polarity());
        assertTrue(l.shareable());
        assertFalse(l.extended());
    }

    // ACPI 6.5 6.2.16: _SRS with one of the _PRS interrupts selects it
    @Test
    void srsSelectsAPossibleInterrupt() {
        final PciLinkDevice l = lnka();
        assertTrue(l.srs(11));
        assertEquals(11, l.crs());
        assertEquals(1, l.srsCalls());
    }

    // Linux acpi_pci_link_set checks _CRS after _SRS; an IRQ the link cannot route is refused and nothing changes
    @Test
    void srsRefusesAnInterruptOutsidePrsAndChangesNothing() {
        final PciLinkDevice l = lnka();
        assertFalse(l.srs(9));
        assertFalse(l.srs(0));
        assertFalse(l.srs(16));
        assertEquals(10, l.crs());
        assertEquals(0, l.srsCalls());
    }

    // ACPI 6.5 6.2.3: _DIS disables the link; _CRS then reports no interrupt
    @Test
    void disDisablesTheLinkAndSrsReEnablesIt() {
        final PciLinkDevice l = lnka();
        l.dis();
        assertEquals(0, l.crs());
        assertTrue(l.srs(5));
        assertEquals(5, l.crs());
    }

    @Test
    void resetRestoresTheBootCrsAndForgetsSrsCalls() {
        final PciLinkDevice l = lnka();
        l.srs(5);
        l.srs(11);
        assertEquals(2, l.srsCalls());
        l.reset();
        assertEquals(10, l.crs());
        assertEquals(0, l.srsCalls());
        l.dis();
        l.reset();
        assertEquals(10, l.crs());
        final PciLinkDevice off = new PciLinkDevice("LNKB", List.of(5), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW,
            true, false, 0);
        off.srs(5);
        off.reset();
        assertEquals(0, off.crs(), "a link disabled at boot is disabled again after reset");
    }

    // ACPI 6.5 6.4.2.1: the IRQ descriptor's mask has 16 bits, IRQ0..IRQ15
    @Test
    void irqDescriptorIsLimitedToIrqs0To15() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PciLinkDevice("LNKA",
            List.of(11, 16), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 11));
        assertTrue(e.getMessage().contains("16") && e.getMessage().contains("0..15"), e.getMessage());
        assertEquals(15, new PciLinkDevice("LNKA", List.of(15), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true,
            false, 15).crs());
    }

    // ACPI 6.5 6.4.3.6: the Extended Interrupt descriptor names GSIs, including ones above 15
    @Test
    void extendedDescriptorMayNameGsisAbove15() {
        final PciLinkDevice l = new PciLinkDevice("LNKA", List.of(16, 17), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW,
            true, true, 16);
        assertEquals(16, l.crs());
        assertTrue(l.srs(17));
        assertTrue(l.extended());
        assertThrows(IllegalArgumentException.class, () -> new PciLinkDevice("LNKA", List.of(-1),
            IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, true, 0));
    }

    @Test
    void invalidDefinitionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new PciLinkDevice("LNKA", List.of(),
            IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 0), "empty _PRS");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PciLinkDevice("LNKA",
            List.of(5, 10), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 11));
        assertTrue(e.getMessage().contains("_CRS 11"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PciLinkDevice("LNKAB", List.of(5),
            IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 5), "ACPI names are at most 4 characters");
        assertThrows(IllegalArgumentException.class, () -> new PciLinkDevice("", List.of(5),
            IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 5));
        assertThrows(IllegalArgumentException.class, () -> new PciLinkDevice(null, List.of(5),
            IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 5));
    }

    @Test
    void describesItselfLikeLinuxPrintsALink() {
        assertEquals("LNKA _PRS=[5, 10, 11] _CRS=10 level/low shared", lnka().toString());
    }
}
