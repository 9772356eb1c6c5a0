package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import static io.irqsim.hw.apic.LocalApicRegisters.DFR;
import static io.irqsim.hw.apic.LocalApicRegisters.ESR;
import static io.irqsim.hw.apic.LocalApicRegisters.ESR_SEND_ILLEGAL_VECTOR;
import static io.irqsim.hw.apic.LocalApicRegisters.ICR_HIGH;
import static io.irqsim.hw.apic.LocalApicRegisters.ICR_LOW;
import static io.irqsim.hw.apic.LocalApicRegisters.LDR;
import static io.irqsim.hw.apic.LocalApicRegisters.SVR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The APIC bus's MSI decode (Intel SDM vol. 3 "Message Address Register Format" and "Message Data
 * Register Format": address bit 2 destination mode, data bits 10:8 delivery mode, bit 15 trigger
 * mode), IPI acceptance counts, and where the lowest-priority rotation starts (Xen
 * {@code vlapic_lowest_prio}, {@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}).
 */
class ApicBusMessageDecodeTest {

    private final RecordingHwTrace trace = new RecordingHwTrace();
    private final ApicBus bus = new ApicBus(trace);
    private final LocalApic[] cpu = new LocalApic[3];

    ApicBusMessageDecodeTest() {
        for (int i = 0; i < cpu.length; i++) {
            cpu[i] = new LocalApic(i, i, false, trace);
            bus.attach(cpu[i]);
            cpu[i].writeRegister(SVR, 0x1FF);
        }
    }

    // SDM "Message Address Register Format": bit 2 (DM) = 1 is logical destination mode, so the
    // destination ID (bits 19:12) is matched against LDR, not the APIC ID
    @Test
    void msiAddressBit2SelectsLogicalDestinationMode() {
        cpu[2].writeRegister(DFR, 0xFFFF_FFFF);
        cpu[2].writeRegister(LDR, 0x0100_0000); // flat logical ID 0x01
        assertEquals(1, bus.sendMsi(0xFEE0_1004L, 0x0041));
        assertTrue(cpu[2].irr(0x41), "logical 0x01 is cpu2's LDR");
        assertFalse(cpu[1].irr(0x41), "not APIC ID 1");
    }

    // SDM "Message Data Register Format": bits 10:8 carry the delivery mode (100 = NMI) and bit 15
    // the trigger mode (0 = edge: TMR cleared)
    @Test
    void msiDataCarriesDeliveryModeAndTriggerMode() {
        assertEquals(1, bus.sendMsi(0xFEE0_0000L, 0x0400));
        assertTrue(cpu[0].isNmiPending());
        cpu[1].accept(0x52, Rte.DM_FIXED, true);
        assertTrue(cpu[1].tmr(0x52));
        assertEquals(1, bus.sendMsi(0xFEE0_1000L, 0x0052));
        assertFalse(cpu[1].tmr(0x52), "an edge MSI clears the TMR bit");
    }

    // SDM "Message Address Register Format": a write outside 0xFEExxxxx is no interrupt message;
    // counted undeliverable and traced with the data and 0 accepted
    @Test
    void writeOutsideTheMsiWindowIsTracedWithNobodyAccepting() {
        assertEquals(0, bus.sendMsi(0xFEC0_0000L, 0x8000_0031));
        assertEquals(new RecordingHwTrace.Event(HwEvent.APIC_BUS_MSI, 0xFEC0_0000L, 0x8000_0031L, 0),
            trace.last(HwEvent.APIC_BUS_MSI));
        assertEquals(1, bus.undeliverableCount());
    }

    // SDM 10.6.1 (ICR shorthands): sendIpi reports how many LAPICs accepted, for each shorthand
    @Test
    void ipiReturnsHowManyLapicsAccepted() {
        assertEquals(3, bus.sendIpi(cpu[0], 0x60, Rte.DM_FIXED, false, 0, IpiSink.SHORTHAND_ALL));
        assertEquals(2, bus.sendIpi(cpu[0], 0x61, Rte.DM_FIXED, false, 0, IpiSink.SHORTHAND_ALL_BUT_SELF));
        assertEquals(1, bus.sendIpi(cpu[0], 0x62, Rte.DM_FIXED, false, 2, IpiSink.SHORTHAND_NONE));
    }

    // ApicBus trace contract (APIC_BUS_NO_TARGET: b = vector | mode << 8, c = 1 if logical): a lowest-priority
    // message nobody is addressed by carries its mode, and c its destination mode
    @Test
    void undeliverableLowestPriorityMessageIsTracedWithItsMode() {
        assertEquals(0, bus.sendInterrupt(0x50, Rte.DM_LOWEST_PRIORITY, false, 0x09, false));
        assertEquals(new RecordingHwTrace.Event(HwEvent.APIC_BUS_NO_TARGET, 0x09, 0x50 | (Rte.DM_LOWEST_PRIORITY << 8), 0),
            trace.last(HwEvent.APIC_BUS_NO_TARGET));
        assertEquals(0, bus.sendInterrupt(0x51, Rte.DM_FIXED, true, 0x09, false)); // no LDR set: nobody
        assertEquals(new RecordingHwTrace.Event(HwEvent.APIC_BUS_NO_TARGET, 0x09, 0x51, 1),
            trace.last(HwEvent.APIC_BUS_NO_TARGET), "c = 1: logical destination");
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_lowest_prio@RELEASE-4.20.0: the walk starts at the vCPU after
    // round_robin_prev_vcpu, so with every PPR equal the one after it wins
    @Test
    void lowestPriorityWalkStartsAfterTheGivenLapic() {
        bus.startLowestPriorityAfter(0);
        assertEquals(1, bus.sendInterrupt(0x70, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
        assertTrue(cpu[1].irr(0x70), "the walk starts after cpu0");
        bus.startLowestPriorityAfter(1);
        assertEquals(1, bus.sendInterrupt(0x71, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
        assertTrue(cpu[2].irr(0x71));
        assertThrows(IllegalArgumentException.class, () -> bus.startLowestPriorityAfter(-1));
    }

    // vlapic_ipi@RELEASE-4.20.0: a lowest-priority IPI picks its target (vlapic_lowest_prio, which moves
    // round_robin_prev_vcpu) before it refuses a vector below 16 with APIC_ESR_SENDILL, so the next
    // lowest-priority message starts after the LAPIC the refused IPI picked; a physical LAPIC refuses it
    // before the bus sees it
    @Test
    void aRefusedLowestPriorityIpiMovesTheCursorOnlyOnAXenVlapic() {
        for (final LocalApicModel model : LocalApicModel.values()) {
            final ApicBus b = new ApicBus(trace);
            final LocalApic[] l = new LocalApic[3];
            for (int i = 0; i < l.length; i++) {
                l[i] = new LocalApic(i, i, false, trace, model);
                b.attach(l[i]);
                l[i].writeRegister(SVR, 0x1FF);
            }
            b.startLowestPriorityAfter(0);
            l[0].writeRegister(ICR_HIGH, 0xFF00_0000);
            l[0].writeRegister(ICR_LOW, 0x0105);        // lowest priority, vector 5, physical, no shorthand
            l[0].writeRegister(ESR, 0);                 // the ESR latches the errors at a write
            assertEquals(ESR_SEND_ILLEGAL_VECTOR, l[0].readRegister(ESR), model + ": send illegal vector");
            assertEquals(1, b.sendInterrupt(0x70, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
            final int expected = model == LocalApicModel.XEN_VLAPIC ? 2 : 1;
            assertTrue(l[expected].irr(0x70), model + ": the refused IPI picked cpu1, so cpu" + expected + " is next");
        }
    }

    // with the self shorthand the sender is vlapic_lowest_prio's only candidate: the refused IPI picks it
    @Test
    void aRefusedSelfLowestPriorityIpiMovesTheCursorPastTheSender() {
        final ApicBus b = new ApicBus(trace);
        final LocalApic[] l = new LocalApic[3];
        for (int i = 0; i < l.length; i++) {
            l[i] = new LocalApic(i, i, false, trace, LocalApicModel.XEN_VLAPIC);
            b.attach(l[i]);
            l[i].writeRegister(SVR, 0x1FF);
        }
        b.startLowestPriorityAfter(2);
        l[1].writeRegister(ICR_LOW, (IpiSink.SHORTHAND_SELF << 18) | 0x0105);
        assertEquals(1, b.sendInterrupt(0x70, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
        assertTrue(l[2].irr(0x70), "the refused self IPI picked cpu1, so cpu2 is next (not cpu0)");
    }
}
