package io.irqsim.hw.firmware;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link InterruptSourceOverride}: the MPS INTI flags of a MADT Interrupt Source Override (ACPI
 * 6.5, section 5.2.12.5, table "MPS INTI Flags"): bits 1:0 polarity (00 conforms to the bus, 01
 * active high, 10 reserved, 11 active low), bits 3:2 trigger mode (00 conforms, 01 edge, 10
 * reserved, 11 level). ISA conforms to edge / active high (Linux {@code acpi_parse_int_src_ovr}
 * and {@code mp_override_legacy_irq}).
 */
class InterruptSourceOverrideTest {

    @Test
    void flagConstantsAreTheMpsIntiEncodings() {
        assertEquals(0b00, InterruptSourceOverride.CONFORMS);
        assertEquals(0b01, InterruptSourceOverride.POLARITY_HIGH);
        assertEquals(0b11, InterruptSourceOverride.POLARITY_LOW);
        assertEquals(0b0100, InterruptSourceOverride.TRIGGER_EDGE);
        assertEquals(0b1100, InterruptSourceOverride.TRIGGER_LEVEL);
    }

    // ACPI 6.5 5.2.12.5: flags 0 = conforms to the bus; for ISA that is edge, active high
    @Test
    void conformingFlagsMeanIsaEdgeActiveHigh() {
        final InterruptSourceOverride o = InterruptSourceOverride.of(0, 2, null, null);
        assertEquals(0, o.flags());
        assertEquals(0, o.bus(), "bus 0 = ISA");
        assertEquals(0, o.source());
        assertEquals(2, o.gsi());
        assertEquals(IrqTrigger.EDGE, o.trigger());
        assertEquals(IrqPolarity.ACTIVE_HIGH, o.polarity());
    }

    // the SCI override Linux and most firmware use: IRQ9 level, active low = flags 0x000D
    @Test
    void levelActiveLowEncodesAs11And11() {
        final InterruptSourceOverride o = InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW);
        assertEquals(0b1111, o.flags());
        assertEquals(IrqTrigger.LEVEL, o.trigger());
        assertEquals(IrqPolarity.ACTIVE_LOW, o.polarity());
    }

    @Test
    void edgeActiveHighEncodesAs01And01() {
        final InterruptSourceOverride o = InterruptSourceOverride.of(4, 4, IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH);
        assertEquals(0b0101, o.flags());
        assertEquals(IrqTrigger.EDGE, o.trigger());
        assertEquals(IrqPolarity.ACTIVE_HIGH, o.polarity());
    }

    @Test
    void polarityAndTriggerAreIndependentFields() {
        assertEquals(0b1100, InterruptSourceOverride.of(1, 1, IrqTrigger.LEVEL, null).flags());
        assertEquals(0b0011, InterruptSourceOverride.of(1, 1, null, IrqPolarity.ACTIVE_LOW).flags());
        assertEquals(0b0111, InterruptSourceOverride.of(1, 1, IrqTrigger.EDGE, IrqPolarity.ACTIVE_LOW).flags());
        assertEquals(0b1101, InterruptSourceOverride.of(1, 1, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_HIGH).flags());
        // level with conforming polarity: ISA's active high
        assertEquals(IrqPolarity.ACTIVE_HIGH, InterruptSourceOverride.of(1, 1, IrqTrigger.LEVEL, null).polarity());
        // active low with conforming trigger: ISA's edge
        assertEquals(IrqTrigger.EDGE, InterruptSourceOverride.of(1, 1, null, IrqPolarity.ACTIVE_LOW).trigger());
    }

    @Test
    void decodesRawFlagsFromATable() {
        for (int flags = 0; flags < 16; flags++) {
            final InterruptSourceOverride o = new InterruptSourceOverride(0, 5, 5, flags);
            assertEquals((flags & 3) == 3 ? IrqPolarity.ACTIVE_LOW : IrqPolarity.ACTIVE_HIGH, o.polarity(),
                "flags " + flags);
            assertEquals((flags >> 2) == 3 ? IrqTrigger.LEVEL : IrqTrigger.EDGE, o.trigger(), "flags " + flags);
        }
    }

    // Xen PHYSDEVOP_setup_gsi / RTE bits 13 and 15
    @Test
    void enumsEncodeAsXenAndTheRte() {
        assertEquals(0, IrqPolarity.ACTIVE_HIGH.xenEncoding());
        assertEquals(1, IrqPolarity.ACTIVE_LOW.xenEncoding());
        assertEquals(0, IrqTrigger.EDGE.xenEncoding());
        assertEquals(1, IrqTrigger.LEVEL.xenEncoding());
        assertEquals(IrqPolarity.ACTIVE_LOW, IrqPolarity.ofLow(true));
        assertEquals(IrqPolarity.ACTIVE_HIGH, IrqPolarity.ofLow(false));
        assertEquals(IrqTrigger.LEVEL, IrqTrigger.ofLevel(true));
        assertEquals(IrqTrigger.EDGE, IrqTrigger.ofLevel(false));
        assertEquals("low", IrqPolarity.ACTIVE_LOW.label());
        assertEquals("high", IrqPolarity.ACTIVE_HIGH.label());
        assertEquals("level", IrqTrigger.LEVEL.label());
        assertEquals("edge", IrqTrigger.EDGE.label());
    }
}
