package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.hw.apic.LocalApicRegisters.DFR;
import static io.irqsim.hw.apic.LocalApicRegisters.EOI;
import static io.irqsim.hw.apic.LocalApicRegisters.ICR_LOW;
import static io.irqsim.hw.apic.LocalApicRegisters.LDR;
import static io.irqsim.hw.apic.LocalApicRegisters.SVR;
import static io.irqsim.hw.apic.LocalApicRegisters.TIMER_DIVIDE;
import static io.irqsim.hw.apic.LocalApicRegisters.TPR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two {@link LocalApicModel}s on the same accesses: where Xen's vLAPIC differs from a physical
 * LAPIC ({@code vlapic_mmio_write}, {@code vlapic_mmio_read}, {@code vlapic_reg_write}'s ID,
 * {@code vlapic_match_logical_addr}, {@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}) and what both
 * do as Xen and KVM do (the LVT masks, {@code vlapic_error}'s LVTERR at RELEASE-4.20.1).
 */
class LocalApicModelsTest {

    private static final long BASE = LocalApicRegisters.DEFAULT_BASE;

    private final RecordingHwTrace trace = new RecordingHwTrace();
    private final List<Integer> broadcasts = new ArrayList<>();
    private final List<Integer> ipiVectors = new ArrayList<>();

    private LocalApic lapic(final LocalApicModel model, final MmioBus cpu) {
        final LocalApic l = new LocalApic(0, 3, false, trace, model);
        l.connect(broadcasts::add, (from, vector, mode, logical, dest, shorthand) -> {
            ipiVectors.add(vector);
            return 1;
        });
        cpu.map(BASE, LocalApicRegisters.PAGE_SIZE, l);
        cpu.write(BASE + SVR, 4, 0x1FF);
        return l;
    }

    // vlapic_mmio_write: len < 4 inside the register is merged into vlapic_read_aligned's value
    @Test
    void aByteOrWordWriteInsideARegisterIsMergedIntoIt() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic v = lapic(LocalApicModel.XEN_VLAPIC, cpu);
        assertTrue(cpu.write(BASE + TPR, 1, 0x50));
        assertEquals(0x50, v.tpr());
        cpu.write(BASE + LDR, 4, 0x1200_0000L);
        assertTrue(cpu.write(BASE + LDR + 3, 1, 0xA5));
        assertEquals(0xA500_0000L, cpu.read(BASE + LDR, 4), "byte 3 replaced, the rest kept");
        assertTrue(cpu.write(BASE + LDR + 2, 2, 0x3400));
        assertEquals(0x3400_0000L, cpu.read(BASE + LDR, 4), "bytes 2-3 replaced; LDR keeps bits 31:24");
        assertTrue(cpu.write(BASE + SVR + 2, 2, 0));
        assertTrue(v.isSoftwareEnabled(), "the high half of SVR written: the enable bit kept");
        assertTrue(cpu.write(BASE + SVR + 1, 1, 0));
        assertFalse(v.isSoftwareEnabled(), "byte 1 holds the enable bit");
    }

    @Test
    void aPhysicalLapicDropsTheSameWrites() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic p = lapic(LocalApicModel.PHYSICAL, cpu);
        assertTrue(cpu.write(BASE + TPR, 1, 0x50));
        assertEquals(0, p.tpr());
        assertTrue(cpu.write(BASE + SVR + 1, 1, 0));
        assertTrue(p.isSoftwareEnabled());
    }

    // a byte write to EOI or ICR low is a whole register write: the EOI happens, the IPI goes
    @Test
    void aByteWriteToEoiOrIcrActs() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic v = lapic(LocalApicModel.XEN_VLAPIC, cpu);
        v.accept(0x61, Rte.DM_FIXED, true);
        assertEquals(0x61, v.acknowledge());
        assertTrue(cpu.write(BASE + EOI, 1, 0));
        assertEquals(-1, v.highestInService());
        assertEquals(List.of(0x61), broadcasts, "a level vector's EOI goes out");
        assertTrue(cpu.write(BASE + ICR_LOW, 1, 0x45));
        assertEquals(List.of(0x45), ipiVectors);
    }

    // (alignment + len) <= 4 and offset <= APIC_TDCR, else nothing; reads past it return 0
    @Test
    void accessesPastTheRegistersFirstDwordOrPastTdcrDoNothingAndReadZero() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic v = lapic(LocalApicModel.XEN_VLAPIC, cpu);
        v.write(TPR + 3, 2, 0x5050);
        assertEquals(0, v.tpr(), "bytes 3-4: not inside the register");
        assertTrue(cpu.write(BASE + TPR + 4, 4, 0x50));
        assertEquals(0, v.tpr());
        assertTrue(cpu.write(BASE + TIMER_DIVIDE, 1, 0x3));
        assertEquals(0x3, cpu.read(BASE + TIMER_DIVIDE, 4), "TDCR is the last register taken");
        assertTrue(cpu.write(BASE + TIMER_DIVIDE + 0x10, 1, 0x3));
        assertEquals(0, cpu.read(BASE + TIMER_DIVIDE + 0x10, 4));
    }

    // every size reaches vlapic_mmio_read/write: an 8-byte read returns 0, an 8-byte write is dropped
    @Test
    void eightByteAccessesReachTheVlapicReadZeroAndWriteNothing() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic v = lapic(LocalApicModel.XEN_VLAPIC, cpu);
        assertEquals(MmioDevice.ACCESS_ANY, v.acceptedSizes());
        cpu.write(BASE + LDR, 4, 0x1200_0000L);
        assertEquals(0, cpu.read(BASE + LDR, 8));
        assertTrue(cpu.write(BASE + TPR, 8, 0x50));
        assertEquals(0, v.tpr());
        assertEquals(0, cpu.rejectedAccesses(), "the bus let them through");
        final MmioBus physicalBus = new MmioBus(trace);
        lapic(LocalApicModel.PHYSICAL, physicalBus);
        assertEquals(-1L, physicalBus.read(BASE + LDR, 8), "a physical LAPIC's bus refuses 8 bytes");
    }

    // vlapic_match_logical_addr, cluster model: same cluster and a common member bit, nothing else
    @Test
    void clusterFifteenIsNotABroadcastOnAXenVlapic() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic v = lapic(LocalApicModel.XEN_VLAPIC, cpu);
        final LocalApic p = lapic(LocalApicModel.PHYSICAL, new MmioBus(trace));
        for (final LocalApic l : List.of(v, p)) {
            l.writeRegister(DFR, 0x0FFF_FFFF);
            l.writeRegister(LDR, 0x2100_0000);
            assertTrue(l.matchesLogical(0x21));
            assertFalse(l.matchesLogical(0x31));
        }
        assertFalse(v.matchesLogical(0xF1), "Xen: cluster 0xF is cluster 0xF");
        assertTrue(p.matchesLogical(0xF1), "physical: cluster 0xF addresses every cluster");
    }

    // vlapic_lvt_mask (and KVM's apic_lvt_mask): reserved LVT bits read 0 on both models
    @Test
    void lvtEntriesKeepOnlyTheirDefinedBits() {
        for (final LocalApicModel model : LocalApicModel.values()) {
            final MmioBus cpu = new MmioBus(trace);
            lapic(model, cpu);
            final int[] expected = {0x000710FF, 0x000117FF, 0x000117FF, 0x0001F7FF, 0x0001F7FF, 0x000110FF};
            for (int i = 0; i < expected.length; i++) {
                final long reg = BASE + LocalApicRegisters.LVT_TIMER + 0x10L * i;
                cpu.write(reg, 4, 0xFFFF_FFFFL);
                assertEquals(expected[i], (int) cpu.read(reg, 4), model + " LVT " + i);
                cpu.write(reg, 4, 0x0000_0041L);
                assertEquals(0x41, (int) cpu.read(reg, 4), model + " LVT " + i + " unmasked");
            }
        }
    }

    // vlapic_reg_write (APIC_ID): the whole value is stored; the APIC ID is its bits 31:24 either way
    @Test
    void theIdRegisterReadsBackWhatWasWrittenOnlyOnXen() {
        final MmioBus xenBus = new MmioBus(trace);
        final LocalApic v = lapic(LocalApicModel.XEN_VLAPIC, xenBus);
        xenBus.write(BASE + LocalApicRegisters.ID, 4, 0x0512_3456L);
        assertEquals(0x0512_3456L, xenBus.read(BASE + LocalApicRegisters.ID, 4));
        assertEquals(5, v.apicId());
        final MmioBus physicalBus = new MmioBus(trace);
        final LocalApic p = lapic(LocalApicModel.PHYSICAL, physicalBus);
        physicalBus.write(BASE + LocalApicRegisters.ID, 4, 0x0512_3456L);
        assertEquals(0x0500_0000L, physicalBus.read(BASE + LocalApicRegisters.ID, 4));
        assertEquals(5, p.apicId());
        v.reset();
        assertEquals(0x0300_0000L, xenBus.read(BASE + LocalApicRegisters.ID, 4), "reset: the initial APIC ID");
    }

    // vlapic_error (xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.1): a new error with LVTERR unmasked raises its vector
    @Test
    void aNewErrorRaisesTheUnmaskedLvtErrorVectorOnce() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic l = lapic(LocalApicModel.XEN_VLAPIC, cpu);
        cpu.write(BASE + LocalApicRegisters.LVT_ERROR, 4, 0xEE);
        assertFalse(l.accept(5, Rte.DM_FIXED, false), "vector 5 is refused");
        assertTrue(l.irr(0xEE), "LVTERR's vector raised");
        assertFalse(l.tmr(0xEE), "edge");
        assertEquals(0xEE, l.acknowledge());
        l.accept(6, Rte.DM_FIXED, false);
        assertFalse(l.irr(0xEE), "the same error already pending raises nothing");
        cpu.write(BASE + LocalApicRegisters.ESR, 4, 0);
        assertEquals(LocalApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR, cpu.read(BASE + LocalApicRegisters.ESR, 4));
        cpu.write(BASE + LocalApicRegisters.ICR_LOW, 4, 0x0000_0004L);   // fixed IPI, vector 4
        assertTrue(l.irr(0xEE), "a send error is a new error");
        assertTrue(ipiVectors.isEmpty(), "the illegal IPI is not sent");
    }

    @Test
    void aMaskedLvtErrorRaisesNothingAndAnIllegalLvtErrorVectorAddsTheReceiveError() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic l = lapic(LocalApicModel.PHYSICAL, cpu);
        cpu.write(BASE + LocalApicRegisters.LVT_ERROR, 4, LocalApicRegisters.LVT_MASKED | 0xEE);
        l.accept(5, Rte.DM_FIXED, false);
        assertFalse(l.irr(0xEE));
        cpu.write(BASE + LocalApicRegisters.ESR, 4, 0);
        cpu.write(BASE + LocalApicRegisters.ESR, 4, 0);
        assertEquals(0, cpu.read(BASE + LocalApicRegisters.ESR, 4), "the second write latched nothing new");
        cpu.write(BASE + LocalApicRegisters.LVT_ERROR, 4, 0x03);
        cpu.write(BASE + LocalApicRegisters.ICR_LOW, 4, 0x0000_0004L);
        cpu.write(BASE + LocalApicRegisters.ESR, 4, 0);
        assertEquals(LocalApicRegisters.ESR_SEND_ILLEGAL_VECTOR | LocalApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR,
            cpu.read(BASE + LocalApicRegisters.ESR, 4), "LVTERR vector 3 would itself be illegal: RECVILL folded in");
        assertFalse(l.irr(3));
    }

    // vlapic_accept_irq (xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0): "Ignoring guest SMI"
    @Test
    void anSmiIsHeldPendingByAPhysicalLapicAndIgnoredByAXenVlapic() {
        final LocalApic v = lapic(LocalApicModel.XEN_VLAPIC, new MmioBus(trace));
        final LocalApic p = lapic(LocalApicModel.PHYSICAL, new MmioBus(trace));
        assertFalse(v.accept(0, Rte.DM_SMI, false));
        assertEquals(0, v.smiPending());
        assertTrue(p.accept(0, Rte.DM_SMI, false));
        assertEquals(1, p.smiPending());
        assertTrue(v.accept(0, Rte.DM_NMI, false), "NMI is taken on both");
    }

    // vlapic_error: LVTERR vectors from 16 up are raised (16 is the first legal vector)
    @Test
    void anLvtErrorVectorOfSixteenIsRaised() {
        final MmioBus cpu = new MmioBus(trace);
        final LocalApic l = lapic(LocalApicModel.XEN_VLAPIC, cpu);
        cpu.write(BASE + LocalApicRegisters.LVT_ERROR, 4, 16);
        l.accept(5, Rte.DM_FIXED, false);
        assertTrue(l.irr(16));
        cpu.write(BASE + LocalApicRegisters.ESR, 4, 0);
        assertEquals(LocalApicRegisters.ESR_RECEIVE_ILLEGAL_VECTOR, cpu.read(BASE + LocalApicRegisters.ESR, 4));
    }

    // vlapic_read_aligned / vlapic_reg_write (APIC_TMICT, APIC_LVTT): TMICT counts only in one-shot and periodic
    // mode, and entering or leaving TSC-deadline mode clears it
    @Test
    void theInitialCountIsKeptOnlyInOneShotAndPeriodicMode() {
        final MmioBus cpu = new MmioBus(trace);
        lapic(LocalApicModel.XEN_VLAPIC, cpu);
        final long lvtt = BASE + LocalApicRegisters.LVT_TIMER;
        final long tmict = BASE + LocalApicRegisters.TIMER_INITIAL;
        cpu.write(tmict, 4, 1000);
        assertEquals(1000, cpu.read(tmict, 4), "one-shot after reset");
        cpu.write(lvtt, 4, (1 << 17) | 0xEF);
        assertEquals(1000, cpu.read(tmict, 4), "periodic: kept");
        cpu.write(lvtt, 4, (2 << 17) | 0xEF);
        assertEquals(0, cpu.read(tmict, 4), "TSC-deadline: reads 0");
        cpu.write(tmict, 4, 500);
        cpu.write(lvtt, 4, 0xEF);
        assertEquals(0, cpu.read(tmict, 4), "cleared on entering TSC-deadline mode; the write there was ignored");
        cpu.write(tmict, 4, 700);
        cpu.write(lvtt, 4, (1 << 17) | 0xEF);
        assertEquals(700, cpu.read(tmict, 4), "one-shot to periodic does not clear it");
        cpu.write(lvtt, 4, (3 << 17) | 0xEF);
        assertEquals(0, cpu.read(tmict, 4), "reserved mode: reads 0");
        cpu.write(lvtt, 4, 0xEF);
        assertEquals(700, cpu.read(tmict, 4), "mode 3 is not TSC-deadline: kept");
    }
}
