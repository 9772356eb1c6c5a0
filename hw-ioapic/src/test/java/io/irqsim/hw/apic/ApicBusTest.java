package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.hw.apic.LocalApicRegisters.ICR_HIGH;
import static io.irqsim.hw.apic.LocalApicRegisters.ICR_LOW;
import static io.irqsim.hw.apic.LocalApicRegisters.SVR;
import static io.irqsim.hw.apic.LocalApicRegisters.TPR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The APIC bus: interrupt messages, IPIs, MSIs to LAPICs and EOI messages to every IO-APIC (SDM 10.6, 10.8.5, 10.11). */
class ApicBusTest {

    private final RecordingHwTrace trace = new RecordingHwTrace();
    private final ApicBus bus = new ApicBus(trace);
    private final LocalApic[] cpu = new LocalApic[3];

    ApicBusTest() {
        for (int i = 0; i < cpu.length; i++) {
            cpu[i] = new LocalApic(i, i, false, trace);
            bus.attach(cpu[i]);
            cpu[i].writeRegister(SVR, 0x1FF);
        }
    }

    // QEMU ioapic_eoi_broadcast / crosvm ApicBusMsg::Eoi: a LAPIC's EOI message reaches every listener
    @Test
    void eoiMessageReachesEveryIoApic() {
        final List<String> heard = new ArrayList<>();
        bus.addEoiListener(v -> heard.add("a" + Integer.toHexString(v)));
        bus.addEoiListener(v -> heard.add("b" + Integer.toHexString(v)));
        cpu[1].accept(0x61, Rte.DM_FIXED, true);
        cpu[1].acknowledge();
        cpu[1].writeRegister(LocalApicRegisters.EOI, 0);
        assertEquals(List.of("a61", "b61"), heard);
        assertEquals(0x61, trace.last(HwEvent.APIC_BUS_EOI).a());
    }

    // ApicBus.attach: two LAPICs with one APIC ID on a bus is a configuration error
    @Test
    void attachRejectsDuplicateApicId() {
        assertThrows(IllegalArgumentException.class, () -> bus.attach(new LocalApic(7, 1, false, trace)));
        assertEquals(3, bus.lapics().size());
        assertSame(cpu[2], bus.lapic(2));
        assertNull(bus.lapic(9));
    }

    // SDM 10.6.2.1: fixed delivery to every addressed LAPIC; count is returned
    @Test
    void fixedMessageGoesToEveryAddressedLapic() {
        assertEquals(3, bus.sendInterrupt(0x40, Rte.DM_FIXED, false, 0xFF, false));
        assertEquals(1, bus.sendInterrupt(0x41, Rte.DM_FIXED, false, 2, true));
        assertTrue(cpu[2].irr(0x41));
        assertTrue(cpu[2].tmr(0x41));
    }

    // ApicBus: a message nobody accepts is counted and traced
    @Test
    void messageNobodyAcceptsIsCountedUndeliverable() {
        assertEquals(0, bus.sendInterrupt(0x40, Rte.DM_FIXED, false, 9, false));
        assertEquals(1, bus.undeliverableCount());
        assertEquals(new RecordingHwTrace.Event(HwEvent.APIC_BUS_NO_TARGET, 9, 0x40, 0),
            trace.last(HwEvent.APIC_BUS_NO_TARGET));
    }

    // SDM 10.6.2.4; ApicBus class comment: lowest priority picks the lowest PPR; ties rotate after the last winner
    @Test
    void lowestPriorityPicksLowestPprAndRotatesTies() {
        cpu[0].writeRegister(TPR, 0x30);
        assertEquals(1, bus.sendInterrupt(0x50, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
        assertTrue(cpu[1].irr(0x50), "cpu1 and cpu2 tie at 0; cpu1 comes first");
        assertEquals(1, bus.sendInterrupt(0x51, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
        assertTrue(cpu[2].irr(0x51), "rotation continues after the previous winner");
        assertEquals(1, bus.sendInterrupt(0x52, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
        assertTrue(cpu[1].irr(0x52), "cpu0 keeps losing on priority");
        assertFalse(cpu[0].irr(0x50) || cpu[0].irr(0x51) || cpu[0].irr(0x52));
    }

    // SDM 10.6.2.4: lowest priority among addressed LAPICs only; none addressed = undeliverable
    @Test
    void lowestPriorityWithNoAddressedLapicDeliversNothing() {
        assertEquals(0, bus.sendInterrupt(0x50, Rte.DM_LOWEST_PRIORITY, true, 0x00, false));
        assertEquals(1, bus.undeliverableCount());
    }

    // SDM 10.6.1 (ICR destination shorthand 11): all excluding self
    @Test
    void allButSelfIpiSkipsTheSender() {
        cpu[0].writeRegister(ICR_LOW, (IpiSink.SHORTHAND_ALL_BUT_SELF << 18) | 0x45);
        assertFalse(cpu[0].irr(0x45));
        assertTrue(cpu[1].irr(0x45));
        assertTrue(cpu[2].irr(0x45));
    }

    // SDM 10.6.1 (shorthand 10): all including self
    @Test
    void allIncludingSelfIpiReachesEveryCpu() {
        cpu[1].writeRegister(ICR_LOW, (IpiSink.SHORTHAND_ALL << 18) | 0x46);
        for (final LocalApic l : cpu) {
            assertTrue(l.irr(0x46));
        }
    }

    // kvm-unit-tests x86/apic.c: a fixed IPI to another CPU's APIC ID reaches only that CPU
    @Test
    void fixedIpiReachesTheOtherCpu() {
        cpu[0].writeRegister(ICR_HIGH, 0x0200_0000);
        cpu[0].writeRegister(ICR_LOW, 0x47);
        assertFalse(cpu[0].irr(0x47));
        assertFalse(cpu[1].irr(0x47));
        assertTrue(cpu[2].irr(0x47));
        assertFalse(cpu[2].tmr(0x47));
        cpu[0].writeRegister(ICR_LOW, 0x400); // NMI IPI to cpu2
        assertTrue(cpu[2].isNmiPending());
    }

    // SDM 10.11 (MSI): address bits 19:12 destination, bit 2 logical; data 7:0 vector, 10:8 mode, 15 trigger
    @Test
    void msiWriteIsDecodedIntoAnInterruptMessage() {
        assertEquals(1, bus.sendMsi(0xFEE0_1000L, 0x8031));
        assertTrue(cpu[1].irr(0x31));
        assertTrue(cpu[1].tmr(0x31));
        assertEquals(0, bus.sendMsi(0xFED0_1000L, 0x0031), "outside 0xFEExxxxx");
        assertEquals(1, bus.undeliverableCount());
        assertEquals(new RecordingHwTrace.Event(HwEvent.APIC_BUS_MSI, 0xFEE0_1000L, 0x8031, 1),
            trace.events(HwEvent.APIC_BUS_MSI).get(0));
    }

    // Xen vlapic_ipi -> vlapic_lowest_prio(short_hand), KVM kvm_irq_delivery_to_apic: lowest priority with a
    // shorthand picks one LAPIC among those the shorthand names, the one with the lowest PPR
    @Test
    void aLowestPriorityIpiWithAShorthandReachesOneLapic() {
        cpu[0].writeRegister(TPR, 0x40);
        cpu[1].writeRegister(TPR, 0x10);
        cpu[2].writeRegister(TPR, 0x20);
        assertEquals(1, bus.sendIpi(cpu[1], 0x51, Rte.DM_LOWEST_PRIORITY, false, 0, IpiSink.SHORTHAND_ALL_BUT_SELF));
        assertTrue(cpu[2].irr(0x51), "the lower PPR of cpu 0 and 2");
        assertFalse(cpu[0].irr(0x51));
        assertFalse(cpu[1].irr(0x51), "not the sender");
        assertEquals(1, bus.sendIpi(cpu[1], 0x52, Rte.DM_LOWEST_PRIORITY, false, 0, IpiSink.SHORTHAND_ALL));
        assertTrue(cpu[1].irr(0x52), "all including self: the sender has the lowest PPR");
        assertFalse(cpu[0].irr(0x52) || cpu[2].irr(0x52));
        assertEquals(3, bus.sendIpi(cpu[1], 0x53, Rte.DM_FIXED, false, 0, IpiSink.SHORTHAND_ALL), "fixed: every one");
    }

    // Xen hvm_inject_msi reads the address's destination and mode bits only: deliverMsi skips the window test
    @Test
    void deliverMsiDecodesTheFieldsWhateverTheAddressWindow() {
        assertEquals(1, bus.deliverMsi(0xFED0_2000L, 0x0032));
        assertTrue(cpu[2].irr(0x32));
        assertFalse(cpu[2].tmr(0x32));
        assertEquals(0, bus.undeliverableCount());
        assertEquals(new RecordingHwTrace.Event(HwEvent.APIC_BUS_MSI, 0xFED0_2000L, 0x0032, 1),
            trace.last(HwEvent.APIC_BUS_MSI));
    }

    // Xen vlapic_lowest_prio: a target is an addressed vLAPIC that is software-enabled, whatever the vector
    @Test
    void hasEnabledTargetNeedsAnAddressedSoftwareEnabledLapic() {
        assertTrue(bus.hasEnabledTarget(false, 1));
        assertFalse(bus.hasEnabledTarget(false, 5), "no APIC ID 5");
        cpu[1].writeRegister(SVR, 0xFF);
        assertFalse(bus.hasEnabledTarget(false, 1), "software-disabled");
        assertTrue(bus.hasEnabledTarget(false, 0xFF), "broadcast still finds cpu 0 and 2");
        cpu[0].writeRegister(LocalApicRegisters.LDR, 0x0100_0000);
        assertTrue(bus.hasEnabledTarget(true, 0x01), "flat logical bit 0");
        assertFalse(bus.hasEnabledTarget(true, 0x02), "no enabled LAPIC has logical bit 1");
    }

    // SDM 10.6.2.4: a lowest-priority message on a bus with no LAPIC at all has no target: it is
    // undeliverable (0 accepted, counted), like one no LAPIC is addressed by
    @Test
    void lowestPriorityOnABusWithoutLapicsIsUndeliverable() {
        final ApicBus empty = new ApicBus(trace);
        assertEquals(0, empty.sendInterrupt(0x50, Rte.DM_LOWEST_PRIORITY, false, 0xFF, false));
        assertEquals(1, empty.undeliverableCount());
    }
}
