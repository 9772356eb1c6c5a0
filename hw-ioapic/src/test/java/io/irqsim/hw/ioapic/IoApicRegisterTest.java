package io.irqsim.hw.ioapic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.irqsim.hw.ioapic.IoApicRig.BASE;
import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Indirect registers of the 82093AA (datasheet 3.2), driven through IOREGSEL/IOWIN on the MMIO bus. */
class IoApicRegisterTest {

    private final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));

    // ---------------------------------------------------------------- IOAPICID, IOAPICVER, IOAPICARB

    // 82093AA 3.2.1; kvm-unit-tests ioapic_reg_id: only bits 27:24 of IOAPICID are writable
    @Test
    void idBits27to24Writable_otherIdBitsReadZero() {
        final int before = rig.readReg(IoApicRegisters.REG_ID);
        rig.writeReg(IoApicRegisters.REG_ID, before ^ 0xFFFF_FFFF);
        assertEquals(0x0F00_0000, before ^ rig.readReg(IoApicRegisters.REG_ID));
        rig.writeReg(IoApicRegisters.REG_ID, 0xF0FF_FFFF);
        assertEquals(0, rig.readReg(IoApicRegisters.REG_ID));
        rig.writeReg(IoApicRegisters.REG_ID, 0x0A00_0000);
        assertEquals(0x0A00_0000, rig.readReg(IoApicRegisters.REG_ID));
        assertEquals(0xA, rig.ioapic.id());
    }

    // 82093AA 3.2.1: the ID the platform (MADT) gives the IO-APIC reads back in bits 27:24
    @Test
    void initialIdReadsInBits27to24() {
        final IoApicRig r = new IoApicRig(IoApicModel.i82093aa(24), 9, 1, false);
        assertEquals(0x0900_0000, r.readReg(IoApicRegisters.REG_ID));
        assertEquals(0x0900_0000, r.readReg(IoApicRegisters.REG_ARB));
    }

    // 82093AA 3.2.2; kvm-unit-tests ioapic_reg_version: IOAPICVER is read-only
    @Test
    void versionRegisterIsReadOnly() {
        final int before = rig.readReg(IoApicRegisters.REG_VER);
        rig.writeReg(IoApicRegisters.REG_VER, before ^ 0xFFFF_FFFF);
        assertEquals(before, rig.readReg(IoApicRegisters.REG_VER));
        rig.writeReg(IoApicRegisters.REG_VER, 0);
        assertEquals(before, rig.readReg(IoApicRegisters.REG_VER));
    }

    static Stream<Arguments> versions() {
        return Stream.of(
            Arguments.of(IoApicModel.i82093aa(24), 0x0017_0011),
            Arguments.of(IoApicModel.i82093aa(48), 0x002F_0011),
            Arguments.of(IoApicModel.ich(24), 0x0017_0020),
            Arguments.of(IoApicModel.ich(48), 0x002F_0020),
            Arguments.of(IoApicModel.xenVioapic(48), 0x002F_0011),
            Arguments.of(IoApicModel.ich(1), 0x0000_0020),
            Arguments.of(IoApicModel.ich(IoApicModel.MAX_PINS), 0x0077_0020));
    }

    // 82093AA 3.2.2 (0x00170011); ICH10 13.5.6 (0x00170020); Xen VIOAPIC_NUM_PINS 48 (MRE 0x2F)
    @ParameterizedTest
    @MethodSource("versions")
    void versionReadsVersionAndMaximumRedirectionEntry(final IoApicModel model, final int expected) {
        final IoApicRig r = new IoApicRig(model, 0, 1, false);
        assertEquals(expected, r.readReg(IoApicRegisters.REG_VER));
        r.writeReg(IoApicRegisters.REG_VER, 0xFFFF_FFFF);
        assertEquals(expected, r.readReg(IoApicRegisters.REG_VER));
    }

    // 82093AA 3.2.3; kvm-unit-tests ioapic_arbitration_id: ARB is loaded from ID and is read-only (QEMU, KVM)
    @Test
    void arbitrationIdMirrorsIoApicIdAndIsReadOnly() {
        rig.writeReg(IoApicRegisters.REG_ID, 0x0F00_0000);
        assertEquals(0x0F00_0000, rig.readReg(IoApicRegisters.REG_ARB));
        rig.writeReg(IoApicRegisters.REG_ARB, 0);
        assertEquals(0x0F00_0000, rig.readReg(IoApicRegisters.REG_ARB));
        assertEquals(0x0F00_0000, rig.readReg(IoApicRegisters.REG_ID));
        rig.writeReg(IoApicRegisters.REG_ID, 0x0300_0000);
        assertEquals(0x0300_0000, rig.readReg(IoApicRegisters.REG_ARB));
    }

    // ---------------------------------------------------------------- reserved indexes, table bounds

    // 82093AA 3.2 (indexes 0x03..0x0F reserved); QEMU/Xen: reads 0, writes ignored
    @Test
    void reservedIndexes03to0FReadZeroAndIgnoreWrites() {
        for (int index = 0x03; index <= 0x0F; index++) {
            rig.writeReg(index, 0xFFFF_FFFF);
            assertEquals(0, rig.readReg(index), "index 0x" + Integer.toHexString(index));
        }
        assertEquals(0, rig.readReg(IoApicRegisters.REG_ID));
        assertEquals(0x0017_0020, rig.readReg(IoApicRegisters.REG_VER));
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(Rte.RESET, rig.readEntry(pin));
        }
        assertTrue(rig.ioapic.ignoredAccesses() >= 26, "reserved accesses are counted");
    }

    // 82093AA 3.2.4: 24 entries at 0x10..0x3F; QEMU: indexes past the table read 0, writes ignored
    @Test
    void pin23Valid_pin24ReadsZero() {
        rig.writeEntry(23, 0xAB00_0000_0001_0039L);
        assertEquals(0xAB00_0000_0001_0039L, rig.readEntry(23));
        rig.writeReg(0x40, 0xFFFF_FFFF);
        rig.writeReg(0x41, 0xFFFF_FFFF);
        assertEquals(0, rig.readReg(0x40));
        assertEquals(0, rig.readReg(0x41));
        assertEquals(0xAB00_0000_0001_0039L, rig.readEntry(23));
    }

    // Xen vIO-APIC: 48 pins at 0x10..0x6F; index 0x70 is past the table
    @Test
    void pin47Valid_pin48ReadsZero() {
        final IoApicRig r = new IoApicRig(IoApicModel.ich(48));
        r.writeEntry(47, 0x0100_0000_0001_0047L);
        assertEquals(0x0100_0000_0001_0047L, r.readEntry(47));
        r.writeReg(0x70, 0x1234);
        r.writeReg(0x71, 0x1234);
        assertEquals(0, r.readReg(0x70));
        assertEquals(0, r.readReg(0x71));
    }

    // QEMU ioapic_mem_read: every index past the table up to 0xFF reads 0
    @Test
    void everyIndexPastTheTableReadsZero() {
        for (int index = 0x40; index <= 0xFF; index++) {
            rig.writeReg(index, 0x5A5A_5A5A);
            assertEquals(0, rig.readReg(index), "index 0x" + Integer.toHexString(index));
        }
    }

    // ---------------------------------------------------------------- reset

    // 82093AA 3.2.4 (mask bit 1 at reset); QEMU ioapic_reset_common: every entry exactly 0x10000
    @Test
    void resetStateIsExactly0x10000ForEveryEntry() {
        assertEquals(0, rig.ioapic.ioregsel());
        assertEquals(0, rig.bus.read(BASE, 4));
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(0x0000_0000_0001_0000L, rig.readEntry(pin), "pin " + pin);
            assertEquals(Rte.RESET, rig.ioapic.rte(pin));
        }
    }

    // IoApic.reset: every entry masked, IOREGSEL 0, the initial ID, also after a delivery left RO bits set
    @Test
    void resetRestoresEntriesIoregselAndInitialId() {
        final IoApicRig r = new IoApicRig(IoApicModel.ich(24), 4, 2, false);
        for (int pin = 0; pin < 24; pin++) {
            r.writeEntry(pin, 0xFF00_0000_0000_0000L | (0x20 + pin) | (pin % 2 == 0 ? Rte.TRIGGER_LEVEL : 0));
        }
        r.line(2, true); // level pin delivered: Remote IRR set
        assertTrue(r.remoteIrr(2));
        r.writeReg(IoApicRegisters.REG_ID, 0x0C00_0000);
        r.bus.write(BASE, 4, 0x37);
        r.ioapic.reset();
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(0x10000L, r.ioapic.rte(pin), "pin " + pin);
        }
        assertEquals(0, r.bus.read(BASE, 4));
        assertEquals(0x0400_0000, r.readReg(IoApicRegisters.REG_ID));
        for (int pin = 0; pin < 24; pin++) {
            assertEquals(0x10000L, r.readEntry(pin), "pin " + pin);
        }
        assertTrue(r.ioapic.input(2), "input levels belong to the wires and survive reset");
    }

    // ---------------------------------------------------------------- redirection entries

    // 82093AA 3.2.4: vector, delivery mode, destination mode, polarity, trigger, mask, destination are R/W
    @Test
    void everyWritableRteBitIsStored() {
        rig.writeEntry(5, 0xFFFF_FFFF_FFFF_FFFFL);
        assertEquals(0xFFFF_FFFF_FFFF_AFFFL, rig.readEntry(5), "all bits but 12 and 14");
        rig.writeEntry(5, 0x0000_0000_0001_0000L);
        assertEquals(0x0000_0000_0001_0000L, rig.readEntry(5));
        rig.writeEntry(6, Rte.of(0x42, Rte.DM_LOWEST_PRIORITY, true, true, false, true, 0x0F));
        final long e = rig.readEntry(6);
        assertEquals(0x42, Rte.vector(e));
        assertEquals(Rte.DM_LOWEST_PRIORITY, Rte.deliveryMode(e));
        assertTrue(Rte.isLogical(e));
        assertTrue(Rte.isActiveLow(e));
        assertFalse(Rte.isLevel(e));
        assertTrue(Rte.isMasked(e));
        assertEquals(0x0F, Rte.destination(e));
    }

    // 82093AA 3.2.4 bits 12 and 14; kvm-unit-tests: Remote IRR and delivery status are read-only
    @Test
    void deliveryStatusAndRemoteIrrIgnoreWritesOfOne() {
        rig.writeEntry(3, Rte.MASKED | Rte.REMOTE_IRR | Rte.DELIVERY_STATUS | 0x33);
        assertEquals(Rte.MASKED | 0x33, rig.readEntry(3));
        rig.writeEntry(3, Rte.REMOTE_IRR | Rte.DELIVERY_STATUS | Rte.TRIGGER_LEVEL | 0x33);
        assertEquals(Rte.TRIGGER_LEVEL | 0x33, rig.readEntry(3), "line low: nothing delivered");
    }

    // 82093AA 3.2.4 bit 14; QEMU IOAPIC_RO_BITS: Remote IRR set by delivery survives writes of zero
    @Test
    void remoteIrrIsReadOnly() {
        rig.writeEntry(7, level(0x47));
        rig.line(7, true);
        assertTrue(rig.remoteIrr(7));
        rig.writeLow(7, level(0x47)); // bit 14 written as 0
        assertTrue(rig.remoteIrr(7));
        rig.writeLow(7, level(0x47) | Rte.MASKED);
        assertTrue(rig.remoteIrr(7), "masking keeps Remote IRR (crosvm masking_preserves_remote_irr)");
        rig.writeLow(7, level(0x47));
        assertTrue(rig.remoteIrr(7));
        assertEquals(1, rig.ioapic.deliveredCount(), "Remote IRR set: no new message on unmask");
    }

    // 82093AA 3.2.4: the high dword (destination) write leaves bits 12 and 14 of the low dword unchanged
    @Test
    void highDwordWriteLeavesReadOnlyBitsUnchanged() {
        rig.writeEntry(8, level(0x48));
        rig.line(8, true);
        rig.writeReg(IoApicRegisters.redtblHigh(8), 0x0100_0000);
        final long e = rig.readEntry(8);
        assertTrue(Rte.remoteIrr(e));
        assertEquals(1, Rte.destination(e));
        assertEquals(0x48, Rte.vector(e));
    }

    // QEMU ioapic_fix_edge_remote_irr, KVM ioapic_write_indirect: level -> edge clears Remote IRR
    @Test
    void levelToEdgeClearsRemoteIrr() {
        rig.writeEntry(9, level(0x49));
        rig.line(9, true);
        assertTrue(rig.remoteIrr(9));
        rig.writeLow(9, IoApicRig.edge(0x49) | Rte.MASKED);
        assertFalse(rig.remoteIrr(9));
    }

    // Linux __eoi_ioapic_pin on a 0x11 part: mask, edge, level, unmask re-delivers a still-asserted line
    @Test
    void linuxPseudoEoiByTriggerToggleCompletesLevelInterruptOn82093aa() {
        final IoApicRig r = new IoApicRig(IoApicModel.i82093aa(24));
        r.writeEntry(9, level(0x49));
        r.line(9, true);
        assertTrue(r.remoteIrr(9));
        final long before = r.ioapic.deliveredCount();
        r.writeLow(9, level(0x49) | Rte.MASKED);
        r.writeLow(9, IoApicRig.edge(0x49) | Rte.MASKED);
        r.writeLow(9, level(0x49) | Rte.MASKED);
        assertFalse(r.remoteIrr(9));
        r.writeLow(9, level(0x49));
        assertEquals(before + 1, r.ioapic.deliveredCount(), "unmasked while asserted: delivered");
    }

    // ---------------------------------------------------------------- IOREGSEL profiles

    // crosvm write_read_ioregsel; 82093AA 3.1.1: IOREGSEL bits 7:0 read back as written (byte writes)
    @Test
    void ioregselReadsBackEveryByteWritten() {
        for (final int v : new int[] {0x0F, 0xF0, 0x01, 0xFF}) {
            rig.bus.write(BASE, 1, v);
            assertEquals(v, rig.bus.read(BASE, 1));
            assertEquals(v, rig.bus.read(BASE, 4));
        }
    }

    // 82093AA 3.1.1, KVM (data & 0xFF): the 8-bit profile keeps IOREGSEL bits 7:0 only
    @Test
    void eightBitIoregselKeepsBits7to0Only() {
        rig.bus.write(BASE, 4, 0x1234_5678L);
        assertEquals(0x78, rig.bus.read(BASE, 4));
        assertEquals(0x78, rig.ioapic.ioregsel());
        rig.bus.write(BASE, 4, 0x100); // selects index 0: the ID register
        rig.bus.write(BASE + 0x10, 4, 0x0500_0000);
        assertEquals(5, rig.ioapic.id());
    }

    // Xen vioapic_write: the 32-bit profile stores and reads back all of IOREGSEL; 0x100 is not ID
    @Test
    void thirtyTwoBitIoregselKeepsEveryBit() {
        final IoApicRig r = new IoApicRig(IoApicModel.xenVioapic(48));
        r.bus.write(BASE, 4, 0x1234_5678L);
        assertEquals(0x1234_5678L, r.bus.read(BASE, 4));
        assertEquals(0, r.bus.read(BASE + 0x10, 4), "index 0x12345678 is past the table");
        r.bus.write(BASE, 4, 0x100);
        r.bus.write(BASE + 0x10, 4, 0x0500_0000);
        assertEquals(0, r.ioapic.id());
        r.bus.write(BASE, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_FFFFL, r.bus.read(BASE, 4));
        assertEquals(0, r.bus.read(BASE + 0x10, 4));
        r.bus.write(BASE + 0x10, 4, 0xFFFF_FFFFL);
        for (int pin = 0; pin < 48; pin++) {
            assertEquals(Rte.RESET, r.readEntry(pin));
        }
        assertEquals(0x002F_0011, r.readReg(IoApicRegisters.REG_VER));
    }

    // ---------------------------------------------------------------- construction, profile

    // IoApic constructor: the ID must fit in IOAPICID bits 27:24, the GSI base must not be negative
    @Test
    void constructorRejectsIdsOutside4BitsAndNegativeGsiBase() {
        final IoApicModel m = IoApicModel.ich(24);
        assertThrows(IllegalArgumentException.class, () -> new IoApic("x", m, 16, 0, (v, d, l, dst, lv) -> 0,
            rig.clock, io.irqsim.hw.trace.HwTrace.NONE));
        assertThrows(IllegalArgumentException.class, () -> new IoApic("x", m, -1, 0, (v, d, l, dst, lv) -> 0,
            rig.clock, io.irqsim.hw.trace.HwTrace.NONE));
        assertThrows(IllegalArgumentException.class, () -> new IoApic("x", m, 0, -1, (v, d, l, dst, lv) -> 0,
            rig.clock, io.irqsim.hw.trace.HwTrace.NONE));
    }

    // ACPI MADT IO-APIC structure: the GSI base places the pins in the global interrupt space
    @Test
    void gsiBaseDefinesTheGsisThisIoApicHandles() {
        final IoApic second = new IoApic("ioapic1", IoApicModel.ich(24), 1, 24, (v, d, l, dst, lv) -> 0,
            rig.clock, io.irqsim.hw.trace.HwTrace.NONE);
        assertEquals(24, second.gsiBase());
        assertFalse(second.handlesGsi(23));
        assertTrue(second.handlesGsi(24));
        assertTrue(second.handlesGsi(47));
        assertFalse(second.handlesGsi(48));
        assertEquals(24, second.pins());
        assertEquals("ioapic1", second.name());
        assertTrue(second.toString().contains("gsi=24..47"), second.toString());
    }
}
