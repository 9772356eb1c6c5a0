package io.irqsim.hw.apic;

/**
 * A local APIC's three 256-bit vector registers (IRR, ISR, TMR; Intel SDM vol. 3 "Interrupt
 * Request Register", "In-Service Register", "Trigger Mode Register"), with the highest set IRR
 * and ISR vector kept up to date as bits change, so that the accept, acknowledge, EOI and PPR paths
 * do not scan the bitmaps. The caches play the part of KVM's {@code highest_isr_cache} and
 * {@code irr_pending}/{@code apic_find_highest_irr} tracking ({@code arch/x86/kvm/lapic.c}): an
 * invariant, not a behaviour: {@link #highestIrr()} and {@link #highestIsr()} always equal a scan.
 *
 * <p>Each cache is raised on a set (a higher vector becomes the highest) and rescanned only when
 * the highest bit itself is cleared, which on the interrupt path happens once per interrupt per
 * register, on a bitmap that is then nearly always empty. Allocation-free; not thread-safe.
 */
final class ApicVectors {

    private final long[] irr = new long[4];
    private final long[] isr = new long[4];
    private final long[] tmr = new long[4];
    /** Highest set IRR / ISR vector, or -1 (always what a scan of the register would find). */
    private int maxIrr = -1;
    private int maxIsr = -1;

    /** Clears all three registers. */
    void clear() {
        for (int i = 0; i < 4; i++) {
            irr[i] = 0;
            isr[i] = 0;
            tmr[i] = 0;
        }
        maxIrr = -1;
        maxIsr = -1;
    }

    /**
     * Accepts a fixed or lowest-priority message: IRR set; TMR set for level, cleared for edge.
     *
     * @param vector 16..255
     * @param level trigger mode
     */
    void request(final int vector, final boolean level) {
        setBit(irr, vector);
        if (vector > maxIrr) {
            maxIrr = vector;
        }
        if (level) {
            setBit(tmr, vector);
        } else {
            clearBit(tmr, vector);
        }
    }

    /**
     * Moves a vector from IRR to ISR (the CPU's acknowledge).
     *
     * @param vector the vector
     */
    void moveToService(final int vector) {
        clearBit(irr, vector);
        if (vector == maxIrr) {
            maxIrr = highestAtOrBelow(irr, vector);
        }
        setBit(isr, vector);
        if (vector > maxIsr) {
            maxIsr = vector;
        }
    }

    /**
     * Clears the highest ISR bit (EOI).
     *
     * @return the vector retired, or -1 if ISR was empty
     */
    int retireHighest() {
        final int vector = maxIsr;
        if (vector >= 0) {
            clearBit(isr, vector);
            maxIsr = highestAtOrBelow(isr, vector);
        }
        return vector;
    }

    /** @return the highest IRR vector, or -1 */
    int highestIrr() {
        return maxIrr;
    }

    /** @return the highest ISR vector, or -1 */
    int highestIsr() {
        return maxIsr;
    }

    boolean irr(final int vector) {
        return testBit(irr, vector);
    }

    boolean isr(final int vector) {
        return testBit(isr, vector);
    }

    boolean tmr(final int vector) {
        return testBit(tmr, vector);
    }

    /** @param index 0..7 @return that 32-bit register of IRR (as read at IRR + 0x10 * index) */
    int irrDword(final int index) {
        return bitmapDword(irr, index);
    }

    /** @param index 0..7 @return that 32-bit register of ISR */
    int isrDword(final int index) {
        return bitmapDword(isr, index);
    }

    /** @param index 0..7 @return that 32-bit register of TMR */
    int tmrDword(final int index) {
        return bitmapDword(tmr, index);
    }

    private static void setBit(final long[] map, final int v) {
        map[(v >>> 6) & 3] |= 1L << (v & 63);
    }

    private static void clearBit(final long[] map, final int v) {
        map[(v >>> 6) & 3] &= ~(1L << (v & 63));
    }

    private static boolean testBit(final long[] map, final int v) {
        return (map[(v >>> 6) & 3] & (1L << (v & 63))) != 0;
    }

    /**
     * The highest set bit once {@code cleared}, the highest bit until now, has been cleared: no
     * bit above it is set, so only its own word and the ones below are looked at (on the
     * interrupt path the bitmap is then nearly always empty, and a vector below 0x80 costs one or
     * two words instead of four).
     */
    private static int highestAtOrBelow(final long[] map, final int cleared) {
        for (int i = (cleared >>> 6) & 3; i >= 0; i--) {
            final long w = map[i];
            if (w != 0) {
                return i * 64 + 63 - Long.numberOfLeadingZeros(w);
            }
        }
        return -1;
    }

    private static int bitmapDword(final long[] map, final int index) {
        return (int) (map[index >>> 1] >>> ((index & 1) * 32));
    }
}
