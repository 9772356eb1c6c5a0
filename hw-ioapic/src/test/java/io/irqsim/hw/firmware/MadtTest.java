package io.irqsim.hw.firmware;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Madt}: lookups over the MADT structures (ACPI 6.5, section 5.2.12: 5.2.12.2 Processor
 * Local APIC, 5.2.12.3 I/O APIC, 5.2.12.5 Interrupt Source Override); Linux
 * {@code mp_find_ioapic} and the override lookups of {@code acpi_isa_irq_to_gsi}.
 */
class MadtTest {

    private final InterruptSourceOverride irq0 = InterruptSourceOverride.of(0, 2, null, null);
    private final InterruptSourceOverride sci = InterruptSourceOverride.of(9, 20, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW);
    private final MadtIoApic io0 = new MadtIoApic(2, 0xFEC00000L, 0);
    private final MadtIoApic io1 = new MadtIoApic(3, 0xFEC01000L, 24);
    private final Madt madt = new Madt(true, List.of(new MadtLocalApic(0, 0, true), new MadtLocalApic(1, 1, true)),
        List.of(io1, io0), List.of(irq0, sci));

    // ACPI 6.5 5.2.12.5: an override is keyed by its ISA source IRQ
    @Test
    void overrideForFindsTheOverrideOfAnIsaIrq() {
        assertSame(irq0, madt.overrideFor(0));
        assertSame(sci, madt.overrideFor(9));
        assertNull(madt.overrideFor(2), "IRQ2 has no override of its own; GSI 2 is IRQ0's");
        assertNull(madt.overrideFor(4));
    }

    @Test
    void overrideToFindsTheOverrideTargetingAGsi() {
        assertSame(irq0, madt.overrideTo(2));
        assertSame(sci, madt.overrideTo(20));
        assertNull(madt.overrideTo(0), "GSI 0 is not the target of IRQ0's override");
        assertNull(madt.overrideTo(9));
    }

    @Test
    void structuresAreCopiedAndImmutable() {
        final List<InterruptSourceOverride> mutable = new ArrayList<>(List.of(irq0));
        final Madt m = new Madt(true, List.of(), List.of(io0), mutable);
        mutable.add(sci);
        assertEquals(1, m.overrides().size());
        assertThrows(UnsupportedOperationException.class, () -> m.overrides().add(sci));
        assertEquals(new MadtLocalApic(1, 1, true), madt.localApics().get(1));
        assertEquals(List.of(io1, io0), madt.ioApics(), "declaration order is kept");
        assertEquals(0xFEC01000L, madt.ioApics().get(0).address());
    }
}
