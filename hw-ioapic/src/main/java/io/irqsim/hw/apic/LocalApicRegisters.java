package io.irqsim.hw.apic;

/**
 * xAPIC register offsets in the 4 KiB local-APIC page (Intel SDM vol. 3, "Advanced Programmable
 * Interrupt Controller", table "Local APIC Register Address Map").
 */
public final class LocalApicRegisters {

    /** Default xAPIC base; every CPU sees its own LAPIC here. */
    public static final long DEFAULT_BASE = 0xFEE00000L;
    /** The xAPIC page size. */
    public static final long PAGE_SIZE = 0x1000;

    /** Local APIC ID, bits 31:24. */
    public static final int ID = 0x020;
    /** Version: bits 7:0 version, 23:16 max LVT entry, bit 24 EOI-broadcast suppression supported. */
    public static final int VERSION = 0x030;
    /** Task priority. */
    public static final int TPR = 0x080;
    /** Arbitration priority (read-only). */
    public static final int APR = 0x090;
    /** Processor priority (read-only). */
    public static final int PPR = 0x0A0;
    /** End of interrupt (write-only). */
    public static final int EOI = 0x0B0;
    /** Remote read (read-only). */
    public static final int RRD = 0x0C0;
    /** Logical destination, bits 31:24. */
    public static final int LDR = 0x0D0;
    /** Destination format, bits 31:28 (0xF flat, 0x0 cluster). */
    public static final int DFR = 0x0E0;
    /** Spurious-interrupt vector: bits 7:0 vector, bit 8 software enable, bit 12 suppress EOI broadcast. */
    public static final int SVR = 0x0F0;
    /** In-service register, eight 32-bit registers at 16-byte strides. */
    public static final int ISR = 0x100;
    /** Trigger-mode register. */
    public static final int TMR = 0x180;
    /** Interrupt-request register. */
    public static final int IRR = 0x200;
    /** Error status. */
    public static final int ESR = 0x280;
    /** Interrupt command register, low dword (writing it sends the IPI). */
    public static final int ICR_LOW = 0x300;
    /** Interrupt command register, high dword (destination in bits 31:24). */
    public static final int ICR_HIGH = 0x310;
    /** LVT timer. */
    public static final int LVT_TIMER = 0x320;
    /** LVT thermal sensor. */
    public static final int LVT_THERMAL = 0x330;
    /** LVT performance counters. */
    public static final int LVT_PERF = 0x340;
    /** LVT LINT0. */
    public static final int LVT_LINT0 = 0x350;
    /** LVT LINT1. */
    public static final int LVT_LINT1 = 0x360;
    /** LVT error. */
    public static final int LVT_ERROR = 0x370;
    /** Timer initial count. */
    public static final int TIMER_INITIAL = 0x380;
    /** Timer current count (read-only). */
    public static final int TIMER_CURRENT = 0x390;
    /** Timer divide configuration. */
    public static final int TIMER_DIVIDE = 0x3E0;

    /** Version register value: integrated APIC, version 0x14, six LVT entries (max LVT index 5). */
    public static final int VERSION_VALUE = 0x14 | (5 << 16);
    /** Version bit 24: the LAPIC supports suppressing EOI broadcasts (directed EOI). */
    public static final int VERSION_DIRECTED_EOI = 1 << 24;

    /** SVR bit 8: APIC software enable. */
    public static final int SVR_ENABLE = 1 << 8;
    /** SVR bit 9: focus processor checking disabled. */
    public static final int SVR_FOCUS_DISABLED = 1 << 9;
    /** SVR bit 12: suppress EOI broadcast. */
    public static final int SVR_SUPPRESS_EOI_BROADCAST = 1 << 12;

    /** LVT mask bit. */
    public static final int LVT_MASKED = 1 << 16;

    /** ESR bit 6: received illegal vector. */
    public static final int ESR_RECEIVE_ILLEGAL_VECTOR = 1 << 6;
    /** ESR bit 5: send illegal vector. */
    public static final int ESR_SEND_ILLEGAL_VECTOR = 1 << 5;

    private LocalApicRegisters() {
    }
}
