package io.irqsim.hw.ioapic;

/**
 * The profile of one IO-APIC: the choices where real parts and implementations differ.
 *
 * @param version IOAPICVER bits 7:0; 0x11 (82093AA, no EOI register) or 0x20 (EOI register at 0x40)
 * @param pins number of redirection entries (IOAPICVER maximum redirection entry + 1)
 * @param ioregselBits how many IOREGSEL bits are stored and read back: 8 (82093AA, KVM) or 32
 *     (Xen's vIO-APIC keeps the whole value written, {@code vioapic_write})
 * @param electricalInputs {@code true}: a pin sees an electrical level and the RTE polarity bit
 *     decides what is asserted (real hardware); {@code false}: inputs are logical assert/deassert
 *     and the polarity bit is stored only (QEMU, KVM and Xen's vIO-APIC)
 * @param implementation whose register model this is: the parts where implementations differ
 *     beyond the fields above (access decoding, Remote IRR, the EOI storm guard)
 * @param idBits how many IOAPICID bits, from bit 24 up, are stored and read back: 4 (bits 27:24:
 *     the 82093AA, ICH parts, QEMU, KVM and Xen's vIO-APIC) or 8 (bits 31:24, as Linux's and Xen's
 *     {@code union IO_APIC_reg_00} declare the ID: {@link #withIdBits})
 */
public record IoApicModel(int version, int pins, int ioregselBits, boolean electricalInputs,
                          Implementation implementation, int idBits) {

    /** Whose IO-APIC a profile models. */
    public enum Implementation {
        /**
         * A physical part (82093AA, ICH): byte lanes, Remote IRR set when a LAPIC accepts, no
         * storm guard (nothing in the datasheets defers an EOI re-delivery).
         */
        HARDWARE,
        /**
         * QEMU's userspace IO-APIC ({@code hw/intc/ioapic.c@v9.2.0}): the EOI storm guard
         * ({@code ioapic_eoi_broadcast}, {@code SUCCESSIVE_IRQ_MAX_COUNT}).
         */
        QEMU,
        /**
         * KVM's in-kernel IO-APIC ({@code arch/x86/kvm/ioapic.c@v6.12}): the EOI storm guard
         * ({@code kvm_ioapic_update_eoi_one}, {@code IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT}).
         */
        KVM,
        /**
         * Xen's vIO-APIC ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}): exact offset decode
         * with the access size ignored, Remote IRR set before delivery, no storm guard.
         */
        XEN
    }

    /** Largest pin count an 8-bit IOREGSEL can address: indexes 0x10..0xFF. */
    public static final int MAX_PINS = (0x100 - IoApicRegisters.REDTBL_BASE) / 2;

    /** IOAPICID width of the 82093AA and every profile but {@link #withIdBits}'s: bits 27:24. */
    public static final int ID_BITS_4 = 4;
    /** IOAPICID width Linux and Xen read: bits 31:24 ({@code union IO_APIC_reg_00}, {@code ID:8}). */
    public static final int ID_BITS_8 = 8;

    /**
     * Validates the profile.
     *
     * @throws IllegalArgumentException on an unknown version, a pin count outside 1..120, an
     *     IOREGSEL width other than 8 or 32 or an IOAPICID width other than 4 or 8
     */
    public IoApicModel {
        java.util.Objects.requireNonNull(implementation, "implementation");
        if (version != IoApicRegisters.VERSION_11 && version != IoApicRegisters.VERSION_20) {
            throw new IllegalArgumentException(String.format(
                "IO-APIC version 0x%x is not modelled: use 0x11 or 0x20", version));
        }
        if (pins < 1 || pins > MAX_PINS) {
            throw new IllegalArgumentException("IO-APIC pin count " + pins + " is outside 1.." + MAX_PINS);
        }
        if (ioregselBits != 8 && ioregselBits != 32) {
            throw new IllegalArgumentException("IOREGSEL width must be 8 or 32 bits, not " + ioregselBits);
        }
        if (idBits != ID_BITS_4 && idBits != ID_BITS_8) {
            throw new IllegalArgumentException("IOAPICID width must be 4 or 8 bits, not " + idBits);
        }
    }

    /**
     * A profile with the 4-bit IOAPICID (bits 27:24).
     *
     * @param version IOAPICVER bits 7:0
     * @param pins number of redirection entries
     * @param ioregselBits 8 or 32
     * @param electricalInputs whether pins see electrical levels
     * @param implementation whose register model this is
     */
    public IoApicModel(final int version, final int pins, final int ioregselBits, final boolean electricalInputs,
                       final Implementation implementation) {
        this(version, pins, ioregselBits, electricalInputs, implementation, ID_BITS_4);
    }

    /**
     * A physical part's profile ({@link Implementation#HARDWARE}).
     *
     * @param version IOAPICVER bits 7:0
     * @param pins number of redirection entries
     * @param ioregselBits 8 or 32
     * @param electricalInputs whether pins see electrical levels
     */
    public IoApicModel(final int version, final int pins, final int ioregselBits, final boolean electricalInputs) {
        this(version, pins, ioregselBits, electricalInputs, Implementation.HARDWARE, ID_BITS_4);
    }

    /**
     * This profile with another IOAPICID width. The 8-bit one is irqsim's model of a physical part
     * whose firmware gave it an ID above 15 (the ASRock X570 Taichi's MADT: 25 and 26, AMD parts).
     * It follows the register as the two kernels that program it declare it: Linux's
     * {@code union IO_APIC_reg_00} (arch/x86/include/asm/io_apic.h@v6.12) and Xen's
     * ({@code xen/arch/x86/include/asm/io_apic.h@RELEASE-4.20.0}) both have {@code ID:8} in bits
     * 31:24. Only IOAPICID changes: IOAPICARB still reads the ID's low 4 bits in bits 27:24, the
     * width of both headers' {@code union IO_APIC_reg_02} {@code arbitration} field.
     *
     * @param bits 4 or 8
     * @return the profile
     * @throws IllegalArgumentException for 8 bits on Xen's vIO-APIC profile or on a version 0x11 part
     */
    public IoApicModel withIdBits(final int bits) {
        if (implementation == Implementation.XEN && bits != ID_BITS_4) {
            // vioapic_read_indirect / vioapic_write_indirect go through the 4-bit arbitration field
            throw new IllegalArgumentException("Xen's vIO-APIC reads and writes a 4-bit IOAPICID");
        }
        if (!idBitsFit(version, bits)) {
            throw new IllegalArgumentException("an IO-APIC of version 0x11 (the 82093AA) has a 4-bit IOAPICID");
        }
        return new IoApicModel(version, pins, ioregselBits, electricalInputs, implementation, bits);
    }

    /**
     * Whether an IO-APIC of {@code version} can have an IOAPICID of {@code bits}: the 8-bit one is
     * the later parts' ({@link #withIdBits}), never the 82093AA's (version 0x11, bits 27:24).
     *
     * @param version IOAPICVER bits 7:0
     * @param bits 4 or 8
     * @return whether the width fits the version
     */
    public static boolean idBitsFit(final int version, final int bits) {
        return bits == ID_BITS_4 || version != IoApicRegisters.VERSION_11;
    }

    /** @return the IOAPICID bits kept, right-aligned: 0xF or 0xFF */
    public int idMask() {
        return (1 << idBits) - 1;
    }

    /**
     * @return the largest ID the IO-APIC can be created with: {@link #idMask()}, except for Xen's
     *     vIO-APIC, 255 ({@code vioapic_reset}, {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0},
     *     gives the hardware domain's the physical IO-APIC's {@code mpc_apicid}, an 8-bit value,
     *     kept whole in the 32-bit {@code id} and cut to 4 bits only when the register is read)
     */
    public int maxInitialId() {
        return implementation == Implementation.XEN ? 0xFF : idMask();
    }

    /**
     * A physical ICH-class IO-APIC: version 0x20 with the EOI register, 8-bit IOREGSEL, electrical inputs.
     *
     * @param pins pin count
     * @return the profile
     */
    public static IoApicModel ich(final int pins) {
        return new IoApicModel(IoApicRegisters.VERSION_20, pins, 8, true);
    }

    /**
     * The original 82093AA: version 0x11 (no EOI register), 8-bit IOREGSEL, electrical inputs.
     *
     * @param pins pin count
     * @return the profile
     */
    public static IoApicModel i82093aa(final int pins) {
        return new IoApicModel(IoApicRegisters.VERSION_11, pins, 8, true);
    }

    /**
     * Xen's emulated IO-APIC ({@code xen/arch/x86/hvm/vioapic.c}): version 0x11
     * ({@code VIOAPIC_VERSION_ID}), 32-bit IOREGSEL, logical inputs (assert counts), and a 4-bit
     * IOAPICID: {@code vioapic_read_indirect} and {@code vioapic_write_indirect}
     * ({@code @RELEASE-4.20.0}) go through {@code union IO_APIC_reg_02}'s 4-bit {@code arbitration}
     * field for the ID too, so a read gives the ID's low 4 bits in bits 27:24 and a write keeps bits
     * 27:24. The ID it starts with may be wider ({@link #maxInitialId()}).
     *
     * @param pins pin count (48 for an HVM guest, the physical count for the hardware domain)
     * @return the profile
     */
    public static IoApicModel xenVioapic(final int pins) {
        return new IoApicModel(IoApicRegisters.VERSION_11, pins, 32, false, Implementation.XEN);
    }

    /**
     * QEMU's IO-APIC ({@code hw/intc/ioapic.c@v9.2.0}): version 0x20 by default
     * ({@code IOAPIC_VER_DEF}), 8-bit IOREGSEL ({@code uint8_t ioregsel}), logical inputs, the
     * EOI storm guard.
     *
     * @param pins pin count (QEMU's {@code IOAPIC_NUM_PINS} is 24)
     * @return the profile
     */
    public static IoApicModel qemu(final int pins) {
        return new IoApicModel(IoApicRegisters.VERSION_20, pins, 8, false, Implementation.QEMU);
    }

    /**
     * KVM's in-kernel IO-APIC ({@code arch/x86/kvm/ioapic.c@v6.12}): version 0x11
     * ({@code IOAPIC_VERSION_ID}), 8-bit IOREGSEL ({@code ioapic_mmio_write} keeps
     * {@code data & 0xFF}), logical inputs, the EOI storm guard.
     *
     * @param pins pin count (KVM's {@code IOAPIC_NUM_PINS} is 24)
     * @return the profile
     */
    public static IoApicModel kvm(final int pins) {
        return new IoApicModel(IoApicRegisters.VERSION_11, pins, 8, false, Implementation.KVM);
    }

    /**
     * @return whether EOI re-deliveries of a still-asserted level line are throttled after
     *     {@link IoApic#STORM_MAX_SUCCESSIVE} in a row (QEMU and KVM only; neither a physical part
     *     nor Xen's {@code vioapic_update_EOI} has such a guard)
     */
    public boolean hasStormGuard() {
        return implementation == Implementation.QEMU || implementation == Implementation.KVM;
    }

    /**
     * @return whether MMIO accesses are decoded as Xen's {@code vioapic_read}/{@code vioapic_write}
     *     do: {@code addr & 0xff} must be exactly 0x00 or 0x10, the access size is ignored and a
     *     write replaces the whole register
     */
    public boolean xenAccessDecode() {
        return implementation == Implementation.XEN;
    }

    /** @return whether the EOI register at 0x40 exists */
    public boolean hasEoiRegister() {
        return version >= IoApicRegisters.VERSION_20;
    }
}
