package io.irqsim.hw.ioapic;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.irqsim.hw.ioapic.IoApicRig.BASE;
import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Accesses that hit no register, as the IoApic class comment defines them for a physical part:
 * the upper half of an 8-byte access (the class comment's rule: two 4-byte accesses, low dword
 * then high dword), writes to the read-only IOAPICVER (82093AA 3.2.2; QEMU {@code ioapic_mem_write}
 * drops them), reads of an index past the table (QEMU {@code ioapic_mem_read}: 0; both
 * {@code hw/intc/ioapic.c} at qemu commit 06b40d250ecf); each counted and traced as
 * {@link HwEvent#IOAPIC_IGNORED_ACCESS}: a = offset | (IOREGSEL &lt;&lt; 16), b = size | (1 &lt;&lt; 8 if
 * write), c = value. Also the byte lanes of a 32-bit IOREGSEL, and the host-side indirect
 * accessors.
 */
class IoApicIgnoredAccessTest {

    private static final long IOREGSEL = BASE + IoApicRegisters.IOREGSEL;
    private static final long IOWIN = BASE + IoApicRegisters.IOWIN;

    private final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));

    // 82093AA 3.2.2 (IOAPICVER read-only); QEMU hw/intc/ioapic.c:ioapic_mem_write@06b40d250ecf
    // (IOAPIC_REG_VER: break): the dropped write is traced with the index and the value
    @Test
    void writeToReadOnlyIoapicverIsTracedWithIndexAndValue() {
        rig.writeReg(IoApicRegisters.REG_VER, 0x8765_4321);
        assertEquals(0x0017_0020, rig.readReg(IoApicRegisters.REG_VER));
        assertEquals(1, rig.ioapic.ignoredAccesses());
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_IGNORED_ACCESS,
            IoApicRegisters.IOWIN | (IoApicRegisters.REG_VER << 16), 4 | (1 << 8), 0x8765_4321L),
            rig.trace.last(HwEvent.IOAPIC_IGNORED_ACCESS));
    }

    // QEMU hw/intc/ioapic.c:ioapic_mem_read@06b40d250ecf: an index past the last entry reads 0; traced as a read (no write bit)
    @Test
    void readOfAnIndexPastTheTableIsTracedAsARead() {
        final int past = IoApicRegisters.redtblLow(24);
        assertEquals(0, rig.readReg(past));
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_IGNORED_ACCESS,
            IoApicRegisters.IOWIN | ((long) past << 16), 4, 0),
            rig.trace.last(HwEvent.IOAPIC_IGNORED_ACCESS));
    }

    // IoApic class comment (an 8-byte access is two 4-byte accesses, low dword first): an 8-byte
    // write to IOWIN is IOWIN then 0x14, which holds no register: traced there with the high half
    @Test
    void eightByteWriteToIowinDropsTheUpperDwordAt0x14() {
        rig.bus.write(IOREGSEL, 4, IoApicRegisters.REG_ID);
        rig.bus.write(IOWIN, 8, 0xCAFE_BABE_0A00_0000L);
        assertEquals(0xA, rig.ioapic.id());
        assertEquals(1, rig.ioapic.ignoredAccesses());
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_IGNORED_ACCESS, 0x14, 4 | (1 << 8), 0xCAFE_BABEL),
            rig.trace.last(HwEvent.IOAPIC_IGNORED_ACCESS));
    }

    // IoApic class comment: an 8-byte read of IOREGSEL is IOREGSEL then 0x04, which reads 0 (traced)
    @Test
    void eightByteReadOfIoregselReadsZeroFromTheUpperDwordAt0x04() {
        rig.bus.write(IOREGSEL, 4, 0x12);
        assertEquals(0x12, rig.bus.read(IOREGSEL, 8));
        assertEquals(1, rig.ioapic.ignoredAccesses());
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_IGNORED_ACCESS, 0x04 | (0x12 << 16), 4, 0),
            rig.trace.last(HwEvent.IOAPIC_IGNORED_ACCESS));
    }

    // IoApic class comment (byte lanes of the containing register, ICH byte enables): with a
    // 32-bit IOREGSEL, a byte written at 0x01 lands in bits 15:8 and reads back there
    @Test
    void byteLanesOfAThirtyTwoBitIoregselAreShiftedIntoPlace() {
        final IoApicRig wide = new IoApicRig(new IoApicModel(IoApicRegisters.VERSION_20, 24, 32, true));
        wide.bus.write(IOREGSEL, 4, 0);
        wide.bus.write(IOREGSEL + 1, 1, 0xAB);
        assertEquals(0xAB00, wide.ioapic.ioregsel());
        assertEquals(0xAB, wide.bus.read(IOREGSEL + 1, 1));
        assertEquals(0xAB00, wide.bus.read(IOREGSEL, 2));
        wide.bus.write(IOREGSEL + 2, 2, 0x1234);
        assertEquals(0x1234_AB00, wide.ioapic.ioregsel());
        assertEquals(0x1234, wide.bus.read(IOREGSEL + 2, 2));
    }

    // Xen vioapic_write_indirect@RELEASE-4.20.0 (index below the table: ID; inside it: the entry's
    // low or high dword by bit 0): the host-side accessor decodes an index as IOWIN would
    @Test
    void writeIndirectReachesEntryZeroAndTheIdRegister() {
        rig.ioapic.writeIndirect(IoApicRegisters.redtblHigh(0), 0x0300_0000);
        rig.ioapic.writeIndirect(IoApicRegisters.redtblLow(0), Rte.low(level(0x33)));
        assertEquals(0x33, Rte.vector(rig.ioapic.rte(0)));
        assertTrue(Rte.isLevel(rig.ioapic.rte(0)));
        assertFalse(Rte.isMasked(rig.ioapic.rte(0)));
        assertEquals(3, Rte.destination(rig.ioapic.rte(0)));
        assertEquals(0x0300_0000, rig.ioapic.readIndirect(IoApicRegisters.redtblHigh(0)));
        rig.ioapic.writeIndirect(IoApicRegisters.REG_ID, 0x0A00_0000);
        assertEquals(0xA, rig.ioapic.id());
        rig.ioapic.writeIndirect(IoApicRegisters.REG_VER, 0);
        assertEquals(1, rig.ioapic.ignoredAccesses());
    }

    // Linux __ioapic_read_entry: low dword then high dword through IOREGSEL/IOWIN
    @Test
    void readEntryReturnsWhatWriteEntryWrote() {
        final long entry = Rte.of(0x45, Rte.DM_LOWEST_PRIORITY, true, false, true, false, 0x0F);
        IoApicRegisters.writeEntry(rig.bus, BASE, 11, entry);
        assertEquals(entry, IoApicRegisters.readEntry(rig.bus, BASE, 11));
        assertEquals(entry, rig.ioapic.rte(11));
    }

    // IoApic class comment (an 8-byte access is two 4-byte accesses, low dword first; QEMU's memory
    // core splits it so for ioapic_io_ops, hw/intc/ioapic.c@06b40d250ecf): a whole-dword write to
    // IOWIN is a write, not a read-modify-write. With IOREGSEL on the reserved index 0x03 the
    // 8-byte write is exactly two dropped writes (IOWIN, then 0x14), and no dropped read of IOWIN
    @Test
    void eightByteWriteToIowinOnAReservedIndexIsTwoDroppedWritesAndNoRead() {
        rig.bus.write(IOREGSEL, 4, 0x03);
        rig.bus.write(IOWIN, 8, 0x1111_2222_3333_4444L);
        assertEquals(2, rig.ioapic.ignoredAccesses());
        assertEquals(List.of(
                new RecordingHwTrace.Event(HwEvent.IOAPIC_IGNORED_ACCESS, 0x0003_0010L, 0x104, 0x3333_4444L),
                new RecordingHwTrace.Event(HwEvent.IOAPIC_IGNORED_ACCESS, 0x0003_0014L, 0x104, 0x1111_2222L)),
            rig.trace.events(HwEvent.IOAPIC_IGNORED_ACCESS));
    }
}
