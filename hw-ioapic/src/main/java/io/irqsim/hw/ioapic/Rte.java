package io.irqsim.hw.ioapic;

/**
 * The 64-bit IO-APIC redirection-table entry as a raw {@code long} with static accessors, so the
 * hot paths never allocate (Intel 82093AA datasheet, section 3.2.4; Xen's
 * {@code union vioapic_redir_entry} in {@code public/arch-x86/hvm/save.h} has the same layout).
 *
 * <pre>
 *  63        56 55          17  16   15   14   13   12   11  10    8 7        0
 * +------------+--------------+----+----+----+----+----+----+-------+----------+
 * | destination|   reserved   |mask|trig|rIRR|pol |dlvs|dstm| dlvmod|  vector  |
 * +------------+--------------+----+----+----+----+----+----+-------+----------+
 *   trig: 0 edge, 1 level      pol: 0 active high, 1 active low
 *   rIRR (Remote IRR) and dlvs (delivery status) are read-only
 * </pre>
 */
public final class Rte {

    /** Vector, bits 7:0. */
    public static final long VECTOR_MASK = 0xFFL;
    /** Delivery mode, bits 10:8. */
    public static final int DELIVERY_MODE_SHIFT = 8;
    /** Destination mode, bit 11: 0 physical, 1 logical. */
    public static final long DEST_MODE_LOGICAL = 1L << 11;
    /** Delivery status, bit 12 (read-only). */
    public static final long DELIVERY_STATUS = 1L << 12;
    /** Interrupt input pin polarity, bit 13: 1 = active low. */
    public static final long POLARITY_LOW = 1L << 13;
    /** Remote IRR, bit 14 (read-only). */
    public static final long REMOTE_IRR = 1L << 14;
    /** Trigger mode, bit 15: 1 = level. */
    public static final long TRIGGER_LEVEL = 1L << 15;
    /** Interrupt mask, bit 16. */
    public static final long MASKED = 1L << 16;
    /** Destination field shift, bits 63:56. */
    public static final int DEST_SHIFT = 56;
    /** Bits software cannot write: QEMU {@code IOAPIC_RO_BITS}, cloud-hypervisor's write mask. */
    public static final long RO_BITS = REMOTE_IRR | DELIVERY_STATUS;
    /** Reset value: masked, everything else zero (QEMU {@code ioapic_reset_common}, Xen {@code vioapic_reset}). */
    public static final long RESET = MASKED;

    /** Delivery mode 000: fixed. */
    public static final int DM_FIXED = 0;
    /** Delivery mode 001: lowest priority. */
    public static final int DM_LOWEST_PRIORITY = 1;
    /** Delivery mode 010: SMI. */
    public static final int DM_SMI = 2;
    /** Delivery mode 100: NMI. */
    public static final int DM_NMI = 4;
    /** Delivery mode 101: INIT. */
    public static final int DM_INIT = 5;
    /** Delivery mode 111: ExtINT (vector from the legacy PIC). */
    public static final int DM_EXTINT = 7;

    private Rte() {
    }

    /** @param rte entry @return vector, bits 7:0 */
    public static int vector(final long rte) {
        return (int) (rte & VECTOR_MASK);
    }

    /** @param rte entry @return delivery mode, bits 10:8 */
    public static int deliveryMode(final long rte) {
        return (int) (rte >>> DELIVERY_MODE_SHIFT) & 7;
    }

    /** @param rte entry @return whether the destination is logical */
    public static boolean isLogical(final long rte) {
        return (rte & DEST_MODE_LOGICAL) != 0;
    }

    /** @param rte entry @return whether delivery status is set */
    public static boolean isDeliveryPending(final long rte) {
        return (rte & DELIVERY_STATUS) != 0;
    }

    /** @param rte entry @return whether the input is active low */
    public static boolean isActiveLow(final long rte) {
        return (rte & POLARITY_LOW) != 0;
    }

    /** @param rte entry @return whether Remote IRR is set */
    public static boolean remoteIrr(final long rte) {
        return (rte & REMOTE_IRR) != 0;
    }

    /** @param rte entry @return whether the entry is level-triggered */
    public static boolean isLevel(final long rte) {
        return (rte & TRIGGER_LEVEL) != 0;
    }

    /** @param rte entry @return whether the entry is masked */
    public static boolean isMasked(final long rte) {
        return (rte & MASKED) != 0;
    }

    /** @param rte entry @return destination, bits 63:56 */
    public static int destination(final long rte) {
        return (int) (rte >>> DEST_SHIFT) & 0xFF;
    }

    /** @param rte entry @param on new value @return the entry with Remote IRR set or cleared */
    public static long withRemoteIrr(final long rte, final boolean on) {
        return on ? rte | REMOTE_IRR : rte & ~REMOTE_IRR;
    }

    /** @param rte entry @param on new value @return the entry with delivery status set or cleared */
    public static long withDeliveryStatus(final long rte, final boolean on) {
        return on ? rte | DELIVERY_STATUS : rte & ~DELIVERY_STATUS;
    }

    /** @param rte entry @param masked new value @return the entry with the mask bit set or cleared */
    public static long withMask(final long rte, final boolean masked) {
        return masked ? rte | MASKED : rte & ~MASKED;
    }

    /** @param rte entry @return the low dword (IOREDTBL[n] at index 0x10 + 2n) */
    public static int low(final long rte) {
        return (int) rte;
    }

    /** @param rte entry @return the high dword (IOREDTBL[n] at index 0x11 + 2n) */
    public static int high(final long rte) {
        return (int) (rte >>> 32);
    }

    /**
     * Builds an entry from its fields (for tests, scenarios and drivers; not a hot path).
     *
     * @param vector vector
     * @param deliveryMode delivery mode (0..7)
     * @param logical logical destination mode
     * @param activeLow polarity
     * @param level trigger mode
     * @param masked mask
     * @param destination destination (0..255)
     * @return the raw entry
     */
    public static long of(final int vector, final int deliveryMode, final boolean logical,
                          final boolean activeLow, final boolean level, final boolean masked,
                          final int destination) {
        long r = vector & VECTOR_MASK;
        r |= (long) (deliveryMode & 7) << DELIVERY_MODE_SHIFT;
        if (logical) {
            r |= DEST_MODE_LOGICAL;
        }
        if (activeLow) {
            r |= POLARITY_LOW;
        }
        if (level) {
            r |= TRIGGER_LEVEL;
        }
        if (masked) {
            r |= MASKED;
        }
        r |= (long) (destination & 0xFF) << DEST_SHIFT;
        return r;
    }

    /**
     * Human-readable form, e.g. {@code vec=0x31 fixed phys dest=0 level low masked rIRR}.
     *
     * @param rte entry
     * @return text (allocates: not for hot paths)
     */
    public static String toString(final long rte) {
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format("vec=0x%02x %s %s dest=%d %s %s", vector(rte),
            deliveryModeName(deliveryMode(rte)), isLogical(rte) ? "logical" : "phys", destination(rte),
            isLevel(rte) ? "level" : "edge", isActiveLow(rte) ? "low" : "high"));
        if (isMasked(rte)) {
            sb.append(" masked");
        }
        if (remoteIrr(rte)) {
            sb.append(" rIRR");
        }
        if (isDeliveryPending(rte)) {
            sb.append(" pending");
        }
        return sb.toString();
    }

    /**
     * @param mode delivery mode 0..7
     * @return its datasheet name
     */
    public static String deliveryModeName(final int mode) {
        switch (mode) {
            case DM_FIXED: return "fixed";
            case DM_LOWEST_PRIORITY: return "lowest";
            case DM_SMI: return "smi";
            case DM_NMI: return "nmi";
            case DM_INIT: return "init";
            case DM_EXTINT: return "extint";
            default: return "reserved" + mode;
        }
    }
}
