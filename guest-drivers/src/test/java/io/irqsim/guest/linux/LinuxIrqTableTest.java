package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux irq numbers and vectors for GSIs ({@code mp_map_gsi_to_irq} &rarr; {@code alloc_irq_from_domain}
 * with a legacy or dynamic irq domain, arch/x86/kernel/apic/io_apic.c@v6.12; {@code xen_allocate_irq_gsi};
 * the vector allocator).
 */
class LinuxIrqTableTest {

    /** The default platform's MADT: overrides IRQ0 -> GSI 2 and IRQ9 -> GSI 9 (level, low); 24 GSIs. */
    private static final Madt MADT = Platform.build(DefaultPlatform.spec(), new VirtualClock(), HwTrace.NONE)
        .firmware().madt();

    /** The default platform: one 24-pin IO-APIC at GSI 0, so a legacy irq domain. */
    private static LinuxIrqTable table() {
        final LinuxIrqTable t = new LinuxIrqTable(MADT, 24);
        t.registerIoApic(0, 24);
        return t;
    }

    /** A second IO-APIC, 32 pins from GSI 24: an IOAPIC_DOMAIN_DYNAMIC domain. */
    private static LinuxIrqTable twoIoApics() {
        final LinuxIrqTable t = new LinuxIrqTable(MADT, 56);
        t.registerIoApic(0, 24);
        t.registerIoApic(24, 32);
        return t;
    }

    @Test
    void isaGsisKeepTheirIsaIrqNumbers() {
        // mp_map_gsi_to_irq: legacy IRQs are pre-allocated with their ISA numbers
        final LinuxIrqTable t = table();
        assertEquals(4, t.mapGsi(4).irq());
        assertEquals(9, t.mapGsi(9).irq(), "the SCI's identity override keeps 9");
        assertEquals(15, t.mapGsi(15).irq());
    }

    // arch/x86/kernel/apic/io_apic.c:mp_map_gsi_to_irq, mp_map_pin_to_irq@v6.12
    @Test
    void aGsiAbove15ThatAnOverrideMovesAnIsaIrqToIsThatIsaIrq() {
        // find_irq_entry gives the pin's MP entry; an ISA-bus entry (the override 9 -> 20) makes the irq its
        // source IRQ (srcbusirq 9, alloc_isa_irq_from_domain), whatever the GSI
        final Madt madt = new Madt(MADT.pcatCompat(), MADT.localApics(), MADT.ioApics(), List.of(
            InterruptSourceOverride.of(0, 2, null, null),
            InterruptSourceOverride.of(9, 20, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)));
        final LinuxIrqTable t = new LinuxIrqTable(madt, 24);
        t.registerIoApic(0, 24);
        assertEquals(9, t.mapGsi(20).irq());
        assertEquals(21, t.mapGsi(21).irq());
    }

    /** The default MADT with ISA IRQ 5 overridden to GSI 40 (level, low) besides the timer's. */
    private static Madt madtMovingIrq5ToGsi40() {
        return new Madt(MADT.pcatCompat(), MADT.localApics(), MADT.ioApics(), List.of(
            InterruptSourceOverride.of(0, 2, null, null),
            InterruptSourceOverride.of(5, 40, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)));
    }

    // arch/x86/kernel/acpi/boot.c:mp_override_legacy_irq, mp_register_ioapic_irq, mp_config_acpi_legacy_irqs
    @Test
    void anOverrideToAGsiNoIoApicHasIsDroppedAndTheIrqKeepsItsIdentityPin() {
        // ISO 5 -> GSI 40 on a machine whose only IO-APIC ends at GSI 23: mp_register_ioapic_irq finds no
        // IO-APIC, so mp_override_legacy_irq saves nothing and leaves isa_irq_to_gsi[5] = 5; the legacy loop
        // then gives IRQ 5 its identity entry on pin 5
        final Madt madt = madtMovingIrq5ToGsi40();
        final LinuxIrqTable t = new LinuxIrqTable(madt, 24);
        t.registerIoApic(0, 24);
        assertFalse(t.hasIoApicPin(40));
        assertEquals(5, t.mapGsi(5).irq());
        assertEquals(5, MpIrqEntries.isaSource(madt, 5, t::hasIoApicPin));
    }

    @Test
    void anOverrideToAGsiAnIoApicHasMovesTheIrqAway() {
        // the same ISO with a second IO-APIC holding GSI 40: the override is saved, GSI 5 has no ISA entry
        // left and gets a dynamic number, and GSI 40 is IRQ 5
        final Madt madt = madtMovingIrq5ToGsi40();
        final LinuxIrqTable t = new LinuxIrqTable(madt, 56);
        t.registerIoApic(0, 24);
        t.registerIoApic(24, 32);
        assertTrue(t.hasIoApicPin(40));
        assertEquals(-1, MpIrqEntries.isaSource(madt, 5, t::hasIoApicPin));
        assertEquals(5, t.mapGsi(40).irq());
        // ioapic_dynirq_base: one past the legacy-domain IO-APIC's last GSI (23)
        assertEquals(24, t.mapGsi(5).irq());
    }

    @Test
    void theGsiAnOverrideMovesIrq0ToIsIrq0() {
        // mp_override_legacy_irq: ISO 0 -> 2 makes GSI 2 the timer, Linux irq 0
        final LinuxIrq d = table().mapGsi(2);
        assertEquals(0, d.irq());
        assertEquals(2, d.gsi());
    }

    @Test
    void gsi0LeftByIrq0GetsADynamicNumber() {
        // acpi_sci_ioapic_setup / mp_override_legacy_irq: GSI 0 has no ISA irq once IRQ0 moved to GSI 2
        assertEquals(24, table().mapGsi(0).irq());
    }

    @Test
    void aLegacyDomainNumbersPciGsisLikeTheGsi() {
        // acpi_parse_ioapic: gsi_base 0 < 16 -> IOAPIC_DOMAIN_LEGACY; alloc_irq_from_domain: irq = gsi for gsi >= 16
        final LinuxIrqTable t = table();
        assertEquals(22, t.mapGsi(22).irq());
        assertEquals(16, t.mapGsi(16).irq());
        assertEquals(17, t.mapGsi(17).irq());
        assertEquals(22, t.byIrq(22).gsi());
        assertTrue(t.inLegacyDomain(23));
    }

    @Test
    void aSecondIoApicNumbersFromPastTheLegacyOneFirstComeFirstServed() {
        // IOAPIC_DOMAIN_DYNAMIC: arch_dynirq_lower_bound = ioapic_dynirq_base = 24 (end of the legacy
        // IO-APIC + 1), numbers in order of use -- the seed cover letter's "gsi 38 may come before gsi 28"
        final LinuxIrqTable t = twoIoApics();
        assertEquals(24, t.dynirqLowerBound());
        assertFalse(t.inLegacyDomain(30));
        assertEquals(24, t.mapGsi(40).irq(), "the first GSI enabled on it gets 24 whatever its number");
        assertEquals(25, t.mapGsi(30).irq());
        assertEquals(17, t.mapGsi(17).irq(), "the legacy IO-APIC still numbers like the GSI");
        assertEquals(40, t.byIrq(24).gsi());
    }

    @Test
    void withoutALegacyIoApicDynamicNumbersStartAtGsiTop() {
        // arch_dynirq_lower_bound: ioapic_dynirq_base 0 -> gsi_top
        final LinuxIrqTable t = new LinuxIrqTable(MADT, 48);
        t.registerIoApic(16, 32);
        assertEquals(48, t.dynirqLowerBound());
        assertEquals(48, t.mapGsi(20).irq());
    }

    @Test
    void aGsiNoIoApicServesIsNotInALegacyDomain() {
        final LinuxIrqTable t = table();
        assertFalse(t.inLegacyDomain(24));
        assertTrue(new LinuxIrqTable(MADT, 24).inLegacyDomain(40), "no IO-APIC registered: numbered like GSIs");
    }

    @Test
    void mappingAGsiTwiceGivesTheSameIrq() {
        // mp_map_gsi_to_irq: an existing mapping is returned (IOAPIC_MAP_ALLOC on a mapped pin)
        final LinuxIrqTable t = twoIoApics();
        final LinuxIrq first = t.mapGsi(30);
        assertSame(first, t.mapGsi(30));
        assertEquals(25, t.mapGsi(31).irq(), "no number was used up by the second call");
    }

    @Test
    void gsiTopBelow16StillLeavesTheLegacyRangeAloneAndRegistrationRaisesIt() {
        // the table never hands out the 16 legacy numbers dynamically; mp_register_ioapic raises gsi_top past the
        // IO-APIC's last GSI, and a dynamic-domain IO-APIC leaves ioapic_dynirq_base 0, so GSI 20 gets irq 24
        final LinuxIrqTable t = new LinuxIrqTable(MADT, 8);
        assertEquals(16, t.dynirqLowerBound());
        t.registerIoApic(16, 8);
        assertEquals(24, t.mapGsi(20).irq());
    }

    @Test
    void freeingAnIrqReleasesItsNumberGsiAndVector() {
        // mp_unmap_irq -> irq_domain_free_irqs: the descriptor, its pin mapping and its vector go
        final LinuxIrqTable t = twoIoApics();
        final LinuxIrq a = t.mapGsi(30);
        t.assignVector(a);
        t.free(a);
        assertNull(t.byIrq(24));
        assertNull(t.byGsi(30));
        assertNull(t.byVector(0x41));
        assertEquals(24, t.mapGsi(31).irq(), "the number is free again");
        assertNotSame(a, t.mapGsi(30));
    }

    @Test
    void mapGsiIdentityNumbersTheIrqLikeTheGsiForPv() {
        // xen_allocate_irq_gsi: a PV dom0's irq for a GSI is numbered like the GSI
        final LinuxIrqTable t = table();
        final LinuxIrq d = t.mapGsiIdentity(16);
        assertEquals(16, d.irq());
        assertEquals(16, d.gsi());
        assertSame(d, t.byIrq(16));
        assertSame(d, t.byGsi(16));
        assertSame(d, t.mapGsiIdentity(16));
    }

    @Test
    void mapGsiIdentityReturnsAnExistingMapping() {
        // xen_register_pirq: "if a Linux IRQ for the GSI already exists -> return it"
        final LinuxIrqTable t = twoIoApics();
        final LinuxIrq dynamic = t.mapGsi(30);
        assertSame(dynamic, t.mapGsiIdentity(30));
        assertEquals(24, t.mapGsiIdentity(30).irq());
    }

    @Test
    void isaIrqVectorsAre0x30PlusIrq() {
        // ISA_IRQ_VECTOR(irq) = 0x30 + irq
        final LinuxIrqTable t = table();
        assertEquals(0x30, t.assignVector(t.mapGsi(2)), "GSI 2 is irq 0");
        assertEquals(0x39, t.assignVector(t.mapGsi(9)));
    }

    @Test
    void otherIrqsGetVectorsFrom0x41WithoutReuse() {
        // the vector allocator hands out distinct vectors; a vector, once assigned, stays
        final LinuxIrqTable t = table();
        final LinuxIrq a = t.mapGsi(16);
        final LinuxIrq b = t.mapGsi(17);
        assertEquals(0x41, t.assignVector(a));
        assertEquals(0x42, t.assignVector(b));
        assertEquals(0x41, t.assignVector(a), "assigning again keeps the vector");
        assertEquals(0x43, t.assignVector(t.mapGsi(22)));
        assertEquals(0x41, a.vector());
    }

    @Test
    void byVectorFindsTheIrqAndNothingElse() {
        // do_IRQ: vector_irq[vector] lookup
        final LinuxIrqTable t = table();
        final LinuxIrq a = t.mapGsi(16);
        t.assignVector(a);
        assertSame(a, t.byVector(0x41));
        assertNull(t.byVector(0x42));
        assertNull(t.byVector(-1));
        assertNull(t.byVector(256));
    }

    @Test
    void byPirqFindsThePvIrqBoundToAPirq() {
        // xen_irq_from_pirq / evtchn_from_irq: the pirq the irq was bound to
        final LinuxIrqTable t = table();
        final LinuxIrq d = t.mapGsiIdentity(16);
        d.setPirq(16);
        assertSame(d, t.byPirq(16));
        assertNull(t.byPirq(17));
    }

    @Test
    void allListsIrqsByNumber() {
        final LinuxIrqTable t = table();
        t.mapGsi(22);
        t.mapGsi(4);
        t.mapGsi(2);
        assertEquals(List.of(0, 4, 22), t.all().stream().map(LinuxIrq::irq).toList());
        assertNull(t.byGsi(16));
    }

    // arch/x86/kernel/apic/io_apic.c:mp_register_ioapic@v6.12: a GSI range overlapping a registered IO-APIC's is
    // refused (-ENOSPC); gsi_top grows past the last GSI registered, and arch_dynirq_lower_bound gives it while no
    // irq domain raised ioapic_dynirq_base (a PV dom0)
    @Test
    void anOverlappingIoApicRangeIsRefusedAndGsiTopFollowsTheRegisteredRanges() {
        final LinuxIrqTable t = new LinuxIrqTable(MADT, 24);
        assertTrue(t.registerIoApicPins(0, 24));
        assertFalse(t.registerIoApicPins(16, 24), "GSIs 16-39 overlap 0-23");
        assertFalse(t.registerIoApicPins(20, 2), "inside 0-23");
        assertFalse(t.hasIoApicPin(30));
        assertEquals(24, t.dynirqLowerBound());
        assertTrue(t.registerIoApicPins(24, 24));
        assertTrue(t.hasIoApicPin(47));
        assertEquals(48, t.dynirqLowerBound(), "gsi_top: one past GSI 47");
        assertFalse(t.registerIoApic(40, 8), "registerIoApic refuses the same way");
        assertEquals(48, t.dynirqLowerBound());
    }
}
