package io.irqsim.hw.pci;

import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.irqsim.hw.pci.PciConfigRegisters.INTERRUPT_LINE;
import static io.irqsim.hw.pci.PciConfigRegisters.VENDOR_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PciRoot}: configuration access below the host bridge. An absent function master-aborts
 * and reads all ones (PCI Local Bus Specification 3.0, section 6.1: "the host bus to PCI bridge
 * must unambiguously report attempts to read the Vendor ID of non-existent devices ... by
 * returning 0FFFFh"; Linux {@code pci_bus_read_dev_vendor_id}).
 */
class PciRootTest {

    private final PciRoot root = new PciRoot();
    private final PciFunction nic = new PciFunction(new Bdf(0, 3, 0), "nic", 0x8086, 0x100e, 0x020000, 1, HwTrace.NONE);
    private final PciBridge bridge = new PciBridge(new Bdf(0, 0x1e, 0), "bridge", 0x8086, 0x244e, 1, HwTrace.NONE);

    @Test
    void absentFunctionReadsVendor0xFFFFAndAllOnesAtEverySize() {
        root.add(nic);
        final Bdf absent = new Bdf(0, 3, 1);
        assertEquals(0xFFFF, root.configRead(absent, VENDOR_ID, 2));
        assertEquals(-1, root.configRead(absent, VENDOR_ID, 4));
        assertEquals(0xFF, root.configRead(absent, INTERRUPT_LINE, 1));
        assertEquals(0xFFFF, root.configRead(new Bdf(5, 0, 0), VENDOR_ID, 2), "a bus nobody bridges to is absent too");
        assertNull(root.function(absent));
    }

    @Test
    void writesToAnAbsentFunctionAreDropped() {
        root.add(nic);
        root.configWrite(new Bdf(0, 3, 1), INTERRUPT_LINE, 1, 11);
        assertEquals(0, nic.interruptLine(), "function 1's write does not reach function 0");
        assertEquals(0xFFFF, root.configRead(new Bdf(0, 3, 1), VENDOR_ID, 2));
    }

    @Test
    void configAccessesReachThePresentFunction() {
        root.add(nic);
        assertEquals(0x100e8086, root.configRead(nic.bdf(), VENDOR_ID, 4));
        root.configWrite(nic.bdf(), INTERRUPT_LINE, 1, 11);
        assertEquals(11, nic.interruptLine());
        assertEquals(0x010B, root.configRead(nic.bdf(), INTERRUPT_LINE, 2));
        assertSame(nic, root.function(new Bdf(0, 3, 0)));
    }

    @Test
    void twoFunctionsAtOneAddressAreRejected() {
        root.add(nic);
        final PciFunction dup = new PciFunction(new Bdf(0, 3, 0), "dup", 0x1af4, 0x1000, 0x020000, 1, HwTrace.NONE);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> root.add(dup));
        assertTrue(e.getMessage().contains("00:03.0"), e.getMessage());
        assertSame(nic, root.function(new Bdf(0, 3, 0)), "the first function stays");
        assertEquals(1, root.functions().size());
    }

    @Test
    void aFunctionOnABusNoBridgeLeadsToIsRejected() {
        final PciFunction orphan = new PciFunction(new Bdf(1, 2, 0), "nic1", 0x8086, 0x10d3, 0x020000, 1, HwTrace.NONE);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> root.add(orphan));
        assertTrue(e.getMessage().contains("01:02.0") && e.getMessage().contains("bus 1"), e.getMessage());
        assertTrue(root.functions().isEmpty());
        root.add(bridge);
        root.add(orphan);
        assertSame(orphan, root.function(new Bdf(1, 2, 0)));
    }

    @Test
    void bridgeForFindsTheBridgeBySecondaryBus() {
        root.add(nic);
        root.add(bridge);
        assertSame(bridge, root.bridgeFor(1));
        assertNull(root.bridgeFor(2));
        bridge.configWrite(PciConfigRegisters.SECONDARY_BUS, 1, 4);
        assertSame(bridge, root.bridgeFor(4), "follows the secondary bus number as programmed");
        assertNull(root.bridgeFor(1));
    }

    @Test
    void functionsAreListedInAddressOrder() {
        final PciFunction nic1 = new PciFunction(new Bdf(1, 2, 0), "nic1", 0x8086, 0x10d3, 0x020000, 1, HwTrace.NONE);
        final PciFunction host = new PciFunction(new Bdf(0, 0, 0), "host", 0x8086, 0x1237, 0x060000, 0, HwTrace.NONE);
        root.add(bridge);
        root.add(nic1);
        root.add(nic);
        root.add(host);
        assertEquals(List.of(host, nic, bridge, nic1), root.functions());
    }

    @Test
    void twoBridgesToTheSameBusAreRejected() {
        root.add(bridge);
        final PciBridge second = new PciBridge(new Bdf(0, 0x1f, 0), "bridge2", 0x8086, 0x244e, 1, HwTrace.NONE);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> root.add(second));
        assertTrue(e.getMessage().contains("already leads to"), e.getMessage());
        assertNull(root.function(second.bdf()));
    }
}
