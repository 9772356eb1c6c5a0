package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An HVM guest's interrupt wires ({@code struct hvm_irq}, {@code xen/arch/x86/hvm/irq.c}@RELEASE-4.18.0): the
 * INTx-to-GSI and INTx-to-link swizzles of {@code asm/hvm/irq.h}, the per-link assertion count of
 * {@code __hvm_pci_intx_assert}/{@code __hvm_pci_intx_deassert}, {@code hvm_set_pci_link_route} with no line
 * asserted, the ISA wires of {@code hvm_isa_irq_assert}/{@code _deassert}, and {@code hvm_gsi_assert}/
 * {@code hvm_gsi_deassert} for the hardware domain's edge and level GSIs.
 */
class HvmIrqLinesTest {

    private static void writeRte(final IoApic io, final int pin, final long rte) {
        io.writeIndirect(0x11 + 2 * pin, Rte.high(rte));
        io.writeIndirect(0x10 + 2 * pin, Rte.low(rte));
    }

    /** {@code hvm_pci_intx_gsi} and {@code hvm_pci_intx_link} for values worked out by hand from the macros. */
    @Test
    void intxSwizzlesFollowTheAsmHvmIrqMacros() {
        // ((dev << 2) + (dev >> 3) + intx) & 31) + 16
        assertEquals(16, HvmIrq.pciIntxGsi(0, 0));
        assertEquals(19, HvmIrq.pciIntxGsi(0, 3));
        assertEquals(20, HvmIrq.pciIntxGsi(1, 0));
        assertEquals(17, HvmIrq.pciIntxGsi(8, 0), "(32 + 1) & 31 = 1");
        assertEquals(18, HvmIrq.pciIntxGsi(31, 3), "(124 + 3 + 3) & 31 = 2");
        assertEquals(47, HvmIrq.pciIntxGsi(7, 3), "(28 + 0 + 3) = 31");
        // (dev + intx) & 3
        assertEquals(0, HvmIrq.pciIntxLink(0, 0));
        assertEquals(3, HvmIrq.pciIntxLink(1, 2));
        assertEquals(0, HvmIrq.pciIntxLink(2, 2));
        assertEquals(2, HvmIrq.pciIntxLink(31, 3));
        // hvm_isa_irq_to_gsi: (isa_irq) ?: 2
        assertEquals(2, HvmIrq.isaIrqToGsi(0));
        assertEquals(1, HvmIrq.isaIrqToGsi(1));
        assertEquals(15, HvmIrq.isaIrqToGsi(15));
    }

    /**
     * Two INTx lines on one PCI link: {@code pci_link_assert_count[link]++ == 0} raises the ISA GSI once; it
     * falls only when the last line on the link is deasserted. Asserting a line twice counts once
     * ({@code __test_and_set_bit}).
     */
    @Test
    void linesSharingALinkRaiseItsIsaIrqOnceAndDropItWithTheLastLine() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final HvmIrq irq = domu.hvmIrq();
        // device 3 INTA and device 7 INTA both use link (3 + 0) & 3 = (7 + 0) & 3 = 3
        irq.setPciLinkRoute(3, 10);
        assertEquals(0, irq.gsiAssertCount(10), "no line asserted: moving the route asserts nothing");
        irq.pciIntxAssert(3, 0);
        irq.pciIntxAssert(3, 0);
        assertEquals(1, irq.gsiAssertCount(HvmIrq.pciIntxGsi(3, 0)), "a wire already high counts once");
        assertEquals(1, irq.gsiAssertCount(10));
        irq.pciIntxAssert(7, 0);
        assertEquals(1, irq.gsiAssertCount(10), "the second line on link 3 does not raise ISA IRQ 10 again");
        final IoApic io = domu.vioapics().get(0);
        assertTrue(io.input(10));
        irq.pciIntxDeassert(3, 0);
        assertEquals(1, irq.gsiAssertCount(10));
        assertTrue(io.input(10), "device 7 still holds the link");
        assertEquals(0, irq.gsiAssertCount(HvmIrq.pciIntxGsi(3, 0)));
        irq.pciIntxDeassert(3, 0);
        assertEquals(1, irq.gsiAssertCount(10), "a wire already low counts once");
        irq.pciIntxDeassert(7, 0);
        assertEquals(0, irq.gsiAssertCount(10));
        assertFalse(io.input(10));
        final List<TraceRecord> asserts = rig.records(HvEvent.INTX_ASSERT);
        assertEquals(2, asserts.size());
        assertEquals(3 << 2, asserts.get(0).a(), "device << 2 | intx");
        assertEquals(HvmIrq.pciIntxGsi(3, 0), asserts.get(0).b());
        assertEquals(1, asserts.get(0).c());
        final List<TraceRecord> deasserts = rig.records(HvEvent.INTX_DEASSERT);
        assertEquals(2, deasserts.size());
        assertEquals(7 << 2, deasserts.get(1).a());
        assertEquals(0, deasserts.get(1).c());
    }

    /** A link routed to no ISA IRQ (0) raises only the PCI GSI; setting the same route again changes nothing. */
    @Test
    void unroutedLinkRaisesOnlyThePciGsi() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final HvmIrq irq = domu.hvmIrq();
        irq.pciIntxAssert(2, 1); // link 3, route 0
        for (int gsi = 0; gsi < 16; gsi++) {
            assertEquals(0, irq.gsiAssertCount(gsi), "ISA GSI " + gsi);
        }
        irq.setPciLinkRoute(3, 0);
        assertEquals(0, irq.pciLinkRoute(3));
        irq.setPciLinkRoute(3, 5);
        assertEquals(1, irq.gsiAssertCount(5), "routing the asserted link carries the assertion");
        irq.setPciLinkRoute(3, 5);
        assertEquals(1, irq.gsiAssertCount(5), "the same route again: nothing");
        irq.pciIntxDeassert(2, 1);
        assertEquals(0, irq.gsiAssertCount(5));
        assertEquals(0, irq.gsiAssertCount(HvmIrq.pciIntxGsi(2, 1)));
    }

    /** {@code hvm_isa_irq_assert}/{@code _deassert}: one bit per ISA IRQ; ISA IRQ 0 drives GSI 2. */
    @Test
    void isaWiresCountOnceAndIsaIrqZeroDrivesGsiTwo() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final HvmIrq irq = domu.hvmIrq();
        irq.isaIrqDeassert(4);
        assertEquals(0, irq.gsiAssertCount(4), "deasserting a low wire does nothing");
        irq.isaIrqAssert(0);
        irq.isaIrqAssert(0);
        assertEquals(1, irq.gsiAssertCount(2));
        assertEquals(0, irq.gsiAssertCount(0));
        assertTrue(domu.vioapics().get(0).input(2));
        irq.isaIrqAssert(4);
        irq.isaIrqAssert(4);
        assertEquals(1, irq.gsiAssertCount(4), "a high wire counts once");
        irq.isaIrqDeassert(4);
        irq.isaIrqDeassert(4);
        assertEquals(0, irq.gsiAssertCount(4), "a low wire counts once");
        irq.isaIrqAssert(4);
        assertEquals(1, irq.gsiAssertCount(4), "and can be raised again");
        irq.isaIrqDeassert(0);
        assertEquals(0, irq.gsiAssertCount(2));
        assertFalse(domu.vioapics().get(0).input(2));
        assertEquals(1, irq.gsiAssertCount(4), "ISA IRQ 4 untouched");
    }

    /**
     * {@code hvm_gsi_assert} for the hardware domain: a level GSI's count is pinned to 1 however often it is
     * asserted; an edge GSI is an edge each time and keeps no count; {@code hvm_gsi_deassert} acts on level
     * GSIs only.
     */
    @Test
    void hardwareDomainGsiAssertPinsLevelCountsAndSendsEdgesEachTime() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final IoApic io = dom0.vioapics().get(0);
        final HvmIrq irq = dom0.hvmIrq();
        // GSI 20: level, masked (the assert only latches IRR); GSI 21: edge, masked
        writeRte(io, 20, Rig.pciLevelLow(0x71, true));
        writeRte(io, 21, Rte.of(0x72, Rte.DM_FIXED, false, false, false, true, 0));
        irq.gsiAssert(20);
        irq.gsiAssert(20);
        assertEquals(1, irq.gsiAssertCount(20));
        assertTrue(io.input(20));
        irq.gsiAssert(21);
        irq.gsiAssert(21);
        assertEquals(0, irq.gsiAssertCount(21), "edge GSIs keep no count");
        assertFalse(io.input(21), "an edge: raised and dropped");
        assertEquals(2, io.maskedEdgesDropped(), "two edges reached the masked pin");
        irq.gsiDeassert(21);
        irq.gsiDeassert(20);
        assertEquals(0, irq.gsiAssertCount(20));
        assertFalse(io.input(20));
        final List<TraceRecord> gsi = rig.records(HvEvent.GSI_ASSERT);
        assertEquals(5, gsi.size(), "four asserts and one level deassert");
        assertEquals(20, gsi.get(0).a());
        assertEquals(1, gsi.get(0).b());
        assertEquals(20, gsi.get(4).a());
        assertEquals(0, gsi.get(4).b());
    }

    /**
     * {@code hvm_gsi_assert}/{@code hvm_gsi_deassert} on a GSI of the hardware domain's second vIO-APIC (GSI base
     * 24): the pin is the GSI less that base; a GSI in the hole between the two IO-APICs has no pin and nothing
     * happens.
     */
    @Test
    void hardwareDomainGsiOnTheSecondVioapicDrivesThePinBelowItsBase() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWithSecondIoApic(30), XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final IoApic second = dom0.vioapics().get(1);
        assertEquals(30, second.gsiBase());
        final HvmIrq irq = dom0.hvmIrq();
        writeRte(second, 3, Rig.pciLevelLow(0x73, true));
        irq.gsiAssert(33);
        assertTrue(second.input(3), "GSI 33 is pin 3 of the vIO-APIC based at 30");
        assertEquals(1, irq.gsiAssertCount(33));
        irq.gsiDeassert(33);
        assertFalse(second.input(3));
        assertEquals(0, irq.gsiAssertCount(33));
        irq.gsiAssert(26); // in the hole
        assertEquals(0, irq.gsiAssertCount(26));
        assertEquals(2, rig.count(HvEvent.GSI_ASSERT), "the GSI without a pin is not traced");
    }
}
