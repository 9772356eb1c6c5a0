package io.irqsim.hw.trace;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HwEvent class comment: codes are stable (stored in binary traces) and 1..63 belong to the hardware layer. */
class HwEventTest {

    private static final int[] CODES = {
        HwEvent.MMIO_UNMAPPED_READ, HwEvent.MMIO_UNMAPPED_WRITE, HwEvent.MMIO_REJECTED,
        HwEvent.IOAPIC_RTE_WRITE, HwEvent.IOAPIC_PIN_LEVEL, HwEvent.IOAPIC_DELIVER, HwEvent.IOAPIC_EOI,
        HwEvent.IOAPIC_STORM_DEFER, HwEvent.IOAPIC_MASKED_EDGE, HwEvent.IOAPIC_IGNORED_ACCESS,
        HwEvent.LAPIC_ACCEPT, HwEvent.LAPIC_ACK, HwEvent.LAPIC_EOI, HwEvent.APIC_BUS_EOI,
        HwEvent.APIC_BUS_NO_TARGET, HwEvent.APIC_BUS_MSI, HwEvent.PCI_INTX,
    };

    // HwEvent: "Codes 1..63 belong to the hardware layer"
    @Test
    void everyHardwareCodeIsDistinctNamedAndWithinTheHardwareRange() {
        final Set<Integer> codes = new HashSet<>();
        final Set<String> names = new HashSet<>();
        for (final int code : CODES) {
            assertTrue(code >= 1 && code <= HwEvent.LAST_HW_EVENT, "code " + code);
            assertTrue(codes.add(code), "duplicate code " + code);
            final String name = HwEvent.name(code);
            assertNotNull(name, "code " + code);
            assertTrue(names.add(name), "duplicate name " + name);
        }
    }

    // HwEvent: codes are stored in binary trace files, so their values must not drift
    @Test
    void storedCodesKeepTheirValues() {
        assertEquals(1, HwEvent.MMIO_UNMAPPED_READ);
        assertEquals(3, HwEvent.MMIO_REJECTED);
        assertEquals(6, HwEvent.IOAPIC_DELIVER);
        assertEquals(8, HwEvent.IOAPIC_STORM_DEFER);
        assertEquals(18, HwEvent.LAPIC_EOI);
        assertEquals(63, HwEvent.LAST_HW_EVENT);
    }

    // HwEvent.name: null for codes that are not hardware events
    @Test
    void unknownCodeHasNoName() {
        assertNull(HwEvent.name(0));
        assertNull(HwEvent.name(64));
        assertNull(HwEvent.name(-1));
    }

    // HwTrace.NONE discards every event without throwing
    @Test
    void noneTraceDiscardsEvents() {
        HwTrace.NONE.event(HwEvent.IOAPIC_DELIVER, 1, 2, 3);
        final RecordingHwTrace rec = new RecordingHwTrace();
        rec.event(HwEvent.IOAPIC_DELIVER, 1, 2, 3);
        assertEquals(1, rec.count(HwEvent.IOAPIC_DELIVER));
        assertEquals("ioapic_deliver(0x1, 0x2, 0x3)", rec.last(HwEvent.IOAPIC_DELIVER).toString());
    }
}
