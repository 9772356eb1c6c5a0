package io.irqsim.hw.ioapic;

import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.trace.HwEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.irqsim.hw.ioapic.IoApicRig.BASE;
import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IO-APIC MMIO window as the IoApic class comment defines it: 4-byte registers at 0x00, 0x10,
 * 0x40; 1/2-byte accesses are byte lanes (read-modify-write on writes); 8-byte accesses split
 * into low then high dword (QEMU access_with_adjusted_size); unused offsets read 0.
 */
class IoApicMmioAccessTest {

    private static final long IOREGSEL = BASE + IoApicRegisters.IOREGSEL;
    private static final long IOWIN = BASE + IoApicRegisters.IOWIN;
    private static final long EOIR = BASE + IoApicRegisters.EOIR;

    private final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));

    /** A level entry whose Remote IRR is set and whose line has been lowered again. */
    private void levelInService(final IoApicRig r, final int pin, final int vector) {
        r.writeEntry(pin, level(vector));
        r.line(pin, true);
        r.line(pin, false);
        assertTrue(r.remoteIrr(pin));
    }

    // ---------------------------------------------------------------- every size at each register

    // IoApic: IOREGSEL accepts 1, 2, 4 and 8-byte accesses (KVM ioapic_mmio_write: any width)
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void ioregselTakesEveryAccessSize(final int size) {
        assertTrue(rig.bus.write(IOREGSEL, size, 0x01));
        assertEquals(0x01, rig.ioapic.ioregsel());
        assertEquals(0x01, rig.bus.read(IOREGSEL, size));
        assertEquals(0x0017_0020, rig.bus.read(IOWIN, 4));
    }

    // IoApic: IOWIN reads at every size return the low bytes of the register; 8 bytes zero-extend
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void iowinReadTakesEveryAccessSize(final int size) {
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.REG_VER);
        assertEquals(0x0017_0020L & MmioDevice.allOnes(Math.min(size, 4)), rig.bus.read(IOWIN, size));
    }

    // ICH 9.5.5 EOIR: a write of any size that includes byte 0x40 carries the vector
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4, 8})
    void eoiRegisterTakesEveryAccessSize(final int size) {
        levelInService(rig, 4, 0x64);
        assertTrue(rig.bus.write(EOIR, size, 0x64));
        assertFalse(rig.remoteIrr(4));
    }

    // ---------------------------------------------------------------- IOREGSEL byte lanes

    // IoApic: 1/2-byte IOREGSEL reads return the addressed lanes; upper lanes of an 8-bit IOREGSEL read 0
    @Test
    void eightBitIoregselLanesAboveByte0ReadZeroAndIgnoreWrites() {
        rig.bus.write(IOREGSEL, 4, 0x12);
        assertEquals(0x12, rig.bus.read(IOREGSEL, 1));
        assertEquals(0x12, rig.bus.read(IOREGSEL, 2));
        for (int b = 1; b < 4; b++) {
            assertEquals(0, rig.bus.read(IOREGSEL + b, 1));
        }
        assertEquals(0, rig.bus.read(IOREGSEL + 2, 2));
        rig.bus.write(IOREGSEL + 1, 1, 0xFF);
        rig.bus.write(IOREGSEL + 2, 2, 0xFFFF);
        assertEquals(0x12, rig.bus.read(IOREGSEL, 4));
        rig.bus.write(IOREGSEL, 2, 0xABCD);
        assertEquals(0xCD, rig.bus.read(IOREGSEL, 4));
    }

    // ---------------------------------------------------------------- IOWIN byte lanes

    // ICH 82801AA 8.5.3 ("can be accessed in byte quantities"): IOWIN sub-dword reads return the addressed lanes
    @Test
    void iowinSubDwordReadsReturnAddressedLanes() {
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.REG_VER); // 0x00170020
        assertEquals(0x20, rig.bus.read(IOWIN, 1));
        assertEquals(0x00, rig.bus.read(IOWIN + 1, 1));
        assertEquals(0x17, rig.bus.read(IOWIN + 2, 1));
        assertEquals(0x00, rig.bus.read(IOWIN + 3, 1));
        assertEquals(0x0020, rig.bus.read(IOWIN, 2));
        assertEquals(0x0017, rig.bus.read(IOWIN + 2, 2));
    }

    // IoApic: an IOWIN byte write replaces that lane of the selected entry and keeps the others
    @Test
    void iowinByteWriteReplacesOnlyThatLane() {
        rig.writeEntry(0, 0x0100_0000_0001_0030L);
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.redtblLow(0));
        rig.bus.write(IOWIN, 1, 0x31);
        assertEquals(0x0001_0031, rig.ioapic.readIndirect(0x10));
        rig.bus.write(IOWIN + 1, 1, 0x80); // trigger = level, still masked
        assertEquals(0x0001_8031, rig.ioapic.readIndirect(0x10));
        rig.bus.write(IOWIN + 2, 1, 0x00); // unmask; line low, nothing to deliver
        assertEquals(0x0000_8031, rig.ioapic.readIndirect(0x10));
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.redtblHigh(0));
        rig.bus.write(IOWIN + 3, 1, 0x02);
        rig.bus.write(IOWIN, 1, 0xFF);
        assertEquals(0x0200_00FF_0000_8031L, rig.readEntry(0));
        assertEquals(0, rig.ioapic.deliveredCount());
    }

    // IoApic + 82093AA 3.2.4: a sub-dword write cannot set or clear delivery status / Remote IRR
    @Test
    void iowinByteWriteKeepsReadOnlyBits() {
        rig.writeEntry(2, level(0x50));
        rig.line(2, true);
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.redtblLow(2));
        assertEquals(0xC0, rig.bus.read(IOWIN + 1, 1), "level + Remote IRR");
        rig.bus.write(IOWIN + 1, 1, 0x90); // try to set delivery status
        assertEquals(0xC0, rig.bus.read(IOWIN + 1, 1));
        rig.bus.write(IOWIN + 1, 1, 0x80); // try to clear Remote IRR
        assertEquals(0xC0, rig.bus.read(IOWIN + 1, 1));
        rig.bus.write(IOWIN, 1, 0x51);
        assertEquals(0x0000_C051L, rig.readEntry(2));
    }

    // IoApic: the ID register through byte lanes: lane 3 holds bits 27:24, other lanes are reserved
    @Test
    void idRegisterByteLanes() {
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.REG_ID);
        rig.bus.write(IOWIN + 3, 1, 0x0A);
        assertEquals(0x0A, rig.bus.read(IOWIN + 3, 1));
        rig.bus.write(IOWIN, 1, 0xFF);
        assertEquals(0x0A00_0000, rig.readReg(IoApicRegisters.REG_ID));
        rig.bus.write(IOWIN + 2, 2, 0xFFFF);
        assertEquals(0x0F00_0000, rig.readReg(IoApicRegisters.REG_ID));
    }

    // ---------------------------------------------------------------- 8-byte split

    // QEMU access_with_adjusted_size: an 8-byte read is IOREGSEL/IOWIN plus the empty dword above, zero-extended
    @Test
    void eightByteReadsZeroExtendTheRegister() {
        rig.bus.write(IOREGSEL, 4, 0x01);
        assertEquals(0x01L, rig.bus.read(IOREGSEL, 8));
        assertEquals(0x0017_0020L, rig.bus.read(IOWIN, 8));
    }

    // IoApic: an 8-byte write to IOWIN writes the low dword and drops the half at 0x14
    @Test
    void eightByteWriteToIowinWritesLowDwordAndDropsUpperHalf() {
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.redtblLow(0));
        rig.bus.write(IOWIN, 8, 0xDEAD_BEEF_0001_0055L);
        assertEquals(0x0000_0000_0001_0055L, rig.readEntry(0));
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.redtblLow(0));
        rig.bus.write(IOWIN, 8, 0xDEAD_BEEF_0001_0056L);
        assertEquals(IoApicRegisters.redtblLow(0), rig.ioapic.ioregsel(), "no auto-increment into the next index");
    }

    // IoApic: an 8-byte write at 0x00 loads IOREGSEL from the low dword (both profiles)
    @Test
    void eightByteWriteToIoregselUsesTheLowDword() {
        rig.bus.write(IOREGSEL, 8, 0x0000_0011_0000_0001L);
        assertEquals(0x01, rig.ioapic.ioregsel());
        final IoApicRig xen = new IoApicRig(IoApicModel.xenVioapic(48));
        xen.bus.write(IOREGSEL, 8, 0xFFFF_FFFF_0000_0002L);
        assertEquals(0x02, xen.ioapic.ioregsel());
    }

    // ---------------------------------------------------------------- unused offsets, EOI register

    // QEMU/KVM/Xen: offsets holding no register read 0 and ignore writes (traced as ignored)
    @Test
    void unusedOffsetsReadZeroAndIgnoreWrites() {
        rig.writeEntry(0, 0x0300_0000_0001_0077L);
        rig.writeReg(IoApicRegisters.REG_ID, 0x0600_0000);
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.redtblLow(0));
        final long ignoredBefore = rig.ioapic.ignoredAccesses();
        int unused = 0;
        for (int off = 0; off < 0x100; off += 4) {
            if (off == 0x00 || off == 0x10 || off == 0x40) {
                continue;
            }
            unused++;
            assertEquals(0, rig.bus.read(BASE + off, 4), "offset 0x" + Integer.toHexString(off));
            assertEquals(0, rig.bus.read(BASE + off + 2, 2));
            assertEquals(0, rig.bus.read(BASE + off + 3, 1));
            rig.bus.write(BASE + off, 4, 0xFFFF_FFFFL);
            rig.bus.write(BASE + off + 1, 1, 0xFF);
        }
        assertEquals(0, rig.bus.read(BASE + 0x08, 8));
        assertEquals(0, rig.bus.read(BASE + 0x20, 8), "0x20 (PAR on some ICHs) is not emulated");
        assertEquals(IoApicRegisters.redtblLow(0), rig.ioapic.ioregsel());
        assertEquals(0x0300_0000_0001_0077L, rig.readEntry(0));
        assertEquals(0x0600_0000, rig.readReg(IoApicRegisters.REG_ID));
        assertEquals(ignoredBefore + 5L * unused + 2 * 2, rig.ioapic.ignoredAccesses());
        assertTrue(rig.trace.count(HwEvent.IOAPIC_IGNORED_ACCESS) >= 5 * unused);
        assertEquals(0, rig.bus.rejectedAccesses());
    }

    // ICH 9.5.5: the EOI register is write-only and reads 0
    @Test
    void eoiRegisterReadsZero() {
        levelInService(rig, 4, 0x64);
        assertEquals(0, rig.bus.read(EOIR, 4));
        assertEquals(0, rig.bus.read(EOIR, 1));
        assertTrue(rig.remoteIrr(4), "reading EOIR has no side effect");
    }

    // ICH 9.5.5 ("bits 31:8 ignored"): only bits 7:0 carry the vector
    @Test
    void eoiRegisterIgnoresBits31to8() {
        levelInService(rig, 4, 0x64);
        rig.bus.write(EOIR, 4, 0xFFFF_FF00L | 0x65);
        assertTrue(rig.remoteIrr(4), "other vector");
        rig.bus.write(EOIR, 4, 0xFFFF_FF00L | 0x64);
        assertFalse(rig.remoteIrr(4));
    }

    // IoApic: the EOI register acts only on a write that includes byte 0x40
    @Test
    void eoiRegisterWriteNotIncludingByte0x40IsIgnored() {
        levelInService(rig, 4, 0x64);
        rig.bus.write(EOIR + 1, 1, 0x64);
        rig.bus.write(EOIR + 2, 2, 0x64);
        rig.bus.write(EOIR + 3, 1, 0x64);
        assertTrue(rig.remoteIrr(4));
        rig.bus.write(EOIR, 2, 0x0064);
        assertFalse(rig.remoteIrr(4));
    }

    // Linux __eoi_ioapic_pin / QEMU (version 0x11): there is no EOI register below version 0x20
    @Test
    void eoiRegisterAbsentOnVersion0x11() {
        final IoApicRig r = new IoApicRig(IoApicModel.i82093aa(24));
        levelInService(r, 4, 0x64);
        final long ignored = r.ioapic.ignoredAccesses();
        r.bus.write(EOIR, 4, 0x64);
        r.bus.write(EOIR, 1, 0x64);
        assertTrue(r.remoteIrr(4));
        assertEquals(0, r.bus.read(EOIR, 4));
        assertTrue(r.ioapic.ignoredAccesses() >= ignored + 3);
        assertEquals(0, r.trace.count(HwEvent.IOAPIC_EOI));
    }

    // ---------------------------------------------------------------- what the bus refuses

    // MmioBus (QEMU valid.unaligned unset): misaligned accesses never reach the IO-APIC
    @Test
    void misalignedAccessesAreRejectedByTheBus() {
        rig.bus.write(IOREGSEL, 4, 0x01);
        levelInService(rig, 4, 0x64);
        rig.bus.write(IOREGSEL, 4, 0x01);
        assertEquals(0xFFFFL, rig.bus.read(IOREGSEL + 1, 2));
        assertEquals(0xFFFF_FFFFL, rig.bus.read(IOWIN + 2, 4));
        assertEquals(-1L, rig.bus.read(BASE + 0x04, 8));
        assertFalse(rig.bus.write(IOREGSEL + 2, 4, 0));
        assertFalse(rig.bus.write(IOWIN + 1, 2, 0));
        assertFalse(rig.bus.write(EOIR + 1, 4, 0x64));
        assertFalse(rig.bus.write(IOWIN + 4, 8, 0));
        assertEquals(7, rig.bus.rejectedAccesses());
        assertEquals(7, rig.trace.count(HwEvent.MMIO_REJECTED));
        assertEquals(0x01, rig.ioapic.ioregsel());
        assertTrue(rig.remoteIrr(4));
    }

    // MmioBus: sizes 3 and 16 are refused without throwing; the IO-APIC state is untouched
    @ParameterizedTest
    @ValueSource(ints = {3, 16})
    void invalidSizesAreRejectedWithoutThrowing(final int size) {
        rig.bus.write(IOREGSEL, 4, 0x02);
        assertEquals(-1L, rig.bus.read(IOREGSEL, size));
        assertEquals(-1L, rig.bus.read(IOWIN, size));
        assertFalse(rig.bus.write(IOREGSEL, size, 0));
        assertFalse(rig.bus.write(IOWIN, size, 0x0F00_0000));
        assertEquals(0x02, rig.ioapic.ioregsel());
        assertEquals(0, rig.ioapic.id());
        assertEquals(4, rig.bus.rejectedAccesses());
    }

    // KVM IOAPIC_MEM_LENGTH / Xen VIOAPIC_MEM_LENGTH: the window is 256 bytes; beyond it is unmapped
    @Test
    void accessesPastTheWindowAreUnmapped() {
        assertSame(rig.ioapic, rig.bus.deviceAt(BASE + 0xFF));
        assertNull(rig.bus.deviceAt(BASE + 0x100));
        assertEquals(0xFFFF_FFFFL, rig.bus.read(BASE + 0x100, 4));
        assertEquals(0xFFL, rig.bus.read(BASE + 0x110, 1));
        assertFalse(rig.bus.write(BASE + 0x110, 4, 0x0F00_0000));
        assertEquals(2, rig.bus.unmappedReads());
        assertEquals(1, rig.bus.unmappedWrites());
        assertEquals(0, rig.ioapic.id());
        assertEquals("ioapic0", rig.ioapic.name());
        assertEquals(MmioDevice.ACCESS_ANY, rig.ioapic.acceptedSizes());
    }
}
