package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.hw.apic.LocalApicRegisters.DFR;
import static io.irqsim.hw.apic.LocalApicRegisters.EOI;
import static io.irqsim.hw.apic.LocalApicRegisters.ESR;
import static io.irqsim.hw.apic.LocalApicRegisters.ICR_HIGH;
import static io.irqsim.hw.apic.LocalApicRegisters.ICR_LOW;
import static io.irqsim.hw.apic.LocalApicRegisters.ID;
import static io.irqsim.hw.apic.LocalApicRegisters.IRR;
import static io.irqsim.hw.apic.LocalApicRegisters.ISR;
import static io.irqsim.hw.apic.LocalApicRegisters.LDR;
import static io.irqsim.hw.apic.LocalApicRegisters.LVT_ERROR;
import static io.irqsim.hw.apic.LocalApicRegisters.LVT_LINT0;
import static io.irqsim.hw.apic.LocalApicRegisters.LVT_TIMER;
import static io.irqsim.hw.apic.LocalApicRegisters.PPR;
import static io.irqsim.hw.apic.LocalApicRegisters.SVR;
import static io.irqsim.hw.apic.LocalApicRegisters.TMR;
import static io.irqsim.hw.apic.LocalApicRegisters.TPR;
import static io.irqsim.hw.apic.LocalApicRegisters.VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The xAPIC local APIC (Intel SDM vol. 3 chapter 10), driven through its 4 KiB MMIO page where a CPU would. */
class LocalApicTest {

    private static final long BASE = LocalApicRegisters.DEFAULT_BASE;

    private final RecordingHwTrace trace = new RecordingHwTrace();
    private final List<Integer> broadcasts = new ArrayList<>();
    private final List<int[]> ipis = new ArrayList<>();
    private final LocalApic lapic = new LocalApic(0, 3, false, trace);
    private final MmioBus cpu = new MmioBus(trace);

    LocalApicTest() {
        lapic.connect(broadcasts::add, (from, vector, mode, logical, dest, shorthand) -> {
            ipis.add(new int[] {vector, mode, logical ? 1 : 0, dest, shorthand});
            return 1;
        });
        cpu.map(BASE, LocalApicRegisters.PAGE_SIZE, lapic);
    }

    private void write(final int reg, final int value) {
        cpu.write(BASE + reg, 4, value & 0xFFFF_FFFFL);
    }

    private int read(final int reg) {
        return (int) cpu.read(BASE + reg, 4);
    }

    private void enable() {
        write(SVR, 0x1FF);
    }

    /** Accepts a fixed message and takes it into service. */
    private void inService(final int vector, final boolean level) {
        assertTrue(lapic.accept(vector, Rte.DM_FIXED, level));
        assertEquals(vector, lapic.acknowledge());
    }

    // ---------------------------------------------------------------- identification

    // SDM 10.4.6 (Local APIC ID register): the xAPIC ID lives in bits 31:24
    @Test
    void idRegisterHoldsApicIdInBits31to24() {
        assertEquals(0x0300_0000, read(ID));
        write(ID, 0x07FF_FFFF);
        assertEquals(0x0700_0000, read(ID));
        assertEquals(7, lapic.apicId());
        assertTrue(lapic.matchesPhysical(7));
        assertFalse(lapic.matchesPhysical(3));
        assertTrue(lapic.matchesPhysical(0xFF), "physical 0xFF is broadcast");
    }

    // SDM 10.4.8 (Local APIC Version register): version 0x14, max LVT 5, bit 24 only with directed EOI
    @Test
    void versionRegisterAdvertisesDirectedEoiOnlyWhenSupported() {
        assertEquals(0x0005_0014, read(VERSION));
        final LocalApic directed = new LocalApic(1, 1, true, trace);
        assertEquals(0x0105_0014, directed.readRegister(VERSION));
        write(VERSION, 0xFFFF_FFFF);
        assertEquals(0x0005_0014, read(VERSION), "read-only");
    }

    // LocalApic constructor: an xAPIC ID must fit in 8 bits
    @Test
    void constructorRejectsApicIdsBeyond8Bits() {
        assertThrows(IllegalArgumentException.class, () -> new LocalApic(0, 256, false, trace));
        assertThrows(IllegalArgumentException.class, () -> new LocalApic(0, -1, false, trace));
    }

    // ---------------------------------------------------------------- power-up state, SVR

    // SDM 10.4.7.1 (Local APIC State After Power-Up): SVR 0xFF (disabled), LVTs masked, DFR all ones
    @Test
    void powerUpStateIsSoftwareDisabledWithLvtsMasked() {
        assertEquals(0xFF, read(SVR));
        assertFalse(lapic.isSoftwareEnabled());
        for (int reg = LVT_TIMER; reg <= LVT_ERROR; reg += 0x10) {
            assertEquals(LocalApicRegisters.LVT_MASKED, read(reg), "LVT 0x" + Integer.toHexString(reg));
        }
        assertEquals(0xFFFF_FFFF, read(DFR));
        assertEquals(0, read(TPR));
        assertEquals(0, read(LDR));
        for (int i = 0; i < 8; i++) {
            assertEquals(0, read(IRR + 0x10 * i));
            assertEquals(0, read(ISR + 0x10 * i));
            assertEquals(0, read(TMR + 0x10 * i));
        }
    }

    // SDM 10.4.7.2: a software-disabled LAPIC does not accept fixed interrupts (KVM __apic_accept_irq)
    @Test
    void disabledLapicRefusesFixedInterrupts() {
        assertFalse(lapic.accept(0x40, Rte.DM_FIXED, false));
        assertFalse(lapic.accept(0x40, Rte.DM_LOWEST_PRIORITY, true));
        assertFalse(lapic.irr(0x40));
        assertEquals(0, lapic.acceptedCount());
        assertTrue(lapic.accept(0, Rte.DM_NMI, false), "NMI still accepted");
        enable();
        assertTrue(lapic.accept(0x40, Rte.DM_FIXED, false));
        assertTrue(lapic.irr(0x40));
    }

    // SDM 10.4.7.2: while software-disabled, LVT mask bits stay set; clearing SVR bit 8 masks every LVT
    @Test
    void softwareDisabledLapicKeepsLvtsMasked() {
        write(LVT_LINT0, 0x700);
        assertEquals(0x1_0700, read(LVT_LINT0), "mask forced while disabled");
        enable();
        write(LVT_LINT0, 0x700);
        assertEquals(0x700, read(LVT_LINT0));
        write(SVR, 0xFF);
        assertEquals(0x1_0700, read(LVT_LINT0));
    }

    // SDM 10.9 / KVM kvm_lapic_reg_write APIC_SPIV: SVR bit 12 is writable only when version bit 24 is set
    @Test
    void svrBit12WritableOnlyWithDirectedEoiSupport() {
        write(SVR, 0x11FF);
        assertEquals(0x01FF, read(SVR));
        assertFalse(lapic.isEoiBroadcastSuppressed());
        final LocalApic directed = new LocalApic(1, 1, true, trace);
        directed.writeRegister(SVR, 0x11FF);
        assertEquals(0x11FF, directed.readRegister(SVR));
        assertTrue(directed.isEoiBroadcastSuppressed());
    }

    // SDM 10.9 figure 10-23: SVR bits 7:0 vector, 8 enable, 9 focus; other bits reserved (read 0)
    @Test
    void svrReservedBitsReadZero() {
        write(SVR, 0xFFFF_FFFF);
        assertEquals(0x3FF, read(SVR));
    }

    // ---------------------------------------------------------------- priorities

    // SDM 10.8.3.1: TPR bits 7:0 are read/write
    @Test
    void tprHoldsBits7to0() {
        write(TPR, 0xABC);
        assertEquals(0xBC, read(TPR));
        assertEquals(0xBC, lapic.tpr());
    }

    // SDM 10.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0
    @Test
    void pprFollowsTheSdmFormula() {
        enable();
        assertEquals(0, read(PPR));
        write(TPR, 0x35);
        assertEquals(0x35, read(PPR), "ISR empty: PPR = TPR");
        inService(0x41, false);
        assertEquals(0x40, read(PPR), "ISRV class 4 above TPR class 3");
        write(TPR, 0x47);
        assertEquals(0x47, read(PPR), "equal classes: TPR");
        write(TPR, 0x52);
        assertEquals(0x52, read(PPR));
        write(TPR, 0x00);
        inService(0x9E, false);
        assertEquals(0x90, read(PPR), "highest ISR vector counts");
        write(PPR, 0xFF);
        assertEquals(0x90, read(PPR), "PPR is read-only");
    }

    // ---------------------------------------------------------------- IRR, ISR, TMR

    // SDM 10.8.4 figure 10-20: ISR/TMR/IRR are eight 32-bit registers at 16-byte strides
    @Test
    void isrTmrIrrRegistersReadAt16ByteStrides() {
        enable();
        lapic.accept(0x31, Rte.DM_FIXED, false);
        lapic.accept(0x65, Rte.DM_FIXED, true);
        lapic.accept(0xFE, Rte.DM_FIXED, true);
        assertEquals(1 << 17, read(IRR + 0x10));
        assertEquals(1 << 5, read(IRR + 0x30));
        assertEquals(1 << 30, read(IRR + 0x70));
        assertEquals(0, read(IRR + 0x20));
        assertEquals(0, read(TMR + 0x10), "0x31 is edge");
        assertEquals(1 << 5, read(TMR + 0x30));
        assertEquals(1 << 30, read(TMR + 0x70));
        assertEquals(0xFE, lapic.acknowledge());
        assertEquals(1 << 30, read(ISR + 0x70));
        assertEquals(0, read(IRR + 0x70));
        assertEquals(0xFE, lapic.highestInService());
    }

    // SDM 10.8.4: TMR is set for level and cleared for edge at acceptance, and not cleared by EOI
    @Test
    void tmrUpdatedAtAcceptanceNotByEoi() {
        enable();
        inService(0x40, true);
        assertTrue(lapic.tmr(0x40));
        write(EOI, 0);
        assertTrue(lapic.tmr(0x40), "EOI leaves TMR alone (unlike Bochs)");
        lapic.accept(0x40, Rte.DM_FIXED, false);
        assertFalse(lapic.tmr(0x40), "edge acceptance clears it");
    }

    // SDM 10.8.5: an EOI clears the highest-priority ISR bit
    @Test
    void eoiClearsTheHighestIsrBit() {
        enable();
        inService(0x31, false);
        lapic.accept(0x51, Rte.DM_FIXED, false);
        assertEquals(0x51, lapic.acknowledge(), "higher class nests");
        write(EOI, 0);
        assertFalse(lapic.isr(0x51));
        assertTrue(lapic.isr(0x31));
        write(EOI, 0xDEAD_BEEF); // the value is ignored
        assertFalse(lapic.isr(0x31));
        assertEquals(2, lapic.eoiCount());
        assertEquals(0, read(EOI), "EOI reads 0");
    }

    // SDM 10.8.5: an EOI for a level (TMR) vector broadcasts an EOI message; an edge vector does not
    @Test
    void eoiBroadcastsOnlyForLevelVectors() {
        enable();
        inService(0x60, false);
        write(EOI, 0);
        assertTrue(broadcasts.isEmpty());
        inService(0x61, true);
        write(EOI, 0);
        assertEquals(List.of(0x61), broadcasts);
        assertEquals(1, lapic.eoiBroadcastCount());
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_EOI, 3, 0x61, 1), trace.last(HwEvent.LAPIC_EOI));
    }

    // KVM apic_set_eoi / QEMU apic_eoi: an EOI with an empty ISR does nothing and broadcasts nothing
    @Test
    void eoiWithEmptyIsrIsANoOp() {
        enable();
        lapic.accept(0x70, Rte.DM_FIXED, true); // in IRR, not in service
        write(EOI, 0);
        assertTrue(broadcasts.isEmpty());
        assertEquals(0, lapic.eoiCount());
        assertTrue(lapic.irr(0x70));
        assertEquals(-1, lapic.eoi());
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_EOI, 3, -1, 0), trace.last(HwEvent.LAPIC_EOI));
    }

    // SDM 10.8.3: acknowledge moves the highest IRR vector whose class is above PPR into ISR
    @Test
    void acknowledgeMovesHighestIrrAbovePprToIsr() {
        enable();
        lapic.accept(0x45, Rte.DM_FIXED, false);
        lapic.accept(0x83, Rte.DM_FIXED, false);
        lapic.accept(0x81, Rte.DM_FIXED, false);
        assertEquals(0x83, lapic.pendingVector());
        assertEquals(0x83, lapic.acknowledge());
        assertTrue(lapic.isr(0x83));
        assertFalse(lapic.irr(0x83));
        assertEquals(-1, lapic.pendingVector(), "0x81 is in the same class as the in-service 0x83");
        write(EOI, 0);
        assertEquals(0x81, lapic.acknowledge());
        write(EOI, 0);
        assertEquals(0x45, lapic.acknowledge());
        assertEquals(3, lapic.acknowledgedCount());
    }

    // SDM 10.9 (Spurious Interrupt): if PPR blocks every IRR vector at INTA, the spurious vector is returned
    @Test
    void acknowledgeReturnsSpuriousVectorWhenPprBlocksAllIrrVectors() {
        write(SVR, 0x1E7); // spurious vector 0xE7
        lapic.accept(0x35, Rte.DM_FIXED, false);
        write(TPR, 0x40);
        assertEquals(0xE7, lapic.acknowledge());
        assertTrue(lapic.irr(0x35), "nothing moved");
        assertEquals(-1, lapic.highestInService());
        assertEquals(1, lapic.spuriousCount());
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACK, 3, 0xE7, 1), trace.last(HwEvent.LAPIC_ACK));
        write(TPR, 0);
        assertEquals(0x35, lapic.acknowledge());
    }

    // LocalApic.acknowledge: NO_INTERRUPT when IRR is empty and nothing is pending
    @Test
    void acknowledgeWithNothingPendingReturnsNoInterrupt() {
        enable();
        assertEquals(LocalApic.NO_INTERRUPT, lapic.acknowledge());
        assertEquals(0, lapic.spuriousCount());
    }

    // an interrupt message's vector is 8 bits: anything else is a caller's bug, refused without touching
    // IRR (bit 300 & 255 = 44 must not appear) or ESR
    @Test
    void aVectorThatIsNotEightBitsIsRefusedAndChangesNothing() {
        enable();
        for (final int v : new int[] {256, 300, 0x12C, Integer.MAX_VALUE, -1, Integer.MIN_VALUE}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> lapic.accept(v, Rte.DM_FIXED, true), "vector " + v);
            assertTrue(e.getMessage().contains(Integer.toString(v)), e.getMessage());
        }
        assertFalse(lapic.irr(44));
        assertFalse(lapic.irr(0xFF));
        assertEquals(LocalApic.NO_INTERRUPT, lapic.acknowledge());
        write(ESR, 0);
        assertEquals(0, read(ESR), "not the illegal-vector error: nothing was received");
        assertTrue(lapic.accept(0xFF, Rte.DM_FIXED, false), "255 is the last legal vector");
        assertEquals(0xFF, lapic.acknowledge());
    }

    // SDM 10.5.3 (ESR bit 6 "Received Illegal Vector"); Xen vlapic_set_irq: vectors 0..15 are dropped
    @Test
    void illegalVectorsBelow16SetEsrBit6AndAreDropped() {
        enable();
        for (int v = 0; v < 16; v++) {
            assertFalse(lapic.accept(v, Rte.DM_FIXED, false));
            assertFalse(lapic.irr(v));
        }
        write(ESR, 0); // software writes ESR before reading it
        assertEquals(LocalApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR, read(ESR));
        assertEquals(0x40, read(ESR));
        assertTrue(lapic.accept(16, Rte.DM_FIXED, false), "16 is the first legal vector");
        write(ESR, 0);
        assertEquals(0, read(ESR));
    }

    // SDM 10.5.3: "a write clears any previously logged errors and updates the ESR with any errors
    // detected since the last write" (Xen pending_esr): Linux's write-then-read sees the error
    @Test
    void esrWriteLatchesErrorsDetectedSinceTheLastWrite() {
        enable();
        lapic.accept(3, Rte.DM_FIXED, false);
        assertEquals(0, read(ESR), "not visible until software writes ESR");
        write(ESR, 0xFFFF_FFFF); // the value written does not matter
        assertEquals(0x40, read(ESR));
        assertEquals(0x40, read(ESR), "reads do not clear it");
        write(ICR_LOW, 0x0000_0007); // send illegal vector
        assertEquals(0x40, read(ESR), "the new error waits for the next write");
        write(ESR, 0);
        assertEquals(LocalApicRegisters.ESR_SEND_ILLEGAL_VECTOR, read(ESR));
        write(ESR, 0);
        assertEquals(0, read(ESR));
        lapic.accept(1, Rte.DM_FIXED, false);
        lapic.reset();
        write(ESR, 0);
        assertEquals(0, read(ESR), "reset discards pending errors");
    }

    // ---------------------------------------------------------------- IPIs

    // SDM 10.6.1 (ICR): writing ICR low sends the IPI with the destination from ICR high bits 31:24
    @Test
    void icrWriteSendsIpiToTheDestination() {
        enable();
        write(ICR_HIGH, 0x0200_0000);
        write(ICR_LOW, 0x0000_0845 | (1 << 12)); // logical, vector 0x45; bit 12 is delivery status (RO)
        assertEquals(1, ipis.size());
        assertEquals("[69, 0, 1, 2, 0]", java.util.Arrays.toString(ipis.get(0)));
        assertEquals(0x0845, read(ICR_LOW), "delivery status reads idle");
        assertEquals(0x0200_0000, read(ICR_HIGH));
    }

    // SDM 10.6.1 shorthand 01 (self): the IPI is accepted locally, not sent on the bus
    @Test
    void selfShorthandIpiIsAcceptedLocally() {
        enable();
        write(ICR_LOW, (IpiSink.SHORTHAND_SELF << 18) | 0x52);
        assertTrue(lapic.irr(0x52));
        assertFalse(lapic.tmr(0x52));
        assertTrue(ipis.isEmpty());
    }

    // SDM 10.5.3 (ESR bit 5 "Send Illegal Vector"): a fixed IPI with a vector below 16 is not sent
    @Test
    void fixedIpiWithIllegalVectorSetsEsrBit5() {
        enable();
        write(ICR_LOW, 0x0000_0005);
        assertTrue(ipis.isEmpty());
        write(ESR, 0);
        assertEquals(LocalApicRegisters.ESR_SEND_ILLEGAL_VECTOR, read(ESR));
        write(ICR_LOW, 0x0000_0400); // NMI ignores the vector
        assertEquals(1, ipis.size());
    }

    // ---------------------------------------------------------------- MMIO access rules

    // KVM apic_mmio_write: writes that are not 4 bytes at a 16-byte aligned offset are ignored
    @Test
    void nonDwordOrMisalignedWritesAreIgnored() {
        enable();
        assertTrue(cpu.write(BASE + TPR, 2, 0x50));
        assertTrue(cpu.write(BASE + TPR, 1, 0x50));
        assertTrue(cpu.write(BASE + TPR + 4, 4, 0x50));
        assertTrue(cpu.write(BASE + TPR + 8, 4, 0x50));
        assertEquals(0, read(TPR));
        assertFalse(cpu.write(BASE + TPR, 8, 0x50), "8-byte accesses are rejected by the bus");
        assertEquals(0, read(TPR));
        assertEquals(1, cpu.rejectedAccesses());
        write(TPR, 0x50);
        assertEquals(0x50, read(TPR));
    }

    // KVM apic_mmio_read (1/2/4 within a dword): sub-dword reads return the addressed bytes
    @Test
    void subDwordReadsReturnTheAddressedBytes() {
        assertEquals(0x03, cpu.read(BASE + ID + 3, 1));
        assertEquals(0x00, cpu.read(BASE + ID, 1));
        assertEquals(0x0300, cpu.read(BASE + ID + 2, 2));
        assertEquals(0x0014, cpu.read(BASE + VERSION, 2));
        assertEquals(0x05, cpu.read(BASE + VERSION + 2, 1));
        assertEquals(0, cpu.read(BASE + VERSION + 4, 4), "bytes 4..15 of a slot read 0");
        assertEquals(0, cpu.read(BASE + VERSION + 8, 2));
        assertEquals(0xFFFF_FFFFL, cpu.read(BASE + VERSION + 2, 4), "misaligned: rejected by the bus");
        assertEquals(0, cpu.read(BASE + 0x400, 4), "unknown register reads 0");
        assertEquals(0, cpu.read(BASE + 0xFF0, 4));
    }

    // SDM 10.6.2.2: LDR keeps bits 31:24, DFR bits 27:0 read as ones
    @Test
    void ldrAndDfrKeepTheirArchitecturalBits() {
        write(LDR, 0xA5FF_FFFF);
        assertEquals(0xA500_0000, read(LDR));
        write(DFR, 0x0000_0000);
        assertEquals(0x0FFF_FFFF, read(DFR));
        assertTrue(lapic.matchesLogical(0xA1), "cluster 0xA, member bit 0");
        assertFalse(lapic.matchesLogical(0xB1));
        write(DFR, 0xFFFF_FFFF);
        assertTrue(lapic.matchesLogical(0x80));
        assertFalse(lapic.matchesLogical(0x5A));
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_match_logical_addr@RELEASE-4.20.0: only DFR 0xFFFFFFFF (flat) and
    // 0x0FFFFFFF (cluster) are models; any other DFR value matches no logical destination
    @Test
    void aDfrThatIsNeitherFlatNorClusterMatchesNoLogicalDestination() {
        write(LDR, 0x2100_0000);
        write(DFR, 0x7FFF_FFFF);
        assertEquals(0x7FFF_FFFF, read(DFR));
        assertFalse(lapic.matchesLogical(0x21), "the cluster model would match: cluster 2, member bit 0");
        assertFalse(lapic.matchesLogical(0xFF), "the flat model would match");
        write(DFR, 0x0FFF_FFFF);
        assertTrue(lapic.matchesLogical(0x21));
    }

    // LocalApic.InterruptListener: told when an accepted interrupt is deliverable, and again after EOI unblocks one
    @Test
    void interruptListenerIsToldWhenAnInterruptBecomesDeliverable() {
        final int[] told = {0};
        lapic.setInterruptListener(a -> told[0]++);
        enable();
        inService(0x50, false);
        assertEquals(1, told[0]);
        lapic.accept(0x51, Rte.DM_FIXED, false); // blocked by the in-service 0x50
        assertEquals(1, told[0]);
        write(EOI, 0);
        assertEquals(2, told[0]);
        lapic.setInterruptListener(null);
        lapic.accept(0x90, Rte.DM_FIXED, false);
        assertEquals(2, told[0]);
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_has_pending_irq@RELEASE-4.20.0: nothing is deliverable from a disabled LAPIC;
    // what IRR kept meanwhile is deliverable again once it is enabled, and the listener hears it then, once
    @Test
    void reEnablingWithAVectorKeptInIrrTellsTheListenerOnce() {
        final int[] told = {0};
        lapic.setInterruptListener(a -> told[0]++);
        enable();
        lapic.accept(0x61, Rte.DM_FIXED, false);
        assertEquals(1, told[0]);
        write(SVR, 0xFF);
        assertEquals(LocalApic.NO_INTERRUPT, lapic.pendingVector(), "disabled: nothing deliverable");
        assertTrue(lapic.irr(0x61), "IRR kept");
        enable();
        assertEquals(2, told[0]);
        assertEquals(0x61, lapic.pendingVector());
        enable();
        assertEquals(2, told[0], "already enabled: no second notice");
    }

    // SDM 10.4.7.3 (INIT reset): reset restores the power-up state and the initial APIC ID
    @Test
    void resetRestoresPowerUpState() {
        enable();
        write(ID, 0x0900_0000);
        write(TPR, 0x20);
        inService(0x40, true);
        lapic.accept(0x41, Rte.DM_FIXED, false);
        lapic.accept(0, Rte.DM_NMI, false);
        lapic.reset();
        assertEquals(0x0300_0000, read(ID));
        assertEquals(0xFF, read(SVR));
        assertEquals(0, read(TPR));
        assertEquals(-1, lapic.highestInService());
        assertFalse(lapic.irr(0x41));
        assertFalse(lapic.tmr(0x40));
        assertFalse(lapic.isNmiPending());
        assertEquals("lapic0", lapic.name());
        assertEquals(0, lapic.cpu());
    }

    // LocalApic.acknowledge / SDM 10.8.3: with IRR empty an INTA takes nothing, whatever PPR is:
    // NO_INTERRUPT (not the spurious vector, even with TPR class 0xF), nothing moves into ISR,
    // nothing is counted or traced as an acknowledge
    @Test
    void acknowledgeWithIrrEmptyMovesNothingEvenWhenTprBlocksEveryClass() {
        enable();
        assertEquals(LocalApic.NO_INTERRUPT, lapic.acknowledge());
        assertEquals(0, lapic.acknowledgedCount());
        assertFalse(lapic.isr(0xFF));
        assertEquals(0, read(ISR + 0x70), "ISR bits 255..224");
        write(TPR, 0xF0);
        assertEquals(LocalApic.NO_INTERRUPT, lapic.acknowledge());
        assertEquals(0, lapic.spuriousCount());
        assertEquals(0, lapic.acknowledgedCount());
        assertEquals(0, trace.count(HwEvent.LAPIC_ACK));
    }

    // LocalApic class comment / KVM kvm_lapic_reg_read (alignment + len > 4 is no register read): a
    // register is the first four bytes of its 16-byte slot; a dword read at slot bytes 8 or 12 is 0
    @Test
    void dwordReadsAtSlotBytes8And12ReadZero() {
        assertEquals(0x0300_0000, cpu.read(BASE + ID, 4));
        assertEquals(0, cpu.read(BASE + ID + 8, 4));
        assertEquals(0, cpu.read(BASE + ID + 12, 4));
        assertEquals(0, cpu.read(BASE + VERSION + 8, 4));
    }
}
