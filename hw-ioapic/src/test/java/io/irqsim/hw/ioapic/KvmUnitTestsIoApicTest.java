package io.irqsim.hw.ioapic;

import io.irqsim.hw.apic.LocalApicRegisters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.hw.ioapic.IoApicRig.edge;
import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scenarios of kvm-unit-tests x86/ioapic.c, end to end: IO-APIC programmed through MMIO,
 * messages over the ApicBus, "the CPU" taking interrupts with LocalApic.acknowledge() and the
 * handler ending with a write to the LAPIC EOI register (0xB0). Lines are driven like
 * pc-testdev's set_irq_line (logical, active-high entries).
 */
class KvmUnitTestsIoApicTest {

    private static final int LINE = 0x0e;

    private final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));
    private int count;

    private void setMask(final int line, final boolean masked) {
        final long e = rig.readEntry(line);
        rig.writeLow(line, masked ? e | Rte.MASKED : e & ~Rte.MASKED);
    }

    private void toggle(final int line) {
        rig.line(line, true);
        rig.line(line, false);
    }

    // kvm-unit-tests ioapic_reg_version / ioapic_reg_id: VER reads 0x11 or 0x20 with 0x17 entries, ID keeps 27:24
    @Test
    void versionAndIdRegistersAsKvmUnitTestsExpect() {
        for (final IoApicModel m : new IoApicModel[] {IoApicModel.ich(24), IoApicModel.i82093aa(24)}) {
            final IoApicRig r = new IoApicRig(m);
            final int ver = r.readReg(IoApicRegisters.REG_VER);
            assertTrue((ver & 0xFF) == 0x11 || (ver & 0xFF) == 0x20);
            assertEquals(0x17, (ver >>> 16) & 0xFF);
            r.writeReg(IoApicRegisters.REG_VER, ver ^ 0xFFFF_FFFF);
            assertEquals(ver, r.readReg(IoApicRegisters.REG_VER), "version register read only");
            final int id = r.readReg(IoApicRegisters.REG_ID);
            r.writeReg(IoApicRegisters.REG_ID, id ^ 0xFFFF_FFFF);
            assertEquals(0x0F00_0000, id ^ r.readReg(IoApicRegisters.REG_ID), "id register only bits [24:27] writable");
            r.writeReg(IoApicRegisters.REG_ID, 0x0F00_0000);
            r.writeReg(IoApicRegisters.REG_ARB, 0);
            assertEquals(0x0F00_0000, r.readReg(IoApicRegisters.REG_ARB), "arbitration register set by id, read only");
        }
    }

    // kvm-unit-tests test_ioapic_edge_intr: "edge triggered intr" fires once
    @Test
    void edgeTriggeredIntrFiresOnce() {
        rig.handle(0, 0x76, cpu -> {
            count++;
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, edge(0x76));
        toggle(LINE);
        rig.run(0);
        assertEquals(1, count);
    }

    // kvm-unit-tests test_ioapic_level_intr: the handler lowers the line before EOI; fires once
    @Test
    void levelTriggeredIntrWithLineLoweredBeforeEoiFiresOnce() {
        rig.handle(0, 0x77, cpu -> {
            count++;
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, level(0x77));
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(1, count);
        assertFalse(rig.remoteIrr(LINE));
    }

    // kvm-unit-tests test_ioapic_simultaneous: two pins fire together (cli), both handled, the higher vector first
    @Test
    void simultaneousEdgeInterruptsAreBothHandled() {
        final List<Integer> order = new ArrayList<>();
        rig.handle(0, 0x78, cpu -> {
            order.add(0x78);
            rig.eoi(cpu);
        });
        rig.handle(0, 0x66, cpu -> {
            order.add(0x66);
            rig.eoi(cpu);
        });
        rig.writeEntry(0x0e, edge(0x78));
        rig.writeEntry(0x0f, edge(0x66));
        toggle(0x0f); // cli: both pending in IRR
        toggle(0x0e);
        assertEquals(2, rig.run(0)); // sti
        assertEquals(List.of(0x78, 0x66), order, "0x66 handled after 0x78");
    }

    // kvm-unit-tests test_ioapic_edge_tmr / level_tmr (false, false, true, true): TMR clear for edge, set for level
    @Test
    void tmrIsClearForEdgeAndSetForLevelInterrupts() {
        final int[] tmrInHandler = {-1};
        rig.handle(0, 0x79, cpu -> {
            tmrInHandler[0] = rig.tmrBit(cpu, 0x79) ? 1 : 0;
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        // edge, TMR before = false
        rig.writeEntry(LINE, edge(0x79));
        assertFalse(rig.tmrBit(0, 0x79));
        toggle(LINE);
        rig.run(0);
        assertEquals(0, tmrInHandler[0]);
        // level, TMR before = false
        rig.writeEntry(LINE, level(0x79));
        assertFalse(rig.tmrBit(0, 0x79));
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(1, tmrInHandler[0]);
        // level, TMR before = true (EOI does not clear TMR)
        assertTrue(rig.tmrBit(0, 0x79));
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(1, tmrInHandler[0]);
        // edge, TMR before = true: acceptance of the edge message clears it
        rig.writeEntry(LINE, edge(0x79));
        assertTrue(rig.tmrBit(0, 0x79));
        toggle(LINE);
        rig.run(0);
        assertEquals(0, tmrInHandler[0]);
    }

    // kvm-unit-tests test_ioapic_level_coalesce: a line toggled while the first is in service coalesces
    @Test
    void levelLineToggledWhileInServiceCoalesces() {
        rig.handle(0, 0x98, cpu -> {
            count++;
            if (count == 1) {
                rig.line(LINE, false);
                rig.line(LINE, true);
            }
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, level(0x98));
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(1, count);
    }

    // SDM 10.8.4 (one IRR bit per vector): edges arriving while the first is in service coalesce into one more
    @Test
    void edgesArrivingWhileFirstIsInServiceCoalesce() {
        rig.handle(0, 0x76, cpu -> {
            count++;
            if (count == 1) {
                toggle(LINE);
                toggle(LINE);
                toggle(LINE);
            }
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, edge(0x76));
        toggle(LINE);
        rig.run(0);
        assertEquals(2, count, "three edges during service collapse into one IRR bit");
        assertEquals(4, rig.ioapic.deliveredCount());
    }

    // kvm-unit-tests test_ioapic_level_sequential: asserting again after the handler lowered it fires again
    @Test
    void levelSequentialFiresTwice() {
        rig.handle(0, 0x99, cpu -> {
            count++;
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, level(0x99));
        rig.line(LINE, true);
        rig.run(0);
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(2, count);
    }

    // kvm-unit-tests test_ioapic_level_retrigger: a still-asserted level line fires again after EOI
    @Test
    void stillAssertedLevelLineFiresAgainAfterEoi() {
        rig.handle(0, 0x9a, cpu -> {
            count++;
            if (count == 2) {
                rig.line(LINE, false);
            }
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, level(0x9a));
        rig.line(LINE, true); // cli
        rig.run(0); // sti; hlt
        assertEquals(2, count);
    }

    // kvm-unit-tests test_ioapic_edge_mask: a masked edge does not fire; after unmask the next edge does
    @Test
    void maskedEdgeDoesNotFireUnmaskedDoes() {
        rig.handle(0, 0x81, cpu -> {
            count++;
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, edge(0x81));
        setMask(LINE, true);
        toggle(LINE);
        rig.run(0);
        assertEquals(0, count, "masked edge interrupt");
        setMask(LINE, false);
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(1, count, "unmasked edge interrupt");
    }

    // kvm-unit-tests test_ioapic_level_mask: a masked level pin does not fire; unmasked while asserted it does
    @Test
    void maskedLevelDoesNotFireUntilUnmaskedWhileAsserted() {
        rig.handle(0, 0x82, cpu -> {
            count++;
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, level(0x82));
        setMask(LINE, true);
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(0, count, "masked level interrupt");
        setMask(LINE, false);
        rig.run(0);
        assertEquals(1, count, "unmasked level interrupt");
    }

    // kvm-unit-tests test_ioapic_level_retrigger_mask: the handler masks and EOIs; unmasking re-fires the asserted line
    @Test
    void levelRetriggerWithMask() {
        rig.handle(0, 0x83, cpu -> {
            count++;
            setMask(LINE, true);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, level(0x83));
        rig.line(LINE, true);
        rig.run(0);
        assertEquals(1, count);
        assertFalse(rig.remoteIrr(LINE), "EOI on a masked pin clears Remote IRR");
        setMask(LINE, false);
        rig.run(0);
        assertEquals(2, count, "retriggered level interrupts with mask");
        rig.line(LINE, false);
        setMask(LINE, false);
        rig.run(0);
        assertEquals(2, count);
    }

    // kvm-unit-tests test_ioapic_self_reconfigure: entries reprogrammed (new destination) from their own handler
    @Test
    void entryReprogrammedFromItsOwnHandlerCompletes() {
        final int[] g64 = {0};
        final int[] g84 = {0};
        final boolean[] remoteIrrSeen = new boolean[2];
        rig.handle(0, 0x64, cpu -> {
            rig.line(0x0e, true); // higher-priority line raised before reconfiguring
            rig.line(0x0e, false);
            remoteIrrSeen[0] = rig.remoteIrr(0x0e);
            rig.writeReg(IoApicRegisters.redtblHigh(0x0e), 0x0100_0000); // dest_id = 1
            rig.line(0x0d, false);
            remoteIrrSeen[1] = rig.remoteIrr(0x0d);
            rig.writeReg(IoApicRegisters.redtblHigh(0x0d), 0x0100_0000);
            rig.eoi(cpu);
            g64[0]++;
        });
        rig.handle(0, 0x84, cpu -> {
            assertEquals(1, g64[0], "higher priority IRQ blocked until the first handler returned");
            g84[0]++;
            rig.eoi(cpu);
        });
        rig.writeEntry(0x0d, level(0x64));
        rig.writeEntry(0x0e, level(0x84));
        rig.line(0x0d, true);
        rig.runAll();
        assertTrue(remoteIrrSeen[0], "Reconfigure Remote IRR set (0xe)");
        assertTrue(remoteIrrSeen[1], "Reconfigure Remote IRR set (0xd)");
        assertEquals(1, g84[0]);
        assertFalse(rig.remoteIrr(0x0e), "Reconfigure self highest priority");
        assertEquals(1, g64[0]);
        assertFalse(rig.remoteIrr(0x0d), "Reconfigure self lower priority");
        assertEquals(1, Rte.destination(rig.readEntry(0x0e)));
    }

    // kvm-unit-tests test_ioapic_physical_destination_mode: dest_id 1 reaches CPU 1 only
    @Test
    void physicalDestinationModeReachesTheRightCpu() {
        final int[] perCpu = new int[2];
        rig.handleEverywhere(0x85, cpu -> {
            perCpu[cpu]++;
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, IoApicRig.fixed(0x85, true, 1));
        rig.line(LINE, true);
        rig.runAll();
        assertEquals(0, perCpu[0]);
        assertEquals(1, perCpu[1]);
        assertFalse(rig.remoteIrr(LINE));
    }

    // kvm-unit-tests test_ioapic_logical_destination_mode: dest 0xd (flat) reaches CPUs 0, 2 and 3
    @Test
    void logicalDestinationModeReachesEveryCpuInTheSet() {
        final IoApicRig r = new IoApicRig(IoApicModel.ich(24), 0, 4, false);
        final int[] perCpu = new int[4];
        for (int cpu = 0; cpu < 4; cpu++) {
            r.lapicWrite(cpu, LocalApicRegisters.LDR, (1 << cpu) << 24);
        }
        r.handleEverywhere(0x86, cpu -> {
            perCpu[cpu]++;
            r.line(LINE, false);
            r.eoi(cpu);
        });
        r.writeEntry(LINE, Rte.of(0x86, Rte.DM_FIXED, true, false, true, false, 0x0d));
        r.line(LINE, true);
        r.runAll();
        assertEquals("[1, 0, 1, 1]", java.util.Arrays.toString(perCpu));
        assertFalse(r.remoteIrr(LINE));
    }

    // kvm-unit-tests (ioapic_redir_entry_t remote_irr / delivery_status): both bits are read-only
    @Test
    void remoteIrrAndDeliveryStatusAreReadOnly() {
        rig.handle(0, 0x87, cpu -> {
            final long e = rig.readEntry(LINE);
            assertTrue(Rte.remoteIrr(e));
            rig.writeEntry(LINE, e & ~Rte.REMOTE_IRR);
            assertTrue(rig.remoteIrr(LINE), "software cannot clear Remote IRR");
            rig.line(LINE, false);
            rig.eoi(cpu);
        });
        rig.writeEntry(LINE, level(0x87) | Rte.DELIVERY_STATUS | Rte.REMOTE_IRR);
        assertFalse(rig.remoteIrr(LINE));
        assertFalse(rig.deliveryStatus(LINE));
        rig.line(LINE, true);
        assertEquals(1, rig.run(0));
        assertFalse(rig.remoteIrr(LINE));
    }

    // kvm-unit-tests / SDM 10.8.5 directed EOI: with SVR bit 12 set, the IO-APIC EOI register completes a level interrupt
    @Test
    void eoiBroadcastSuppressionPlusIoApicEoiRegisterCompleteLevelInterrupt() {
        final IoApicRig r = new IoApicRig(IoApicModel.ich(24), 0, 1, true);
        r.lapicWrite(0, LocalApicRegisters.SVR, 0x11FF);
        final int[] n = {0};
        r.handle(0, 0x88, cpu -> {
            n[0]++;
            r.line(LINE, false);
            r.eoi(cpu);
            assertTrue(r.remoteIrr(LINE), "LAPIC EOI not broadcast");
            r.ioapicEoiRegister(0x88);
        });
        r.writeEntry(LINE, level(0x88));
        r.line(LINE, true);
        r.run(0);
        assertEquals(1, n[0]);
        assertFalse(r.remoteIrr(LINE));
        r.line(LINE, true); // the next assertion is delivered: the interrupt was completed
        r.run(0);
        assertEquals(2, n[0]);
        assertEquals(0, r.lapic(0).eoiBroadcastCount());
    }
}
