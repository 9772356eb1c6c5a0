package io.irqsim.hw.ioapic;

import io.irqsim.hw.mmio.MmioDevice;

import static io.irqsim.hw.ioapic.IoApicRegisters.ARB_MASK;
import static io.irqsim.hw.ioapic.IoApicRegisters.EOIR;
import static io.irqsim.hw.ioapic.IoApicRegisters.ID_SHIFT;
import static io.irqsim.hw.ioapic.IoApicRegisters.IOREGSEL;
import static io.irqsim.hw.ioapic.IoApicRegisters.IOWIN;
import static io.irqsim.hw.ioapic.IoApicRegisters.REDTBL_BASE;
import static io.irqsim.hw.ioapic.IoApicRegisters.REG_ARB;
import static io.irqsim.hw.ioapic.IoApicRegisters.REG_ID;
import static io.irqsim.hw.ioapic.IoApicRegisters.REG_VER;
import static io.irqsim.hw.ioapic.IoApicRegisters.VER_MRE_SHIFT;

/**
 * The register decode of one {@link IoApic}'s MMIO window: IOREGSEL, IOWIN and the EOI register,
 * as {@link IoApic}'s class comment defines them for each profile, and the indirect registers
 * behind IOWIN. The redirection table itself, delivery and EOIs stay in {@link IoApic}.
 *
 * <p>IOREGSEL is decoded when it is written, not when IOWIN is used: {@link #selDword} holds the
 * redirection-table dword it selects (twice the entry, plus one for the high half; -1 for any
 * other index), so an IOWIN access to an entry (the hot case: a kernel programming or reading an
 * RTE) goes straight to the table, which this class shares with its {@link IoApic}. Whole-register
 * accesses to IOREGSEL, IOWIN and the EOI register (every level interrupt's EOI on a version 0x20
 * part) are decoded in the hot methods; byte lanes, 8-byte splits and accesses that hit no
 * register are kept in separate methods.
 */
final class IoApicMmio {

    private final IoApic ioapic;
    private final IoApicModel model;
    /** Xen's {@code vioapic_read}/{@code vioapic_write} decode ({@link IoApicModel#xenAccessDecode()}). */
    private final boolean xen;
    private final boolean eoiRegister;
    private final long ioregselMask;
    private final int pins;
    /** Dwords of the redirection table: 2 per pin. */
    private final int redirDwords;

    /** The {@link IoApic}'s redirection table itself (read here, written only by {@link IoApic#writeRedirent}). */
    private final long[] table;

    /** The ID the IO-APIC was created with, which a reset restores. */
    private final int initialId;
    /** The IOAPICID bits the register keeps, right-aligned ({@link IoApicModel#idMask()}). */
    private final int idMask;

    private int ioregsel;
    /** The redirection-table dword IOREGSEL selects ({@code 2 * pin + 1} for the high half), or -1. */
    private int selDword = -1;
    /** The current ID ({@link IoApic#id()}). */
    private int id;

    IoApicMmio(final IoApic ioapic, final IoApicModel model, final int initialId) {
        this.ioapic = ioapic;
        this.initialId = initialId;
        this.idMask = model.idMask();
        this.id = initialId;
        this.model = model;
        this.xen = model.xenAccessDecode();
        this.eoiRegister = model.hasEoiRegister();
        this.ioregselMask = model.ioregselBits() == 32 ? 0xFFFF_FFFFL : 0xFFL;
        this.pins = model.pins();
        this.redirDwords = 2 * pins;
        this.table = ioapic.redirectionTable();
    }

    /** IOREGSEL back to 0 (IOAPICID), the ID back to the initial one. */
    void reset() {
        select(0);
        id = initialId;
    }

    int id() {
        return id;
    }

    int ioregsel() {
        return ioregsel;
    }

    /** Stores IOREGSEL and predecodes it. */
    private void select(final int value) {
        ioregsel = value;
        selDword = redirDword(value);
    }

    /**
     * @param index an indirect register index (the full IOREGSEL value)
     * @return the redirection-table dword it addresses ({@code 2 * pin}, {@code + 1} for the high
     *     half), or -1
     */
    private int redirDword(final int index) {
        // one unsigned compare: an index below REDTBL_BASE wraps to a large unsigned value, as
        // does any 32-bit index past 2^31
        final int rel = index - REDTBL_BASE;
        return Integer.compareUnsigned(rel, redirDwords) < 0 ? rel : -1;
    }

    /**
     * @param index an indirect register index (the full IOREGSEL value)
     * @return the redirection entry it addresses, or -1
     */
    int redirPin(final int index) {
        return redirDword(index) >> 1;
    }

    // ---------------------------------------------------------------- window accesses

    /*
     * The hot case of both decodes is the same: a whole-register access to IOREGSEL or IOWIN.
     * Xen decodes addr & 0xff, which is the offset itself (the window is 0x100 bytes), ignores
     * the size and keeps size bytes of the value, which the bus has already cut to size; a
     * physical part sees a 4-byte access as the whole register. Everything else is decoded in
     * readCold/writeCold.
     */

    long read(final long offset, final int size) {
        if (xen || size == 4) {
            if (offset == IOWIN) {
                return iowinRead() & 0xFFFF_FFFFL & MmioDevice.allOnes(size);
            }
            if (offset == IOREGSEL) {
                return ioregsel & 0xFFFF_FFFFL & MmioDevice.allOnes(size);
            }
        }
        return readCold(offset, size);
    }

    void write(final long offset, final int size, final long value) {
        if (xen || size == 4) {
            // the selector first: every IOWIN access follows one (a read of an entry is two
            // selector writes around two IOWIN reads)
            if (offset == IOREGSEL) {
                select((int) (value & ioregselMask));
                return;
            }
            if (offset == IOWIN) {
                iowinWrite((int) value);
                return;
            }
            if (offset == EOIR && eoiRegister) {
                // bits 7:0 carry the vector, 31:8 are ignored (ICH EOIR; Xen's vioapic_update_EOI
                // takes a uint8_t)
                ioapic.eoi((int) (value & 0xFF));
                return;
            }
        }
        writeCold(offset, size, value);
    }

    private long readCold(final long offset, final int size) {
        if (xen) {
            return xenRead(offset, size);
        }
        return readOther(offset, size);
    }

    private void writeCold(final long offset, final int size, final long value) {
        if (xen) {
            xenWrite(offset, size, value);
        } else {
            writeOther(offset, size, value);
        }
    }

    /** 1, 2 and 8-byte accesses (cold). */
    private long readOther(final long offset, final int size) {
        if (size == 4) {
            return readDwordLanes(offset, 4);
        }
        if (size == 8) {
            return (readDwordLanes(offset, 4) & 0xFFFF_FFFFL) | (readDwordLanes(offset + 4, 4) << 32);
        }
        return readDwordLanes(offset, size);
    }

    /** 1, 2 and 8-byte accesses (cold). */
    private void writeOther(final long offset, final int size, final long value) {
        if (size == 4) {
            writeDwordLanes(offset, 4, value);
            return;
        }
        if (size == 8) {
            writeDwordLanes(offset, 4, value & 0xFFFF_FFFFL);
            writeDwordLanes(offset + 4, 4, value >>> 32);
            return;
        }
        writeDwordLanes(offset, size, value);
    }

    private long readDwordLanes(final long offset, final int size) {
        final int dword = (int) (offset & ~3L);
        final int shift = (int) (offset & 3) * 8;
        final long laneMask = MmioDevice.allOnes(size);
        switch (dword) {
            case IOREGSEL:
                return ((ioregsel & 0xFFFF_FFFFL) >>> shift) & laneMask;
            case IOWIN:
                return ((iowinRead() & 0xFFFF_FFFFL) >>> shift) & laneMask;
            default:
                ignored(offset, size, false, 0);
                return 0;
        }
    }

    private void writeDwordLanes(final long offset, final int size, final long value) {
        final int dword = (int) (offset & ~3L);
        final int shift = (int) (offset & 3) * 8;
        final long laneMask = MmioDevice.allOnes(size) << shift;
        switch (dword) {
            case IOREGSEL: {
                final long merged = ((ioregsel & 0xFFFF_FFFFL) & ~laneMask) | ((value << shift) & laneMask);
                select((int) (merged & ioregselMask));
                return;
            }
            case IOWIN: {
                final long merged = size == 4 ? value
                    : ((iowinRead() & 0xFFFF_FFFFL) & ~laneMask) | ((value << shift) & laneMask);
                iowinWrite((int) merged);
                return;
            }
            case EOIR:
                if (eoiRegister && shift == 0) {
                    // ICH EOIR: bits 7:0 carry the vector, bits 31:8 are ignored
                    ioapic.eoi((int) (value & 0xFF));
                    return;
                }
                ignored(offset, size, true, value);
                return;
            default:
                ignored(offset, size, true, value);
        }
    }

    /**
     * The rest of Xen's {@code vioapic_read} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, same
     * at {@code RELEASE-4.18.0}), which switches on {@code addr & 0xff}: that is the offset itself in
     * the 0x100-byte window, and {@link #read} has taken 0x00 and 0x10 at every size, so every offset
     * left reads 0.
     */
    private long xenRead(final long offset, final int size) {
        ignored(offset, size, false, 0);
        return 0;
    }

    /**
     * The rest of Xen's {@code vioapic_write} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, same
     * at {@code RELEASE-4.18.0}): {@link #write} has taken 0x00 and 0x10 at every size (the size is
     * not looked at, so a byte write there replaces the whole register) and
     * {@code VIOAPIC_REG_EOI} (compiled only for version 0x20), which takes the low byte as the
     * vector ({@code vioapic_update_EOI}'s {@code uint8_t}); nothing happens anywhere else.
     */
    private void xenWrite(final long offset, final int size, final long value) {
        ignored(offset, size, true, value & MmioDevice.allOnes(size));
    }

    // ---------------------------------------------------------------- IOWIN

    /** IOWIN read of the selected register. */
    private int iowinRead() {
        final int sel = selDword;
        if (sel >= 0) {
            // the low dword of entry sel / 2, or its high dword when sel is odd
            return (int) (table[sel >>> 1] >>> ((sel & 1) << 5));
        }
        return readIndirect(ioregsel);
    }

    /** IOWIN write of the selected register. */
    private void iowinWrite(final int value) {
        final int sel = selDword;
        if (sel >= 0) {
            ioapic.writeRedirent(sel >>> 1, (sel & 1) != 0, value);
        } else {
            writeIndirect(ioregsel, value);
        }
    }

    /**
     * See {@link IoApic#readIndirect}. IOAPICID and IOAPICARB: {@link #idRegister},
     * {@link #arbRegister}; for Xen's vIO-APIC {@code vioapic_read_indirect}
     * ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}), which reads both through
     * {@code IO_APIC_reg_02}'s 4-bit {@code arbitration} field.
     */
    int readIndirect(final int index) {
        if (index == REG_ID) {
            return idRegister();
        }
        if (index == REG_ARB) {
            return arbRegister();
        }
        if (index == REG_VER) {
            return model.version() | ((pins - 1) << VER_MRE_SHIFT);
        }
        final int pin = redirPin(index);
        if (pin < 0) {
            ignored(IOWIN, 4, false, 0);
            return 0;
        }
        return (index & 1) == 0 ? Rte.low(ioapic.rte(pin)) : Rte.high(ioapic.rte(pin));
    }

    /**
     * See {@link IoApic#writeIndirect}. IOAPICID: {@link #setId}; for Xen's vIO-APIC
     * {@code vioapic_write_indirect} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}), which keeps
     * bits 27:24 and ignores writes to the version and arbitration registers.
     */
    void writeIndirect(final int index, final int value) {
        if (index == REG_ID) {
            setId(value);
            return;
        }
        final int pin = redirPin(index);
        if (pin < 0) {
            // IOAPICVER, IOAPICARB and reserved indexes are read-only
            ignored(IOWIN, 4, true, value & 0xFFFF_FFFFL);
            return;
        }
        ioapic.writeRedirent(pin, (index & 1) != 0, value);
    }

    /**
     * IOAPICID write: the profile's {@link IoApicModel#idBits()} bits from bit 24 up are kept
     * (27:24, the 82093AA's; 31:24 for the 8-bit profile, the {@code ID:8} of
     * {@code union IO_APIC_reg_00} in Linux's arch/x86/include/asm/io_apic.h@v6.12, which
     * {@code io_apic_unique_id}, arch/x86/kernel/apic/io_apic.c@v6.12, writes on an id clash). For
     * Xen's vIO-APIC, {@code vioapic_write_indirect}
     * ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, {@code VIOAPIC_REG_APIC_ID}): the
     * {@code IO_APIC_reg_02} {@code arbitration} field, bits 27:24.
     */
    private void setId(final int value) {
        id = (value >>> ID_SHIFT) & idMask;
    }

    /**
     * IOAPICID as read: the ID's {@link IoApicModel#idBits()} low bits from bit 24 up, the other
     * bits 0 (the 8-bit profile: all of {@code union IO_APIC_reg_00}'s {@code ID:8}, as Linux's
     * {@code io_apic_unique_id}, arch/x86/kernel/apic/io_apic.c@v6.12, and Xen's
     * {@code __print_IO_APIC}, {@code xen/arch/x86/io_apic.c@RELEASE-4.20.0}, read it). For Xen's
     * vIO-APIC, {@code vioapic_read_indirect}
     * ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, {@code VIOAPIC_REG_APIC_ID}): the ID
     * through the 4-bit {@code arbitration} field of {@code IO_APIC_reg_02}, so a hardware domain's
     * vIO-APIC that {@code vioapic_reset} gave the physical ID 25 reads 9.
     */
    private int idRegister() {
        return (id & idMask) << ID_SHIFT;
    }

    /**
     * IOAPICARB as read: the ID's low 4 bits in bits 27:24 (QEMU, KVM; Xen's
     * {@code vioapic_read_indirect}, {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0},
     * {@code VIOAPIC_REG_ARB_ID}). The arbitration field is 4 bits wide whatever the ID's width
     * ({@code union IO_APIC_reg_02} in Linux's and Xen's {@code asm/io_apic.h}).
     */
    private int arbRegister() {
        return (id & ARB_MASK) << ID_SHIFT;
    }

    private void ignored(final long offset, final int size, final boolean write, final long value) {
        ioapic.ignored(offset | ((long) (ioregsel & 0xFFFF) << 16), size | (write ? 1 << 8 : 0), value);
    }
}
