package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.MadtLocalApic;
import io.irqsim.hw.firmware.PciLinkDevice;
import io.irqsim.hw.ioapic.IoApicRegisters;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Linux's PCI interrupt link driver (drivers/acpi/pci_link.c@v6.12). */
class AcpiPciLinkTest {

    private static final Madt MADT = new Madt(true, List.of(new MadtLocalApic(0, 0, true)),
        List.of(new MadtIoApic(2, IoApicRegisters.DEFAULT_BASE, 0)), List.of());

    private static PciLinkDevice gsiLink(final String name, final int crs, final Integer... prs) {
        return new PciLinkDevice(name, List.of(prs), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, true, crs);
    }

    private static PciLinkDevice isaLink(final String name, final int crs, final Integer... prs) {
        return new PciLinkDevice(name, List.of(prs), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, crs);
    }

    private static AcpiTables tables(final int sci, final PciLinkDevice... links) {
        return new AcpiTables(MADT, Map.of(), List.of(links), sci);
    }

    // ------------------------------------------------------------------ choosing the IRQ

    @Test
    void validCrsIsKeptWhenNothingIsCheaperAndSetWithSrs() {
        // acpi_pci_link_allocate: active IRQ in _PRS -> irq = active; balancing finds nothing cheaper (the link's
        // own boot _CRS is not counted as "using": the documented irqsim difference); _SRS it
        final PciLinkDevice lnka = gsiLink("LNKA", 17, 16, 17, 18);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        final AcpiPciLink.Allocation a = links.allocateIrq("LNKA", 0);
        assertEquals(17, a.irq());
        assertSame(lnka, a.link());
        assertEquals(17, lnka.crs());
        assertEquals(1, lnka.srsCalls(), "Linux sets the link even when it keeps _CRS (acpi_pci_link_set)");
    }

    @Test
    void balancingMovesAValidCrsOffAnIrqAnotherLinkAlreadyUses() {
        // acpi_pci_link_allocate: "if (acpi_irq_balance || !link->irq.active)" pick the lowest penalty;
        // LNKB, set up first at 17, makes 17 "PCI using" (acpi_irq_pci_sharing_penalty)
        final PciLinkDevice lnka = gsiLink("LNKA", 17, 16, 17);
        final PciLinkDevice lnkb = gsiLink("LNKB", 17, 17);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka, lnkb), true);
        assertEquals(17, links.allocateIrq("LNKB", 0).irq());
        assertEquals(16, links.allocateIrq("LNKA", 0).irq());
        assertEquals(16, lnka.crs());
    }

    @Test
    void withoutBalancingAValidCrsIsKeptEvenIfAnotherIrqIsCheaper() {
        // acpi_pci_link_allocate: PIC mode (no acpi_irq_balance) keeps the active IRQ
        final PciLinkDevice lnka = gsiLink("LNKA", 17, 16, 17);
        final PciLinkDevice lnkb = gsiLink("LNKB", 17, 17);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka, lnkb), false);
        assertEquals(17, links.allocateIrq("LNKB", 0).irq());
        assertEquals(17, links.allocateIrq("LNKA", 0).irq());
    }

    @Test
    void disabledCrsChoosesAPossibleIrqAndSetsItWithSrs() {
        // acpi_pci_link_allocate: no active IRQ -> start from the last possible, scan from the end for a lower
        // penalty (ties keep the later one), then _SRS
        final PciLinkDevice lnka = gsiLink("LNKA", 0, 16, 17, 18);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        assertEquals(0, lnka.srsCalls());
        assertEquals(18, links.allocateIrq("LNKA", 0).irq());
        assertEquals(18, lnka.crs());
        assertEquals(1, lnka.srsCalls());
    }

    @Test
    void theSciGsiIsPenalised() {
        // acpi_irq_get_penalty: irq == sci_irq adds sci_penalty (PIRQ_PENALTY_PCI_USING for a level/low SCI)
        final PciLinkDevice lnka = gsiLink("LNKA", 0, 16, 17, 18);
        final AcpiPciLink links = new AcpiPciLink(tables(18, lnka), true);
        assertEquals(17, links.allocateIrq("LNKA", 0).irq());
        assertEquals(AcpiPciLink.PENALTY_PCI_USING + AcpiPciLink.PENALTY_PCI_POSSIBLE / 3, links.penalty(18));
    }

    @Test
    void anEdgeOrActiveHighSciMakesItsIrqUnusableForLinks() {
        // acpi_penalize_sci_irq: a SCI that is not level / active-low gets PIRQ_PENALTY_ISA_ALWAYS
        for (final InterruptSourceOverride iso : List.of(
            InterruptSourceOverride.of(9, 9, IrqTrigger.EDGE, IrqPolarity.ACTIVE_LOW),
            InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_HIGH))) {
            final Madt madt = new Madt(true, List.of(new MadtLocalApic(0, 0, true)),
                List.of(new MadtIoApic(2, IoApicRegisters.DEFAULT_BASE, 0)), List.of(iso));
            final PciLinkDevice lnka = isaLink("LNKA", 9, 9);
            final AcpiPciLink links = new AcpiPciLink(new AcpiTables(madt, Map.of(), List.of(lnka), 9), true);
            assertEquals(AcpiPciLink.PENALTY_ISA_ALWAYS + AcpiPciLink.PENALTY_PCI_POSSIBLE, links.penalty(9));
            assertNull(links.allocateIrq("LNKA", 0), "\"No IRQ available\": the only possible IRQ is the SCI's");
        }
    }

    // drivers/acpi/pci_link.c:acpi_penalize_sci_irq, arch/x86/kernel/acpi/boot.c:acpi_sci_ioapic_setup@v6.12
    @Test
    void theSciPenaltyGoesToTheSciIsaIrqNotToTheGsiItsOverrideNames() {
        // acpi_parse_int_src_ovr passes the override's source_irq as bus_irq; acpi_sci_ioapic_setup calls
        // acpi_penalize_sci_irq(bus_irq, ...), so sci_irq is the FADT's ISA IRQ 9, not GSI 20
        final Madt madt = new Madt(true, List.of(new MadtLocalApic(0, 0, true)),
            List.of(new MadtIoApic(2, IoApicRegisters.DEFAULT_BASE, 0)),
            List.of(InterruptSourceOverride.of(9, 20, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)));
        final PciLinkDevice lnka = gsiLink("LNKA", 0, 21, 20);
        final AcpiPciLink links = new AcpiPciLink(new AcpiTables(madt, Map.of(), List.of(lnka), 20), true);
        assertEquals(AcpiPciLink.PENALTY_PCI_USING, links.penalty(9));
        assertEquals(AcpiPciLink.PENALTY_PCI_POSSIBLE / 2, links.penalty(20));
        // no _CRS: start at the last possible (20); 21 is not cheaper, so 20 stays
        assertEquals(20, links.allocateIrq("LNKA", 0).irq());
    }

    // drivers/acpi/pci_link.c:acpi_pci_link_check_possible@v6.12
    @Test
    void aPrsIrqOfZeroIsSkippedButKeepsItsSlotSoTheLastPossibleIrqIsLost() {
        // possible[i] = interrupts[i] only for non-zero ones while possible_count counts those: _PRS {0, 5, 10}
        // gives possible = {0, 5}, count 2; the allocation starts at possible[count - 1] = 5 and IRQ 0 is never cheaper
        final PciLinkDevice lnka = isaLink("LNKA", 0, 0, 5, 10);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        assertEquals(5, links.allocateIrq("LNKA", 0).irq());
        assertEquals(0, links.penalty(10), "IRQ 10 is not among the link's possible IRQs (acpi_irq_penalty_init)");
    }

    // drivers/acpi/pci_link.c:acpi_pci_link_check_possible@v6.12 (ACPI_PCI_LINK_MAX_POSSIBLE)
    @Test
    void onlyTheFirst16PrsInterruptsArePossible() {
        // the loop stops at ACPI_PCI_LINK_MAX_POSSIBLE (16): _PRS 16..35 gives possible 16..31, each penalised
        // PIRQ_PENALTY_PCI_POSSIBLE / 16; no _CRS, so the allocation starts (and, all equal, stays) at 31
        final Integer[] prs = new Integer[20];
        for (int i = 0; i < prs.length; i++) {
            prs[i] = 16 + i;
        }
        final PciLinkDevice lnka = gsiLink("LNKA", 0, prs);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        assertEquals(0, links.penalty(35));
        assertEquals(AcpiPciLink.PENALTY_PCI_POSSIBLE / 16, links.penalty(31));
        assertEquals(31, links.allocateIrq("LNKA", 0).irq());
    }

    // drivers/acpi/pci_link.c:acpi_pci_link_check_possible, acpi_pci_link_allocate@v6.12
    @Test
    void aPrsOfOnlyIrqZeroLeavesNoPossibleIrqAndTheAllocationFails() {
        // possible_count is 0; Linux would read possible[-1] (undefined); irqsim fails the allocation
        // like "No IRQ available" instead of throwing
        final PciLinkDevice lnka = isaLink("LNKA", 0, 0);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        assertNull(links.allocateIrq("LNKA", 0));
        assertEquals(0, lnka.srsCalls());
    }

    @Test
    void theSciIsLevelLowUnlessItsOverrideSaysOtherwise() {
        // acpi_sci_ioapic_setup: "if (trigger == 0) trigger = 3; if (polarity == 0) polarity = 3"
        final AcpiTables none = tables(9);
        assertTrue(AcpiPciLink.sciLevel(none));
        assertTrue(AcpiPciLink.sciActiveLow(none));
        final Madt edgeHigh = new Madt(true, List.of(new MadtLocalApic(0, 0, true)),
            List.of(new MadtIoApic(2, IoApicRegisters.DEFAULT_BASE, 0)),
            List.of(InterruptSourceOverride.of(9, 9, IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH)));
        final AcpiTables eh = new AcpiTables(edgeHigh, Map.of(), List.of(), 9);
        assertFalse(AcpiPciLink.sciLevel(eh));
        assertFalse(AcpiPciLink.sciActiveLow(eh));
    }

    @Test
    void freeIrqReturnsTheActiveIrqAndKeepsTheReference() {
        // acpi_pci_link_free_irq: refcnt-- is under FUTURE_USE, so the link is never _DISabled
        final PciLinkDevice lnka = gsiLink("LNKA", 17, 16, 17);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        assertEquals(-1, links.freeIrq("LNKA"), "\"Link isn't initialized\"");
        assertEquals(-1, links.freeIrq("LNKZ"), "\"Invalid link device\"");
        final int irq = links.allocateIrq("LNKA", 0).irq();
        assertEquals(irq, links.freeIrq("LNKA"));
        assertEquals(irq, links.freeIrq("LNKA"));
        assertEquals(1, links.refcount("LNKA"));
        assertEquals(1, lnka.srsCalls(), "no _DIS, no second _SRS");
    }

    @Test
    void aSecondLinkPrefersAGsiTheFirstDoesNotUse() {
        // acpi_irq_pci_sharing_penalty: an active link adds PIRQ_PENALTY_PCI_USING to its IRQ
        final PciLinkDevice lnka = gsiLink("LNKA", 0, 16, 17);
        final PciLinkDevice lnkb = gsiLink("LNKB", 0, 16, 17);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka, lnkb), true);
        assertEquals(17, links.allocateIrq("LNKA", 0).irq());
        assertEquals(16, links.allocateIrq("LNKB", 0).irq());
    }

    @Test
    void aSecondLinkPrefersAnIsaIrqTheFirstDoesNotUse() {
        // acpi_pci_link_allocate: "acpi_isa_irq_penalty[link->irq.active] += PIRQ_PENALTY_PCI_USING"
        final PciLinkDevice lnka = isaLink("LNKA", 0, 10, 11);
        final PciLinkDevice lnkb = isaLink("LNKB", 0, 10, 11);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka, lnkb), true);
        assertEquals(11, links.allocateIrq("LNKA", 0).irq());
        // both links list 10 and 11 (acpi_irq_penalty_init: 2 x POSSIBLE/2), LNKA now uses 11
        assertEquals(AcpiPciLink.PENALTY_PCI_POSSIBLE, links.penalty(10));
        assertEquals(AcpiPciLink.PENALTY_PCI_USING + AcpiPciLink.PENALTY_PCI_POSSIBLE, links.penalty(11));
        assertEquals(10, links.allocateIrq("LNKB", 0).irq());
    }

    @Test
    void possibleListsOfLinksNotYetAllocatedCountToo() {
        // acpi_irq_pci_sharing_penalty walks acpi_link_list (every link added at boot):
        // 17 is possible for LNKA and LNKB, 16 only for LNKA, so LNKA takes 16
        final PciLinkDevice lnka = gsiLink("LNKA", 0, 16, 17);
        final PciLinkDevice lnkb = gsiLink("LNKB", 0, 17, 18);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka, lnkb), true);
        assertEquals(AcpiPciLink.PENALTY_PCI_POSSIBLE, links.penalty(17));
        assertEquals(AcpiPciLink.PENALTY_PCI_POSSIBLE / 2, links.penalty(16));
        assertEquals(16, links.allocateIrq("LNKA", 0).irq());
        assertEquals(18, links.allocateIrq("LNKB", 0).irq());
    }

    @Test
    void isaIrqPenaltiesFollowLinuxsTable() {
        // acpi_isa_irq_penalty[]: timer/keyboard/cascade never, 3..8 typical, 9..11 free, 12..15 used
        final AcpiPciLink links = new AcpiPciLink(tables(20), true);
        assertEquals(AcpiPciLink.PENALTY_ISA_ALWAYS, links.penalty(0));
        assertEquals(AcpiPciLink.PENALTY_ISA_ALWAYS, links.penalty(1));
        assertEquals(AcpiPciLink.PENALTY_ISA_ALWAYS, links.penalty(2));
        assertEquals(AcpiPciLink.PENALTY_ISA_TYPICAL, links.penalty(3));
        assertEquals(AcpiPciLink.PENALTY_ISA_TYPICAL, links.penalty(8));
        assertEquals(0, links.penalty(9));
        assertEquals(0, links.penalty(11));
        assertEquals(AcpiPciLink.PENALTY_ISA_USED, links.penalty(12));
        assertEquals(AcpiPciLink.PENALTY_ISA_USED, links.penalty(15));
        assertEquals(0, links.penalty(30), "a GSI no link can use has no penalty");
    }

    @Test
    void onlyNeverAvailableIsaIrqsMeansAllocationFailsWithNoStateChange() {
        // acpi_pci_link_allocate: penalty >= PIRQ_PENALTY_ISA_ALWAYS -> "No IRQ available" -> -ENODEV
        final PciLinkDevice lnka = isaLink("LNKA", 0, 0, 1, 2);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        final int before = links.penalty(2);
        assertNull(links.allocateIrq("LNKA", 0));
        assertNull(links.allocateIrq("LNKA", 0), "a retry fails the same way");
        assertEquals(0, lnka.srsCalls());
        assertEquals(0, lnka.crs());
        assertEquals(0, links.refcount("LNKA"));
        assertEquals(before, links.penalty(2), "a failed allocation does not count as using the IRQ");
    }

    @Test
    void anAvailableIsaIrqIsPreferredOverNeverAvailableOnes() {
        // acpi_pci_link_allocate: the scan from the end stops on the cheapest, IRQ 11 (penalty 0)
        final PciLinkDevice lnka = isaLink("LNKA", 0, 11, 1, 2);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        assertEquals(11, links.allocateIrq("LNKA", 0).irq());
    }

    // ------------------------------------------------------------------ arguments and refcount

    @Test
    void indexOtherThanZeroIsRejectedWithoutTouchingTheLink() {
        // acpi_pci_link_allocate_irq: "Invalid index %d" -> -1
        final PciLinkDevice lnka = gsiLink("LNKA", 16, 16);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        assertNull(links.allocateIrq("LNKA", 1));
        assertEquals(0, lnka.srsCalls());
        assertEquals(0, links.refcount("LNKA"));
    }

    @Test
    void unknownLinkIsRejected() {
        // acpi_pci_link_allocate_irq: acpi_fetch_acpi_dev / acpi_driver_data fails -> -1
        final AcpiPciLink links = new AcpiPciLink(tables(9, gsiLink("LNKA", 16, 16)), true);
        assertNull(links.allocateIrq("LNKZ", 0));
        assertEquals(0, links.refcount("LNKZ"));
    }

    @Test
    void refcountGrowsPerAllocationAndSrsHappensOnlyOnce() {
        // acpi_pci_link_allocate_irq: link->refcnt++; an initialised link with users is not set again
        final PciLinkDevice lnka = gsiLink("LNKA", 16, 16);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        for (int i = 1; i <= 3; i++) {
            final AcpiPciLink.Allocation a = links.allocateIrq("LNKA", 0);
            assertNotNull(a);
            assertEquals(16, a.irq());
            assertEquals(i, links.refcount("LNKA"));
        }
        assertEquals(1, lnka.srsCalls());
    }

    @Test
    void anInitialisedLinkKeepsItsIrqEvenIfFirmwareChangesCrs() {
        // acpi_pci_link_allocate: once initialized, the active IRQ Linux chose is what it hands out
        final PciLinkDevice lnka = gsiLink("LNKA", 0, 16, 17);
        final AcpiPciLink links = new AcpiPciLink(tables(9, lnka), true);
        final int first = links.allocateIrq("LNKA", 0).irq();
        lnka.srs(first == 16 ? 17 : 16);
        assertEquals(first, links.allocateIrq("LNKA", 0).irq());
    }
}
