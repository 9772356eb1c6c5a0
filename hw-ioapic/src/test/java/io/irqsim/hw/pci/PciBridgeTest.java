package io.irqsim.hw.pci;

import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import static io.irqsim.hw.pci.PciConfigRegisters.BAR0;
import static io.irqsim.hw.pci.PciConfigRegisters.HEADER_TYPE;
import static io.irqsim.hw.pci.PciConfigRegisters.INTERRUPT_PIN;
import static io.irqsim.hw.pci.PciConfigRegisters.PRIMARY_BUS;
import static io.irqsim.hw.pci.PciConfigRegisters.SECONDARY_BUS;
import static io.irqsim.hw.pci.PciConfigRegisters.SUBORDINATE_BUS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PciBridge}: the type-1 header's bus numbers (PCI-to-PCI Bridge Architecture
 * Specification 1.2, section 3.2.5.2-3.2.5.4) and the INTx swizzle of its table 9-1 (Linux
 * {@code pci_swizzle_interrupt_pin}).
 */
class PciBridgeTest {

    private final PciBridge bridge = new PciBridge(new Bdf(0, 0x1e, 0), "bridge", 0x8086, 0x244e, 1, HwTrace.NONE);

    // PCI-to-PCI Bridge Arch 1.2, 3.2: header type 01h, class 06/04/00
    @Test
    void bridgeHasAType1HeaderAndBridgeClass() {
        assertEquals(0x01, bridge.configRead(HEADER_TYPE, 1));
        assertEquals(PciConfigRegisters.HEADER_TYPE_BRIDGE, bridge.headerType());
        assertEquals(0x060400, bridge.classCode());
        assertEquals(0x06040000, bridge.configRead(0x08, 4));
        assertEquals(0x244e8086, bridge.configRead(0, 4));
        assertEquals(0, bridge.configRead(INTERRUPT_PIN, 1));
        assertTrue(bridge.isBridge());
    }

    // PCI-to-PCI Bridge Arch 1.2, 3.2.5.2-4: primary 0x18, secondary 0x19, subordinate 0x1A
    @Test
    void busNumberRegistersReadPrimarySecondaryAndSubordinate() {
        assertEquals(0x00, bridge.configRead(PRIMARY_BUS, 1));
        assertEquals(0x01, bridge.configRead(SECONDARY_BUS, 1));
        assertEquals(0x01, bridge.configRead(SUBORDINATE_BUS, 1));
        assertEquals(0x00010100, bridge.configRead(PRIMARY_BUS, 4));
        assertEquals(1, bridge.secondaryBus());
    }

    // bus numbers are read/write: the OS may renumber (Linux pci_scan_bridge)
    @Test
    void secondaryBusIsProgrammable() {
        bridge.configWrite(PRIMARY_BUS, 4, 0xFF_05_05_00);
        assertEquals(5, bridge.secondaryBus());
        assertEquals(0x00050500, bridge.configRead(PRIMARY_BUS, 4), "the secondary latency timer byte stays 0");
    }

    @Test
    void secondaryBusMustLieAboveThePrimary() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new PciBridge(new Bdf(2, 1, 0), "b", 0x8086, 0x244e, 2, HwTrace.NONE));
        assertTrue(e.getMessage().contains("02:01.0") && e.getMessage().contains("secondary bus 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
            () -> new PciBridge(new Bdf(2, 1, 0), "b", 0x8086, 0x244e, 1, HwTrace.NONE));
        assertThrows(IllegalArgumentException.class,
            () -> new PciBridge(new Bdf(0, 1, 0), "b", 0x8086, 0x244e, 256, HwTrace.NONE));
        assertEquals(255, new PciBridge(new Bdf(0, 1, 0), "b", 0x8086, 0x244e, 255, HwTrace.NONE).secondaryBus());
    }

    // PCI-to-PCI Bridge Arch 1.2, 3.2.5.1: a type-1 header has only two BARs
    @Test
    void bridgeHasOnlyTwoBars() {
        bridge.defineBar(1, 0x1000, false, null);
        bridge.configWrite(BAR0 + 4, 4, -1);
        assertEquals(0xFFFF_F000, bridge.configRead(BAR0 + 4, 4));
        assertThrows(IllegalArgumentException.class, () -> bridge.defineBar(2, 0x1000, false, null));
    }

    /**
     * PCI-to-PCI Bridge Architecture Specification 1.2, table 9-1, "Interrupt Routing on a
     * Bridge Add-in Card": row = device number on the secondary bus mod 4, column = the device's
     * interrupt pin INTA#..INTD#, entry = the bridge's primary-side pin it is connected to.
     */
    private static final String[] TABLE_9_1 = {"ABCD", "BCDA", "CDAB", "DABC"};

    @Test
    void swizzleFollowsTable9_1ForEverySlotAndPin() {
        for (int slot = 0; slot < 32; slot++) {
            for (int pin = 1; pin <= 4; pin++) {
                final int expected = TABLE_9_1[slot % 4].charAt(pin - 1) - 'A' + 1;
                assertEquals(expected, PciBridge.swizzle(slot, pin), "slot " + slot + " INT" + (char) ('A' + pin - 1));
            }
        }
    }

    // Linux pci_swizzle_interrupt_pin: (((pin - 1) + slot) % 4) + 1; the default platform's 01:02.0 INTA -> INTC
    @Test
    void slot2IntaAppearsOnTheBridgesIntc() {
        assertEquals(3, PciBridge.swizzle(2, 1));
        assertEquals(1, PciBridge.swizzle(0, 1));
        assertEquals(1, PciBridge.swizzle(1, 4));
        assertEquals(4, PciBridge.swizzle(31, 1));
    }
}
