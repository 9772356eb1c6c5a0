package io.irqsim.hw.ioapic;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import static io.irqsim.hw.ioapic.IoApicRegisters.IOREGSEL;
import static io.irqsim.hw.ioapic.IoApicRegisters.IOWIN;
import static io.irqsim.hw.ioapic.IoApicRig.BASE;
import static io.irqsim.hw.ioapic.IoApicRig.edge;
import static io.irqsim.hw.ioapic.IoApicRig.fixed;
import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's vIO-APIC as {@code xen/arch/x86/hvm/vioapic.c} decodes it (read at RELEASE-4.18.0 and
 * RELEASE-4.20.0, identical): {@code vioapic_read}/{@code vioapic_write} switch on
 * {@code addr & 0xff} for exactly 0x00 and 0x10 and never look at the access length;
 * {@code vioapic_write_redirent} keeps Remote IRR, clears delivery status, and leaves GSI 0 alone;
 * {@code vioapic_irq_positive_edge} sets Remote IRR before {@code vioapic_deliver}.
 */
class XenVioapicAccessTest {

    private final IoApicRig xen = new IoApicRig(IoApicModel.xenVioapic(IoApicRegisters.HVM_GUEST_PINS));

    // vioapic_write: "vioapic->ioregsel = val" whatever the length: a byte write replaces all 32 bits
    @Test
    void aByteWriteToIoregselReplacesTheWholeRegister() {
        xen.bus.write(BASE + IOREGSEL, 4, 0x1122_3344L);
        xen.bus.write(BASE + IOREGSEL, 1, 0xAA);
        assertEquals(0xAA, xen.ioapic.ioregsel());
        xen.bus.write(BASE + IOREGSEL, 2, 0xBEEF);
        assertEquals(0xBEEF, xen.ioapic.ioregsel());
    }

    // vioapic_write: addr & 0xff of 0x01..0x03 matches no case: the write is dropped
    @Test
    void writesInsideIoregselButNotAtOffsetZeroAreIgnored() {
        xen.bus.write(BASE + IOREGSEL, 4, 0x1234_5678L);
        final long ignored = xen.ioapic.ignoredAccesses();
        xen.bus.write(BASE + 0x01, 1, 0xAA);
        xen.bus.write(BASE + 0x02, 2, 0xBEEF);
        xen.bus.write(BASE + 0x03, 1, 0xCC);
        assertEquals(0x1234_5678, xen.ioapic.ioregsel());
        assertEquals(ignored + 3, xen.ioapic.ignoredAccesses());
        assertEquals(3, xen.trace.count(HwEvent.IOAPIC_IGNORED_ACCESS));
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_IGNORED_ACCESS, 0x03 | (0x5678L << 16), 1 | (1 << 8), 0xCC),
            xen.trace.last(HwEvent.IOAPIC_IGNORED_ACCESS), "the dropped byte is traced as written");
    }

    // vioapic_read: default case "result = 0" for 0x01..0x03 and 0x11..0x13
    @Test
    void readsAtUnalignedOffsetsOfTheTwoRegistersReturnZero() {
        xen.bus.write(BASE + IOREGSEL, 4, IoApicRegisters.REG_VER);
        for (final int off : new int[] {0x01, 0x02, 0x03, 0x11, 0x12, 0x13}) {
            assertEquals(0, xen.bus.read(BASE + off, 1), "offset 0x" + Integer.toHexString(off));
        }
        assertEquals(0, xen.bus.read(BASE + 0x12, 2));
    }

    // vioapic_read: the 32-bit result, of which the emulator keeps the access's bytes (zero-extended for 8)
    @Test
    void subDwordReadsReturnTheLowBytesOfTheWholeRegister() {
        xen.bus.write(BASE + IOREGSEL, 4, 0x1122_3344L);
        assertEquals(0x44, xen.bus.read(BASE + IOREGSEL, 1));
        assertEquals(0x3344, xen.bus.read(BASE + IOREGSEL, 2));
        assertEquals(0x1122_3344L, xen.bus.read(BASE + IOREGSEL, 8));
        xen.bus.write(BASE + IOREGSEL, 4, IoApicRegisters.REG_VER);
        assertEquals(0x11, xen.bus.read(BASE + IOWIN, 1));
        assertEquals(0x002F_0011L, xen.bus.read(BASE + IOWIN, 8), "VER: 48 pins, version 0x11; nothing at 0x14");
    }

    // vioapic_write_indirect(uint32_t val): a byte write to IOWIN replaces the whole selected dword
    @Test
    void aByteWriteToIowinReplacesTheWholeLowDword() {
        xen.writeEntry(3, level(0x51) | Rte.MASKED);
        xen.bus.write(BASE + IOREGSEL, 4, IoApicRegisters.redtblLow(3));
        xen.bus.write(BASE + IOWIN, 1, 0x61);
        assertEquals(0x61, Rte.low(xen.ioapic.rte(3)), "vector 0x61, edge, unmasked: the other 24 bits written as 0");
        xen.bus.write(BASE + IOWIN, 8, 0xFFFF_FFFF_0001_0062L);
        assertEquals(0x0001_0062, Rte.low(xen.ioapic.rte(3)), "an 8-byte write keeps the low 32 bits");
        assertEquals(0, Rte.high(xen.ioapic.rte(3)));
    }

    // vioapic_irq_positive_edge: "ent->fields.remote_irr = 1; vioapic_deliver()" whether or not a vLAPIC matches
    @Test
    void remoteIrrIsSetBeforeDeliveryEvenWhenNoLapicAcceptsTheMessage() {
        xen.writeEntry(5, fixed(0x55, true, 0x0E)); // no LAPIC has APIC ID 14
        xen.line(5, true);
        assertEquals(1, xen.ioapic.deliveredCount());
        assertTrue(xen.remoteIrr(5), "set although nobody took the interrupt");
        xen.line(5, false);
        xen.line(5, true);
        assertEquals(1, xen.ioapic.deliveredCount(), "held off until an EOI for vector 0x55");
        final IoApicRig ich = new IoApicRig(IoApicModel.ich(24));
        ich.writeEntry(5, fixed(0x55, true, 0x0E));
        ich.line(5, true);
        assertFalse(ich.remoteIrr(5), "hardware sets Remote IRR only when a LAPIC accepts");
    }

    // vioapic_write_redirent: "ent.fields.remote_irr = pent->fields.remote_irr" on a low-dword write
    @Test
    void aLowDwordWriteKeepsRemoteIrrAndLeavesDeliveryStatusClear() {
        xen.writeEntry(6, level(0x56));
        xen.line(6, true);
        assertTrue(xen.remoteIrr(6));
        xen.writeLow(6, Rte.low(level(0x57)) | (int) Rte.DELIVERY_STATUS);
        assertTrue(xen.remoteIrr(6));
        assertFalse(Rte.isDeliveryPending(xen.ioapic.rte(6)), "delivery_status = 0 on every low-dword write");
        assertEquals(0x57, Rte.vector(xen.ioapic.rte(6)));
    }

    // vioapic_write_redirent: for GSI 0 only vlapic_adjust_i8259_target runs: an edge entry keeps Remote IRR
    @Test
    void gsiZeroKeepsRemoteIrrWhenRewrittenAsEdge() {
        xen.writeEntry(0, level(0x50));
        xen.writeEntry(1, level(0x51));
        xen.line(0, true);
        xen.line(1, true);
        assertTrue(xen.remoteIrr(0));
        assertTrue(xen.remoteIrr(1));
        xen.writeLow(0, Rte.low(edge(0x50)));
        xen.writeLow(1, Rte.low(edge(0x51)));
        assertTrue(xen.remoteIrr(0), "GSI 0: remote_irr not cleared");
        assertFalse(xen.remoteIrr(1), "any other GSI: an edge entry loses Remote IRR");
    }

    // vioapic_write_redirent: GSI 0 is not delivered when unmasked with its line asserted; GSI 1 is
    @Test
    void gsiZeroIsNotDeliveredByTheUnmaskingWrite() {
        xen.writeEntry(0, level(0x50) | Rte.MASKED);
        xen.writeEntry(1, level(0x51) | Rte.MASKED);
        xen.line(0, true);
        xen.line(1, true);
        xen.writeLow(0, Rte.low(level(0x50)));
        xen.writeLow(1, Rte.low(level(0x51)));
        assertFalse(xen.remoteIrr(0));
        assertFalse(xen.lapic(0).irr(0x50));
        assertTrue(xen.remoteIrr(1));
        assertTrue(xen.lapic(0).irr(0x51));
        assertEquals(1, xen.ioapic.deliveredCount());
    }

    // vioapic_write@RELEASE-4.20.0: VIOAPIC_REG_EOI is compiled only "#if VIOAPIC_VERSION_ID >= 0x20"
    // (asm/hvm/vioapic.h: 0x11): at version 0x11 a write to 0x40 is the default case, dropped
    @Test
    void eoiRegisterWriteIsIgnoredAtXensVersion0x11() {
        xen.writeEntry(4, level(0x64));
        xen.line(4, true);
        xen.line(4, false);
        assertTrue(xen.remoteIrr(4));
        xen.bus.write(BASE + IoApicRegisters.EOIR, 4, 0x64);
        assertTrue(xen.remoteIrr(4), "no EOI register at version 0x11");
        assertEquals(1, xen.ioapic.ignoredAccesses());
    }

    // vioapic_write@RELEASE-4.20.0, with VIOAPIC_VERSION_ID >= 0x20: 0x40 calls vioapic_update_EOI(d, val),
    // whose vector parameter is a u8 (the low byte of what was written), whatever the length
    @Test
    void eoiRegisterOfAVersion0x20BuildTakesTheLowByteOfTheValue() {
        final IoApicRig v20 = new IoApicRig(new IoApicModel(IoApicRegisters.VERSION_20,
            IoApicRegisters.HVM_GUEST_PINS, 32, false, IoApicModel.Implementation.XEN));
        v20.writeEntry(4, level(0x64));
        v20.line(4, true);
        v20.line(4, false);
        assertTrue(v20.remoteIrr(4));
        v20.bus.write(BASE + IoApicRegisters.EOIR, 2, 0x0165);
        assertTrue(v20.remoteIrr(4), "vector 0x65 does not match");
        v20.bus.write(BASE + IoApicRegisters.EOIR, 2, 0x0164);
        assertFalse(v20.remoteIrr(4), "vioapic_update_EOI(0x64)");
        assertEquals(0, v20.ioapic.ignoredAccesses());
    }

    // vioapic_read@RELEASE-4.20.0: "default: result = 0" for any offset but 0x00 and 0x10 (counted here)
    @Test
    void readOfAnOffsetHoldingNoRegisterReturnsZeroAndIsCounted() {
        xen.bus.write(BASE + IOREGSEL, 4, 0x1234_5678L);
        assertEquals(0, xen.bus.read(BASE + IoApicRegisters.EOIR, 4));
        assertEquals(0, xen.bus.read(BASE + 0x20, 1));
        assertEquals(2, xen.ioapic.ignoredAccesses());
    }

    // vioapic_update_EOI@RELEASE-4.20.0 compares each entry's vector with the one written, 0
    // included: on a version 0x20 build an EOI-register write of 0 completes a level entry left
    // at vector 0 (only its low dword's trigger and mask bits written since reset)
    @Test
    void eoiRegisterWriteOfVectorZeroCompletesAnEntryLeftAtVectorZero() {
        final IoApicRig v20 = new IoApicRig(new IoApicModel(IoApicRegisters.VERSION_20,
            IoApicRegisters.HVM_GUEST_PINS, 32, false, IoApicModel.Implementation.XEN));
        v20.writeLow(5, Rte.TRIGGER_LEVEL);
        v20.line(5, true);
        v20.line(5, false);
        assertTrue(v20.remoteIrr(5), "vioapic_irq_positive_edge set it");
        v20.bus.write(BASE + IoApicRegisters.EOIR, 4, 0);
        assertFalse(v20.remoteIrr(5));
    }
}
