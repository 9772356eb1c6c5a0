package io.irqsim.hw.ioapic;

import io.irqsim.hw.mmio.MmioBus;

/**
 * IO-APIC register map: the direct (MMIO) registers and the indirect ones behind IOREGSEL/IOWIN
 * (Intel 82093AA datasheet, sections 3.1 and 3.2; ICH datasheets for the EOI register).
 */
public final class IoApicRegisters {

    /** Default physical base address (82093AA, MP specification). */
    public static final long DEFAULT_BASE = 0xFEC00000L;
    /** Bytes decoded per IO-APIC (KVM {@code IOAPIC_MEM_LENGTH}, Xen {@code VIOAPIC_MEM_LENGTH}). */
    public static final long WINDOW_SIZE = 0x100;

    /** IOREGSEL: selects the indirect register. */
    public static final int IOREGSEL = 0x00;
    /** IOWIN: 32-bit window onto the selected register. */
    public static final int IOWIN = 0x10;
    /** EOI register (version 0x20 parts only): writing a vector clears Remote IRR. */
    public static final int EOIR = 0x40;

    /** Indirect index of IOAPICID. */
    public static final int REG_ID = 0x00;
    /** Indirect index of IOAPICVER. */
    public static final int REG_VER = 0x01;
    /** Indirect index of IOAPICARB. */
    public static final int REG_ARB = 0x02;
    /** Indirect index of the first redirection-table dword (IOREDTBL0 low). */
    public static final int REDTBL_BASE = 0x10;

    /** IOAPICID: the APIC ID starts at bit 24 (bits 27:24, or 31:24 with an 8-bit ID). */
    public static final int ID_SHIFT = 24;
    /**
     * IOAPICID: four writable ID bits (82093AA, ICH); a profile's own width is
     * {@link IoApicModel#idMask()}.
     */
    public static final int ID_MASK = 0xF;
    /** IOAPICARB: the arbitration ID is four bits, 27:24, whatever the width of the ID. */
    public static final int ARB_MASK = 0xF;
    /** IOAPICVER: maximum redirection entry, bits 23:16. */
    public static final int VER_MRE_SHIFT = 16;

    /** Version of the original 82093AA: no EOI register. */
    public static final int VERSION_11 = 0x11;
    /** Version of ICH-class parts: EOI register at 0x40. */
    public static final int VERSION_20 = 0x20;

    /** Pins of an 82093AA / the default platform. */
    public static final int DEFAULT_PINS = 24;
    /** Pins of a Xen HVM guest's vIO-APIC ({@code VIOAPIC_NUM_PINS}: 16 ISA + 32 PCI). */
    public static final int HVM_GUEST_PINS = 48;

    private IoApicRegisters() {
    }

    /**
     * @param pin pin number
     * @return the indirect index of its low dword
     */
    public static int redtblLow(final int pin) {
        return REDTBL_BASE + 2 * pin;
    }

    /**
     * @param pin pin number
     * @return the indirect index of its high dword
     */
    public static int redtblHigh(final int pin) {
        return REDTBL_BASE + 2 * pin + 1;
    }

    /**
     * Writes a whole redirection entry through IOREGSEL/IOWIN, high dword first, so the entry is
     * complete before the low dword's mask bit can open it (Linux {@code __ioapic_write_entry}).
     *
     * @param bus the CPU's MMIO address space
     * @param base the IO-APIC's base address
     * @param pin pin number
     * @param rte the entry ({@link Rte})
     */
    public static void writeEntry(final MmioBus bus, final long base, final int pin, final long rte) {
        bus.write(base + IOREGSEL, 4, redtblHigh(pin));
        bus.write(base + IOWIN, 4, Rte.high(rte) & 0xFFFF_FFFFL);
        writeEntryLow(bus, base, pin, Rte.low(rte));
    }

    /**
     * Writes only an entry's low dword through IOREGSEL/IOWIN (Linux {@code io_apic_modify}, as
     * used for masking and unmasking).
     *
     * @param bus the CPU's MMIO address space
     * @param base the IO-APIC's base address
     * @param pin pin number
     * @param low the low dword
     */
    public static void writeEntryLow(final MmioBus bus, final long base, final int pin, final int low) {
        bus.write(base + IOREGSEL, 4, redtblLow(pin));
        bus.write(base + IOWIN, 4, low & 0xFFFF_FFFFL);
    }

    /**
     * Reads a whole redirection entry through IOREGSEL/IOWIN, low dword first (Linux
     * {@code __ioapic_read_entry}).
     *
     * @param bus the CPU's MMIO address space
     * @param base the IO-APIC's base address
     * @param pin pin number
     * @return the entry
     */
    public static long readEntry(final MmioBus bus, final long base, final int pin) {
        final long low = readIndirect(bus, base, redtblLow(pin));
        return low | (readIndirect(bus, base, redtblHigh(pin)) << 32);
    }

    /**
     * Reads an indirect register: its index to IOREGSEL, then IOWIN (4-byte accesses).
     *
     * @param bus the CPU's MMIO address space
     * @param base the IO-APIC's base address
     * @param index the register index
     * @return the register's 32 bits
     */
    public static long readIndirect(final MmioBus bus, final long base, final int index) {
        bus.write(base + IOREGSEL, 4, index & 0xFFFF_FFFFL);
        return bus.read(base + IOWIN, 4);
    }

    /**
     * The number of redirection entries an IOAPICVER value advertises: its maximum redirection entry
     * (bits 23:16) plus one ({@code io_apic_get_redir_entries}, arch/x86/kernel/apic/io_apic.c@v6.12).
     *
     * @param ver the IOAPICVER register
     * @return the entry count, 1..256
     */
    public static int redirEntries(final int ver) {
        return ((ver >>> VER_MRE_SHIFT) & 0xFF) + 1;
    }
}
