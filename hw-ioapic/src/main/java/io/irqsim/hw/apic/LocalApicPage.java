package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioDevice;

import static io.irqsim.hw.apic.LocalApicRegisters.*;

/**
 * The register page of one {@link LocalApic}: the 4 KiB MMIO window's access decode (per
 * {@link LocalApicModel}), the register read and write dispatch, and the registers nothing but the
 * page uses (LVT, ICR, the timer's initial count and divide). The interrupt state the registers show
 * (IRR, ISR, TMR, TPR, the destination registers, SVR) stays in {@link LocalApic}, as do accept,
 * acknowledge and EOI; the ESR and the errors that raise LVTERR are here, with the LVT.
 */
final class LocalApicPage {

    /** LVT bits 16 (mask), 12 (delivery status) and 7:0 (vector): Xen's and KVM's {@code LVT_MASK}. */
    private static final int LVT_BASE_BITS = LVT_MASKED | (1 << 12) | 0xFF;
    /** Delivery mode, bits 10:8. */
    private static final int LVT_MODE_BITS = 0x700;
    /**
     * The bits each LVT entry keeps, timer to error: {@code vlapic_lvt_mask}
     * ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}); KVM's {@code apic_lvt_mask}
     * ({@code arch/x86/kvm/lapic.c}, the same masks in every copy from v3.x to v6.x read) has the same,
     * the timer's mode bits 18:17 added as the CPU has TSC-deadline mode. LINT0/1 also keep polarity,
     * remote IRR and trigger (bits 15:13).
     */
    private static final int[] LVT_WRITABLE = {
        LVT_BASE_BITS | (3 << 17),
        LVT_BASE_BITS | LVT_MODE_BITS,
        LVT_BASE_BITS | LVT_MODE_BITS,
        LVT_BASE_BITS | LVT_MODE_BITS | (7 << 13),
        LVT_BASE_BITS | LVT_MODE_BITS | (7 << 13),
        LVT_BASE_BITS,
    };

    private final LocalApic apic;
    private final LocalApicModel model;
    private final int[] lvt = new int[6];
    /** The ID register's bits 23:0 as a Xen vLAPIC keeps them (0 on a physical LAPIC); 31:24 are the APIC ID. */
    private int idLowBits;
    private int icrLow;
    private int icrHigh;
    private int timerInitial;
    private int timerDivide;
    /** ESR as read: the errors latched by the last ESR write. */
    private int esr;
    /** Errors detected since the last ESR write; a write moves them into {@link #esr} (SDM "Error Handling"). */
    private int pendingEsr;

    LocalApicPage(final LocalApic apic, final LocalApicModel model) {
        this.apic = apic;
        this.model = model;
    }

    /** Power-up values of the page's own registers: LVTs masked, the rest 0. */
    void reset() {
        idLowBits = 0;
        for (int i = 0; i < lvt.length; i++) {
            lvt[i] = LVT_MASKED;
        }
        icrLow = 0;
        icrHigh = 0;
        timerInitial = 0;
        timerDivide = 0;
        esr = 0;
        pendingEsr = 0;
    }

    /**
     * Whether LVTT's timer mode counts down from TMICT: one-shot (00) or periodic (01); in
     * TSC-deadline (10) and reserved (11) mode TMICT reads 0 and ignores writes
     * ({@code vlapic_read_aligned}, {@code vlapic_reg_write}, {@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0};
     * the SDM ignores initial-count writes in TSC-deadline mode too).
     */
    private boolean countingMode() {
        return ((lvt[0] >>> 17) & 3) <= 1;
    }

    private static boolean tscDeadline(final int lvtt) {
        return ((lvtt >>> 17) & 3) == 2;
    }

    /**
     * An error the LAPIC detected ({@code vlapic_error}, {@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.1};
     * SDM "Error Handling"): unless every bit of it is already pending, it is added to the pending
     * ESR and, with LVTERR unmasked, raised as LVTERR's vector (edge). An LVTERR vector below 16 would
     * be an illegal vector itself, so the received-illegal-vector bit is added instead of raising it.
     *
     * @param errmask the ESR bits of the error
     */
    void error(final int errmask) {
        if ((pendingEsr & errmask) == errmask) {
            return;
        }
        final int lvterr = lvt[(LVT_ERROR - LVT_TIMER) >> 4];
        int bits = errmask;
        boolean raise = false;
        if ((lvterr & LVT_MASKED) == 0) {
            if ((lvterr & 0xFF) >= 16) {
                raise = true;
            } else {
                bits |= ESR_RECEIVE_ILLEGAL_VECTOR;
            }
        }
        pendingEsr |= bits;
        if (raise) {
            apic.accept(lvterr & 0xFF, Rte.DM_FIXED, false);
        }
    }

    /** Sets the mask bit of every LVT entry (the LAPIC was software-disabled, SDM). */
    void maskLvts() {
        for (int i = 0; i < lvt.length; i++) {
            lvt[i] |= LVT_MASKED;
        }
    }

    int acceptedSizes() {
        return model.acceptedSizes();
    }

    LocalApicModel model() {
        return model;
    }

    /**
     * The addressed bytes of the register in the first four bytes of its 16-byte slot; other bytes
     * read 0 (KVM {@code apic_mmio_read}, Xen {@code vlapic_mmio_read}).
     */
    long read(final long offset, final int size) {
        final int slotByte = (int) (offset & 0xF);
        if (slotByte + size > 4) {
            return 0;
        }
        final long reg = readRegister((int) (offset & 0xFF0)) & 0xFFFF_FFFFL;
        return (reg >>> (slotByte * 8)) & MmioDevice.allOnes(size);
    }

    /** A whole 4-byte write at a register's offset writes it; others are the model's. */
    void write(final long offset, final int size, final long value) {
        if (size == 4 && (offset & 0xF) == 0) {
            writeRegister((int) offset, (int) value);
        } else if (model.mergesNarrowWrites()) {
            writeNarrow(offset, size, value);
        }
    }

    /**
     * The rest of Xen's {@code vlapic_mmio_write} ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}):
     * an access that fits in the register's first four bytes, at or below TDCR, has its 1 or 2 bytes
     * merged into the register's current value and is written whole; any other is dropped.
     */
    private void writeNarrow(final long offset, final int size, final long value) {
        final int slotByte = (int) (offset & 0xF);
        final int reg = (int) (offset & ~0xFL);
        if (slotByte + size > 4 || reg > TIMER_DIVIDE) {
            return;
        }
        final long lanes = MmioDevice.allOnes(size) << (slotByte * 8);
        final long merged = (readRegister(reg) & ~lanes) | ((value << (slotByte * 8)) & lanes);
        writeRegister(reg, (int) merged);
    }

    /** See {@link LocalApic#readRegister}. */
    int readRegister(final int reg) {
        final ApicVectors vectors = apic.vectors;
        if (reg >= ISR && reg < ISR + 0x80) {
            return vectors.isrDword((reg - ISR) >> 4);
        }
        if (reg >= TMR && reg < TMR + 0x80) {
            return vectors.tmrDword((reg - TMR) >> 4);
        }
        if (reg >= IRR && reg < IRR + 0x80) {
            return vectors.irrDword((reg - IRR) >> 4);
        }
        if (reg >= LVT_TIMER && reg <= LVT_ERROR) {
            return lvt[(reg - LVT_TIMER) >> 4];
        }
        switch (reg) {
            case ID: return (apic.apicId << 24) | idLowBits;
            case VERSION: return VERSION_VALUE | (apic.directedEoiSupported ? VERSION_DIRECTED_EOI : 0);
            case TPR: return apic.tpr();
            case PPR: return apic.ppr();
            case LDR: return apic.ldr;
            case DFR: return apic.dfr;
            case SVR: return apic.svr;
            case ESR: return esr;
            case ICR_LOW: return icrLow;
            case ICR_HIGH: return icrHigh;
            case TIMER_INITIAL: return countingMode() ? timerInitial : 0;
            case TIMER_DIVIDE: return timerDivide;
            default: return 0;
        }
    }

    /** See {@link LocalApic#writeRegister}. */
    void writeRegister(final int reg, final int value) {
        if (reg >= LVT_TIMER && reg <= LVT_ERROR) {
            // a software-disabled LAPIC keeps every LVT entry masked (SDM); reserved bits read 0
            final int i = (reg - LVT_TIMER) >> 4;
            if (i == 0 && tscDeadline(lvt[0]) != tscDeadline(value)) {
                timerInitial = 0; // vlapic_reg_write APIC_LVTT: entering or leaving TSC-deadline mode
            }
            lvt[i] = (apic.isSoftwareEnabled() ? value : value | LVT_MASKED) & LVT_WRITABLE[i];
            return;
        }
        switch (reg) {
            case ID:
                // Xen's vlapic_reg_write stores the whole value; a physical xAPIC (and KVM) keeps 31:24
                apic.apicId = (value >>> 24) & 0xFF;
                idLowBits = model.keepsWholeIdRegister() ? value & 0x00FF_FFFF : 0;
                break;
            case TPR:
                apic.writeTpr(value & 0xFF);
                break;
            case EOI:
                apic.eoi();
                break;
            case LDR:
                apic.ldr = value & 0xFF00_0000;
                break;
            case DFR:
                apic.dfr = value | 0x0FFF_FFFF;
                break;
            case SVR:
                apic.writeSvr(value);
                break;
            case ESR:
                // a write latches the errors detected since the last write and clears the pending ones
                // (SDM "Error Handling"; Xen's vlapic_reg_write APIC_ESR from RELEASE-4.20.1, commit
                // 4a480e7a14: at RELEASE-4.20.0 the write was ignored and errors stayed for ever)
                esr = pendingEsr;
                pendingEsr = 0;
                break;
            case ICR_HIGH:
                icrHigh = value & 0xFF00_0000;
                break;
            case ICR_LOW:
                icrLow = value & ~(1 << 12);
                apic.sendIpi(icrLow, icrHigh >>> 24);
                break;
            case TIMER_INITIAL:
                if (countingMode()) {
                    timerInitial = value;
                }
                break;
            case TIMER_DIVIDE:
                timerDivide = value & 0xB;
                break;
            default:
                // read-only or reserved register: ignored
                break;
        }
    }
}
