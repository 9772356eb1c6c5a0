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
 */
public record IoApicModel(int version, int pins, int ioregselBits, boolean electricalInputs) {

    /** Largest pin count an 8-bit IOREGSEL can address: indexes 0x10..0xFF. */
    public static final int MAX_PINS = (0x100 - IoApicRegisters.REDTBL_BASE) / 2;

    /**
     * Validates the profile.
     *
     * @throws IllegalArgumentException on an unknown version, a pin count outside 1..120 or an
     *     IOREGSEL width other than 8 or 32
     */
    public IoApicModel {
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
     * ({@code VIOAPIC_VERSION_ID}), 32-bit IOREGSEL, logical inputs (assert counts).
     *
     * @param pins pin count (48 for an HVM guest, the physical count for the hardware domain)
     * @return the profile
     */
    public static IoApicModel xenVioapic(final int pins) {
        return new IoApicModel(IoApicRegisters.VERSION_11, pins, 32, false);
    }

    /** @return whether the EOI register at 0x40 exists */
    public boolean hasEoiRegister() {
        return version >= IoApicRegisters.VERSION_20;
    }
}
