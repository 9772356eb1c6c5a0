package io.irqsim.hw.mmio;

/**
 * A device decoding a window of the physical (or guest-physical) address space.
 *
 * <p>The device only ever sees an offset into its own window and an access the bus has already
 * checked: size is one of the sizes the device declares in {@link #acceptedSizes()}, the access is
 * naturally aligned ({@code offset % size == 0}) and lies inside the window. Everything else is
 * answered by the {@link MmioBus} (see its class comment), so a device never has to guard
 * against a malformed access. Modelled on rust-vmm's {@code BusDevice} and QEMU's
 * {@code MemoryRegionOps} with its {@code .valid} sizes.
 *
 * <p>Guest-visible accesses never throw.
 */
public interface MmioDevice {

    /** Bit in {@link #acceptedSizes()} for 1-byte accesses. */
    int ACCESS_1 = 1;
    /** Bit in {@link #acceptedSizes()} for 2-byte accesses. */
    int ACCESS_2 = 1 << 1;
    /** Bit in {@link #acceptedSizes()} for 4-byte accesses. */
    int ACCESS_4 = 1 << 2;
    /** Bit in {@link #acceptedSizes()} for 8-byte accesses. */
    int ACCESS_8 = 1 << 3;
    /** Every size x86 can issue: 1, 2, 4 and 8 bytes. */
    int ACCESS_ANY = ACCESS_1 | ACCESS_2 | ACCESS_4 | ACCESS_8;

    /**
     * Reads {@code size} bytes at {@code offset}, little-endian, zero-extended into a long.
     *
     * @param offset offset into the device's window
     * @param size 1, 2, 4 or 8 (one the device accepts)
     * @return the value read; bits above {@code size * 8} must be zero
     */
    long read(long offset, int size);

    /**
     * Writes the low {@code size} bytes of {@code value} at {@code offset}, little-endian.
     *
     * @param offset offset into the device's window
     * @param size 1, 2, 4 or 8 (one the device accepts)
     * @param value value; bits above {@code size * 8} are zero
     */
    void write(long offset, int size, long value);

    /**
     * Access sizes this device accepts, as a mask of {@code ACCESS_*} bits. The bus rejects the
     * others before the device runs. The bus reads it once, when the device is mapped: it must
     * not change afterwards.
     *
     * @return the size mask
     */
    default int acceptedSizes() {
        return ACCESS_4;
    }

    /**
     * Short name for traces and error messages.
     *
     * @return the device's name
     */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * The {@code ACCESS_*} bit for an access size.
     *
     * @param size access size in bytes
     * @return the bit, or 0 if {@code size} is not 1, 2, 4 or 8
     */
    static int sizeBit(final int size) {
        // ACCESS_n == n: a size is its own bit when it has one bit set and is at most 8; two ALU
        // operations instead of a switch, on the bus's hit path of every access
        return (size & (size - 1)) == 0 ? size & (ACCESS_1 | ACCESS_2 | ACCESS_4 | ACCESS_8) : 0;
    }

    /**
     * All ones in the low {@code size} bytes: what a read that nobody answers returns on x86
     * (a master abort on the bus).
     *
     * @param size 1, 2, 4 or 8
     * @return the all-ones value of that width
     */
    static long allOnes(final int size) {
        return size >= 8 ? -1L : (1L << (size * 8)) - 1;
    }
}
