package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Linux irq numbers and vectors for GSIs ({@code mp_map_gsi_to_irq} with an
 * {@code IOAPIC_DOMAIN_DYNAMIC} irqdomain, {@code xen_allocate_irq_gsi}, the vector allocator).
 */
class LinuxIrqTableTest {

    /** The default platform's MADT: overrides IRQ0 -> GSI 2 and IRQ9 -> GSI 9 (level, low); 24 GSIs. */
    private static final Madt MADT = Platform.build(DefaultPlatform.spec(), new VirtualClock(), HwTrace.NONE)
        .firmware().madt();

    private static LinuxIrqTable table() {
        return new LinuxIrqTable(MADT, 24);
    }

    @Test
    void isaGsisKeepTheirIsaIrqNumbers() {
        // mp_map_gsi_to_irq: legacy IRQs are pre-allocated with their ISA numbers
        final LinuxIrqTable t = table();
        assertEquals(4, t.mapGsi(4).irq());
        assertEquals(9, t.mapGsi(9).irq(), "the SCI's identity override keeps 9");
        assertEquals(15, t.mapGsi(15).irq());
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
    void pciGsisAreNumberedFromGsiTopFirstComeFirstServed() {
        // alloc_irq_from_domain (IOAPIC_DOMAIN_DYNAMIC): irq numbers from gsi_top up, in order of use --
        // the seed cover letter's "gsi 38 may come before gsi 28"
        final LinuxIrqTable t = table();
        assertEquals(24, t.mapGsi(22).irq(), "the first device enabled gets 24 whatever its GSI");
        assertEquals(25, t.mapGsi(16).irq());
        assertEquals(26, t.mapGsi(17).irq());
        assertEquals(22, t.byIrq(24).gsi());
    }

    @Test
    void mappingAGsiTwiceGivesTheSameIrq() {
        // mp_map_gsi_to_irq: an existing mapping is returned (IOAPIC_MAP_ALLOC on a mapped pin)
        final LinuxIrqTable t = table();
        final LinuxIrq first = t.mapGsi(16);
        assertSame(first, t.mapGsi(16));
        assertEquals(25, t.mapGsi(17).irq(), "no number was used up by the second call");
    }

    @Test
    void gsiTopBelow16StillLeavesTheLegacyRangeAlone() {
        // arch_dynirq_lower_bound: dynamic irqs never take the 16 legacy numbers
        assertEquals(16, new LinuxIrqTable(MADT, 8).mapGsi(20).irq());
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
        final LinuxIrqTable t = table();
        final LinuxIrq dynamic = t.mapGsi(17);
        assertSame(dynamic, t.mapGsiIdentity(17));
        assertEquals(24, t.mapGsiIdentity(17).irq());
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
        assertEquals(List.of(0, 4, 24), t.all().stream().map(LinuxIrq::irq).toList());
        assertNull(t.byGsi(16));
    }
}
