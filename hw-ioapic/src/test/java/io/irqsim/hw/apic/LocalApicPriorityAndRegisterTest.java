package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.hw.apic.LocalApicRegisters.ESR;
import static io.irqsim.hw.apic.LocalApicRegisters.ICR_LOW;
import static io.irqsim.hw.apic.LocalApicRegisters.IRR;
import static io.irqsim.hw.apic.LocalApicRegisters.ISR;
import static io.irqsim.hw.apic.LocalApicRegisters.LVT_ERROR;
import static io.irqsim.hw.apic.LocalApicRegisters.LVT_LINT0;
import static io.irqsim.hw.apic.LocalApicRegisters.LVT_TIMER;
import static io.irqsim.hw.apic.LocalApicRegisters.SVR;
import static io.irqsim.hw.apic.LocalApicRegisters.TIMER_DIVIDE;
import static io.irqsim.hw.apic.LocalApicRegisters.TIMER_INITIAL;
import static io.irqsim.hw.apic.LocalApicRegisters.TMR;
import static io.irqsim.hw.apic.LocalApicRegisters.TPR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Local APIC details next to {@link LocalApicTest}: the priority-class comparison at equality, the
 * first 32-vector register of IRR/ISR/TMR, the LVT range ends, the timer configuration registers,
 * ICR illegal vectors, and what NMI/ExtINT acceptance and acknowledgement report (Intel SDM vol. 3
 * chapter 10 / 11 "Advanced Programmable Interrupt Controller"; KVM {@code arch/x86/kvm/lapic.c}).
 */
class LocalApicPriorityAndRegisterTest {

    private static final long BASE = LocalApicRegisters.DEFAULT_BASE;

    private final RecordingHwTrace trace = new RecordingHwTrace();
    private final List<int[]> ipis = new ArrayList<>();
    private final LocalApic lapic = new LocalApic(0, 3, false, trace);
    private final MmioBus cpu = new MmioBus(trace);
    private final int[] told = {0};

    LocalApicPriorityAndRegisterTest() {
        lapic.connect(v -> { }, (from, vector, mode, logical, dest, shorthand) -> {
            ipis.add(new int[] {vector, mode});
            return 1;
        });
        lapic.setInterruptListener(a -> told[0]++);
        cpu.map(BASE, LocalApicRegisters.PAGE_SIZE, lapic);
        write(SVR, 0x1FF);
    }

    private void write(final int reg, final int value) {
        cpu.write(BASE + reg, 4, value & 0xFFFF_FFFFL);
    }

    private int read(final int reg) {
        return (int) cpu.read(BASE + reg, 4);
    }

    // SDM 10.8.3.1 (an interrupt is delivered only when its priority class is above PPR's): an IRR
    // vector in the same class as PPR is held; acknowledge returns the spurious vector
    @Test
    void irrVectorInTheSameClassAsPprIsNotTaken() {
        write(TPR, 0x50);
        lapic.accept(0x5F, Rte.DM_FIXED, false);
        assertEquals(-1, lapic.pendingVector());
        assertEquals(LocalApic.NO_INTERRUPT, lapic.acknowledgePending());
        assertEquals(-1, lapic.highestInService(), "nothing taken into service");
        assertFalse(lapic.isr(0xFF));
        assertEquals(0xFF, lapic.acknowledge(), "spurious vector of SVR 0x1FF");
        assertTrue(lapic.irr(0x5F));
        write(TPR, 0x4F);
        assertEquals(0x5F, lapic.pendingVector());
        assertEquals(0x5F, lapic.acknowledgePending());
        assertTrue(lapic.isr(0x5F));
        assertFalse(lapic.irr(0x5F));
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACK, 3, 0x5F, 0), trace.last(HwEvent.LAPIC_ACK));
        assertEquals(0x5F, lapic.eoi(), "EOI returns the vector it retired");
    }

    // SDM 10.8.3.1: lowering TPR below a held IRR vector's class makes it deliverable (INTR raised)
    @Test
    void loweringTprRaisesIntrForAHeldVector() {
        write(TPR, 0x60);
        lapic.accept(0x55, Rte.DM_FIXED, false);
        assertEquals(0, told[0], "held by TPR");
        write(TPR, 0x40);
        assertEquals(1, told[0]);
    }

    // SDM 10.8.4 (IRR/ISR/TMR bit n = vector n): vectors 16..31 live in the first register of each
    @Test
    void vectors16To31ShowInTheFirstRegisterOfIrrIsrAndTmr() {
        lapic.accept(0x1F, Rte.DM_FIXED, true);
        assertEquals(0x1F, lapic.acknowledge());
        lapic.accept(0x10, Rte.DM_FIXED, false);
        assertEquals(0x8000_0000, read(ISR));
        assertEquals(0x8000_0000, read(TMR));
        assertEquals(0x0001_0000, read(IRR));
    }

    // SDM 10.5.1 (LVT): the timer (0x320) and error (0x370) entries are the two ends of the LVT
    // range and take writes once the APIC is software-enabled
    @Test
    void lvtTimerAndLvtErrorTakeWrites() {
        write(LVT_TIMER, 0x0002_0030);
        write(LVT_ERROR, 0x0000_00FE);
        assertEquals(0x0002_0030, read(LVT_TIMER));
        assertEquals(0x0000_00FE, read(LVT_ERROR));
    }

    // KVM apic_mmio_write (len != 4 or offset & 0xf: ignored): a dword write at byte 4 of the LVT
    // timer slot does not reach the register
    @Test
    void dwordWriteInsideAnLvtSlotIsIgnored() {
        final int before = read(LVT_LINT0);
        write(LVT_TIMER + 4, 0x0000_0031);
        write(LVT_LINT0 + 8, 0x0000_0032);
        assertEquals(LocalApicRegisters.LVT_MASKED, read(LVT_TIMER));
        assertEquals(before, read(LVT_LINT0));
    }

    // SDM 10.5.4 (Divide Configuration Register: bits 0, 1 and 3; initial count read/write)
    @Test
    void timerInitialCountAndDivideConfigurationReadBack() {
        write(TIMER_INITIAL, 0x1234_5678);
        write(TIMER_DIVIDE, 0xFFFF_FFFF);
        assertEquals(0x1234_5678, read(TIMER_INITIAL));
        assertEquals(0xB, read(TIMER_DIVIDE));
        write(TIMER_DIVIDE, 0x4);
        assertEquals(0, read(TIMER_DIVIDE));
    }

    // SDM 10.5.3 (ESR bit 5 "Send Illegal Vector": vectors 0..15 in a fixed or lowest-priority
    // ICR); vector 16 is legal
    @Test
    void icrIllegalVectorCheckCoversLowestPriorityAndStopsAt16() {
        write(ICR_LOW, 0x0000_0010);
        assertEquals(1, ipis.size(), "vector 16 is sent");
        write(ICR_LOW, 0x0000_0105);
        assertEquals(1, ipis.size(), "lowest priority, vector 5: not sent");
        write(ESR, 0);
        assertEquals(LocalApicRegisters.ESR_SEND_ILLEGAL_VECTOR, read(ESR));
    }

    // SDM 10.4.6: an xAPIC ID is 8 bits: 0xFF is a valid ID
    @Test
    void apicId255IsAccepted() {
        assertEquals(0xFF, new LocalApic(1, 0xFF, false, trace).apicId());
    }

    // SDM 10.6.1 (NMI delivery mode: the vector is ignored): accepted, counted, traced with its
    // mode, and the CPU is told
    @Test
    void nmiAcceptanceIsCountedTracedAndRaisesTheCpu() {
        assertTrue(lapic.accept(0x00, Rte.DM_NMI, false));
        assertEquals(1, lapic.acceptedCount());
        assertEquals(1, told[0]);
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, Rte.DM_NMI << 8, 0),
            trace.last(HwEvent.LAPIC_ACCEPT));
        assertTrue(lapic.accept(0x41, Rte.DM_LOWEST_PRIORITY, true));
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, 0x41 | (Rte.DM_LOWEST_PRIORITY << 8), 1),
            trace.last(HwEvent.LAPIC_ACCEPT));
    }

    // SDM 10.6.1 (ExtINT: the vector comes from the external 8259A's INTA): the acknowledge is
    // counted and traced with the PIC's vector
    @Test
    void extIntAcknowledgeIsCountedAndTraced() {
        lapic.setExtIntSource(() -> 0x20);
        lapic.accept(0, Rte.DM_EXTINT, false);
        assertEquals(0x20, lapic.acknowledge());
        assertEquals(1, lapic.acknowledgedCount());
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACK, 3, 0x20, 0), trace.last(HwEvent.LAPIC_ACK));
    }
}
