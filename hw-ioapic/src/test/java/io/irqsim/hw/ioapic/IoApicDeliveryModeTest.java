package io.irqsim.hw.ioapic;

import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import org.junit.jupiter.api.Test;

import static io.irqsim.hw.ioapic.IoApicRig.edge;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery modes (82093AA 3.2.4 bits 10:8) and destination modes (bit 11; SDM 10.6.2) of
 * IO-APIC messages, end to end through the ApicBus into the LAPICs.
 */
class IoApicDeliveryModeTest {

    private final IoApicRig rig = new IoApicRig(IoApicModel.ich(24), 0, 3, false);

    private static long entry(final int vector, final int mode, final boolean logical, final int dest) {
        return Rte.of(vector, mode, logical, false, false, false, dest);
    }

    private void pulse(final int pin) {
        rig.line(pin, true);
        rig.line(pin, false);
    }

    private void flatLogicalIds() {
        for (int cpu = 0; cpu < 3; cpu++) {
            rig.lapicWrite(cpu, LocalApicRegisters.DFR, 0xFFFF_FFFF);
            rig.lapicWrite(cpu, LocalApicRegisters.LDR, (1 << cpu) << 24);
        }
    }

    // ---------------------------------------------------------------- destinations

    // 82093AA 3.2.4 bit 11 = 0; SDM 10.6.2.1: physical destination reaches only that APIC ID
    @Test
    void physicalDestinationReachesOnlyThatApicId() {
        rig.writeEntry(1, entry(0x41, Rte.DM_FIXED, false, 1));
        pulse(1);
        assertFalse(rig.lapic(0).irr(0x41));
        assertTrue(rig.lapic(1).irr(0x41));
        assertFalse(rig.lapic(2).irr(0x41));
    }

    // SDM 10.6.2.1: physical destination 0xFF is a broadcast to every LAPIC
    @Test
    void physicalBroadcast0xFFReachesEveryCpu() {
        rig.writeEntry(1, entry(0x42, Rte.DM_FIXED, false, 0xFF));
        pulse(1);
        for (int cpu = 0; cpu < 3; cpu++) {
            assertTrue(rig.lapic(cpu).irr(0x42), "cpu" + cpu);
        }
        assertEquals(3, rig.trace.last(io.irqsim.hw.trace.HwEvent.IOAPIC_DELIVER).c());
    }

    // SDM 10.6.2.2 flat model: a LAPIC is addressed when MDA AND LDR[31:24] is non-zero; fixed goes to all of them
    @Test
    void logicalFlatDestinationReachesEveryMatchingCpu() {
        flatLogicalIds();
        rig.writeEntry(1, entry(0x43, Rte.DM_FIXED, true, 0x05));
        pulse(1);
        assertTrue(rig.lapic(0).irr(0x43));
        assertFalse(rig.lapic(1).irr(0x43));
        assertTrue(rig.lapic(2).irr(0x43));
        rig.writeEntry(2, entry(0x44, Rte.DM_FIXED, true, 0x02));
        pulse(2);
        assertTrue(rig.lapic(1).irr(0x44));
        assertFalse(rig.lapic(0).irr(0x44));
    }

    // SDM 10.6.2.2 cluster model (DFR 0x0FFFFFFF): cluster in MDA[7:4] must match, member bits must intersect
    @Test
    void logicalClusterDestinationMatchesClusterAndMemberBits() {
        final int[] ldr = {0x11, 0x12, 0x21}; // cluster 1 members 1,2; cluster 2 member 1
        for (int cpu = 0; cpu < 3; cpu++) {
            rig.lapicWrite(cpu, LocalApicRegisters.DFR, 0x0FFF_FFFF);
            rig.lapicWrite(cpu, LocalApicRegisters.LDR, ldr[cpu] << 24);
        }
        assertEquals(0x0FFF_FFFF, rig.lapicRead(0, LocalApicRegisters.DFR));
        rig.writeEntry(1, entry(0x45, Rte.DM_FIXED, true, 0x13));
        pulse(1);
        assertTrue(rig.lapic(0).irr(0x45));
        assertTrue(rig.lapic(1).irr(0x45));
        assertFalse(rig.lapic(2).irr(0x45), "other cluster");
        rig.writeEntry(2, entry(0x46, Rte.DM_FIXED, true, 0x22));
        pulse(2);
        for (int cpu = 0; cpu < 3; cpu++) {
            assertFalse(rig.lapic(cpu).irr(0x46), "cluster 2 has no member 2");
        }
        rig.writeEntry(3, entry(0x47, Rte.DM_FIXED, true, 0xF1)); // cluster 15: all clusters, member 1
        pulse(3);
        assertTrue(rig.lapic(0).irr(0x47));
        assertFalse(rig.lapic(1).irr(0x47));
        assertTrue(rig.lapic(2).irr(0x47));
    }

    // ---------------------------------------------------------------- lowest priority

    // 82093AA 3.2.4 delivery mode 001; SDM 10.6.2.4: the addressed LAPIC with the lowest priority (PPR) gets it
    @Test
    void lowestPriorityDeliversToTheLowestPpr() {
        rig.lapicWrite(0, LocalApicRegisters.TPR, 0x50);
        rig.lapicWrite(1, LocalApicRegisters.TPR, 0x20);
        rig.lapicWrite(2, LocalApicRegisters.TPR, 0x30);
        rig.writeEntry(1, entry(0x48, Rte.DM_LOWEST_PRIORITY, false, 0xFF));
        pulse(1);
        assertFalse(rig.lapic(0).irr(0x48));
        assertTrue(rig.lapic(1).irr(0x48));
        assertFalse(rig.lapic(2).irr(0x48));
        assertEquals(1, rig.trace.last(io.irqsim.hw.trace.HwEvent.IOAPIC_DELIVER).c());
    }

    // ApicBus class comment: equal priorities rotate, starting after the previous winner
    @Test
    void lowestPriorityTiesRotate() {
        rig.writeEntry(1, entry(0x49, Rte.DM_LOWEST_PRIORITY, false, 0xFF));
        final int[] winners = new int[6];
        for (int i = 0; i < winners.length; i++) {
            pulse(1);
            winners[i] = -1;
            for (int cpu = 0; cpu < 3; cpu++) {
                final LocalApic l = rig.lapic(cpu);
                if (l.irr(0x49)) {
                    winners[i] = cpu;
                    assertEquals(0x49, l.acknowledge());
                    l.eoi();
                }
            }
        }
        assertEquals("[0, 1, 2, 0, 1, 2]", java.util.Arrays.toString(winners));
    }

    // KVM __apic_accept_irq / Xen vioapic_deliver: lowest priority skips software-disabled LAPICs
    @Test
    void lowestPrioritySkipsSoftwareDisabledLapics() {
        rig.lapicWrite(0, LocalApicRegisters.SVR, 0xFF);
        rig.lapicWrite(1, LocalApicRegisters.TPR, 0x80);
        rig.writeEntry(1, entry(0x4A, Rte.DM_LOWEST_PRIORITY, false, 0xFF));
        pulse(1);
        assertFalse(rig.lapic(0).irr(0x4A));
        assertTrue(rig.lapic(2).irr(0x4A));
    }

    // ---------------------------------------------------------------- SMI, NMI, INIT, ExtINT

    // 82093AA 3.2.4 delivery mode 010: SMI ignores the vector and bypasses IRR
    @Test
    void smiDeliveryBypassesIrr() {
        rig.writeEntry(1, entry(0x00, Rte.DM_SMI, false, 0));
        pulse(1);
        assertEquals(1, rig.lapic(0).smiPending());
        assertEquals(LocalApic.NO_INTERRUPT, rig.ack(0));
    }

    // 82093AA 3.2.4 delivery mode 100; SDM 10.8.1: NMI bypasses IRR/ISR and needs no EOI
    @Test
    void nmiDeliveryBypassesIrr() {
        rig.writeEntry(1, entry(0x55, Rte.DM_NMI, false, 0xFF));
        pulse(1);
        for (int cpu = 0; cpu < 3; cpu++) {
            assertTrue(rig.lapic(cpu).isNmiPending());
            assertFalse(rig.lapic(cpu).irr(0x55));
        }
        assertTrue(rig.lapic(0).takeNmi());
        assertFalse(rig.lapic(0).takeNmi());
    }

    // 82093AA 3.2.4 delivery mode 101: INIT
    @Test
    void initDeliveryIsCountedPending() {
        rig.writeEntry(1, entry(0x00, Rte.DM_INIT, false, 2));
        pulse(1);
        assertEquals(0, rig.lapic(0).initPending());
        assertEquals(1, rig.lapic(2).initPending());
    }

    // 82093AA 3.2.4 delivery mode 111; QEMU pic_read_irq: ExtINT's vector comes from the 8259 at INTA
    @Test
    void extIntAcknowledgeReturnsTheExtIntSourceVector() {
        rig.lapic(0).setExtIntSource(() -> 0x23);
        rig.writeEntry(0, entry(0x00, Rte.DM_EXTINT, false, 0));
        pulse(0);
        assertEquals(1, rig.lapic(0).extIntPending());
        assertEquals(0x23, rig.ack(0));
        assertEquals(0, rig.lapic(0).extIntPending());
        assertEquals(-1, rig.lapic(0).highestInService(), "ExtINT bypasses ISR");
        assertEquals(LocalApic.NO_INTERRUPT, rig.ack(0));
    }

    // LocalApic.ExtIntSource.DEFAULT: an unprogrammed PIC answers IRQ0's vector 0x08
    @Test
    void extIntWithDefaultPicReturnsVector0x08() {
        rig.writeEntry(0, entry(0x00, Rte.DM_EXTINT, false, 1));
        pulse(0);
        assertEquals(0x08, rig.ack(1));
    }

    // 82374EB / IIO datasheet: SMI, NMI, INIT and ExtINT are edge-only; a level entry never sets Remote IRR
    @Test
    void nonFixedModesIgnoreTheTriggerBit() {
        rig.writeEntry(1, Rte.of(0x00, Rte.DM_NMI, false, false, true, false, 0));
        rig.line(1, true);
        assertTrue(rig.lapic(0).isNmiPending());
        assertFalse(rig.remoteIrr(1));
        assertFalse(rig.lapic(0).tmr(0));
    }

    // 82093AA 3.2.4: delivery modes 011 and 110 are reserved; no LAPIC accepts them
    @Test
    void reservedDeliveryModesAreRefused() {
        rig.writeEntry(1, entry(0x50, 3, false, 0xFF));
        rig.writeEntry(2, entry(0x51, 6, false, 0xFF));
        pulse(1);
        pulse(2);
        assertEquals(2, rig.apicBus.undeliverableCount());
        for (int cpu = 0; cpu < 3; cpu++) {
            assertEquals(0, rig.lapic(cpu).acceptedCount());
        }
    }

    // SDM 10.8.4: a fixed edge message sets IRR and clears TMR; a level one sets both
    @Test
    void triggerModeTravelsWithTheMessage() {
        rig.writeEntry(1, edge(0x60));
        rig.writeEntry(2, IoApicRig.level(0x61));
        pulse(1);
        rig.line(2, true);
        assertTrue(rig.irrBit(0, 0x60));
        assertFalse(rig.tmrBit(0, 0x60));
        assertTrue(rig.irrBit(0, 0x61));
        assertTrue(rig.tmrBit(0, 0x61));
    }
}
