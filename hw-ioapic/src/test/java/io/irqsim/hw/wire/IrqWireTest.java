package io.irqsim.hw.wire;

import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link IrqWire} and {@link WireKind}: the electrical model of interrupt lines. PCI INTx lines
 * are shared, open-drain, active-low with a pull-up (PCI Local Bus Specification 3.0, section
 * 2.2.6 "Interrupt Pins" and 2.2.6's note that INTx# are open drain / wire-ORed); ISA IRQ lines are
 * driven active-high by one device (82093AA datasheet: ISA interrupts are edge, active high).
 */
class IrqWireTest {

    /** Every interrupt message the IO-APIC sends, as vectors. */
    private final List<Integer> sent = new ArrayList<>();
    private final IoApic ioapic = new IoApic("ioapic-t", IoApicModel.ich(24), 1, 0,
        (vector, mode, logical, dest, level) -> {
            sent.add(vector);
            return 1;
        }, new VirtualClock(), HwTrace.NONE);

    // ---------------------------------------------------------------- PCI INTx: open drain, active low

    // PCI 3.0 2.2.6: INTx# is open drain; with nobody asserting, the pull-up holds it high
    @Test
    void pciIntxLineIdlesElectricallyHighWithNoDriverAsserting() {
        final IrqWire w = new IrqWire("gsi16", WireKind.PCI_INTX);
        assertTrue(w.electricalHigh());
        w.attachDriver("00:03.0");
        w.attachDriver("00:04.0");
        assertTrue(w.electricalHigh(), "attached but released drivers leave the line high");
        assertEquals(0, w.assertingDrivers());
    }

    // PCI 3.0 2.2.6: a device asserting its INTx# pulls the shared line low
    @Test
    void anyOneOfSeveralPciDriversPullsTheLineLow() {
        for (int who = 0; who < 3; who++) {
            final IrqWire w = new IrqWire("gsi17", WireKind.PCI_INTX);
            final int[] d = {w.attachDriver("a"), w.attachDriver("b"), w.attachDriver("c")};
            w.drive(d[who], true);
            assertFalse(w.electricalHigh(), "driver " + who + " alone pulls the line low");
            assertTrue(w.isAssertedBy(d[who]));
            assertEquals(1, w.assertingDrivers());
        }
    }

    // PCI 3.0 2.2.6 (wire-OR of open-drain outputs): the line stays low until the last driver releases
    @Test
    void sharedPciLineStaysLowUntilTheLastDriverReleases() {
        final IrqWire w = new IrqWire("gsi17", WireKind.PCI_INTX);
        final int a = w.attachDriver("00:04.0");
        final int b = w.attachDriver("00:05.0");
        w.drive(a, true);
        w.drive(b, true);
        assertEquals(2, w.assertingDrivers());
        w.drive(a, false);
        assertFalse(w.electricalHigh(), "b still pulls the line low after a releases");
        assertFalse(w.isAssertedBy(a));
        assertTrue(w.isAssertedBy(b));
        w.drive(b, false);
        assertTrue(w.electricalHigh(), "the pull-up wins once the last driver releases");
    }

    // open drain: asserting twice from one driver is still one pull, one release frees it
    @Test
    void repeatedAssertFromOneDriverCountsOnce() {
        final IrqWire w = new IrqWire("w", WireKind.PCI_INTX);
        final int a = w.attachDriver("a");
        w.drive(a, true);
        w.drive(a, true);
        assertEquals(1, w.assertingDrivers());
        w.drive(a, false);
        assertTrue(w.electricalHigh());
    }

    // ---------------------------------------------------------------- ISA: active high

    // 82093AA datasheet / ISA bus: an ISA IRQ line idles low and is driven high to request
    @Test
    void isaLineIsActiveHighAndIdlesLow() {
        final IrqWire w = new IrqWire("gsi4", WireKind.ISA);
        final int d = w.attachDriver("uart");
        assertFalse(w.electricalHigh());
        w.drive(d, true);
        assertTrue(w.electricalHigh());
        w.drive(d, false);
        assertFalse(w.electricalHigh());
    }

    @Test
    void wireKindMapsAssertingCountToLevel() {
        assertTrue(WireKind.PCI_INTX.electricalHigh(0));
        assertFalse(WireKind.PCI_INTX.electricalHigh(1));
        assertFalse(WireKind.PCI_INTX.electricalHigh(5));
        assertFalse(WireKind.ISA.electricalHigh(0));
        assertTrue(WireKind.ISA.electricalHigh(1));
        assertTrue(WireKind.ISA.electricalHigh(2));
    }

    // ---------------------------------------------------------------- connection to the IO-APIC pin

    // the IO-APIC input must see the wire's present level as soon as it is connected
    @Test
    void connectPushesTheIdleHighPciLevelToTheIoApicPin() {
        assertFalse(ioapic.input(16), "an unconnected pin starts low");
        final IrqWire w = new IrqWire("gsi16", WireKind.PCI_INTX);
        w.connect(ioapic, 16);
        assertTrue(ioapic.input(16), "the pulled-up PCI line reaches the pin high");
        assertSame(ioapic, w.ioapic());
        assertEquals(16, w.pin());
        assertTrue(sent.isEmpty(), "the reset entry is masked: the connect-time edge is dropped (82093AA)");
    }

    @Test
    void connectPushesAnAlreadyAssertedLevel() {
        final IrqWire w = new IrqWire("gsi5", WireKind.ISA);
        final int d = w.attachDriver("dev");
        w.drive(d, true);
        assertNull(w.ioapic());
        assertEquals(-1, w.pin());
        w.connect(ioapic, 5);
        assertTrue(ioapic.input(5), "an asserted ISA line reaches the pin high at connect time");
    }

    @Test
    void levelChangesAreForwardedToTheConnectedPin() {
        final IrqWire w = new IrqWire("gsi17", WireKind.PCI_INTX);
        w.connect(ioapic, 17);
        final int a = w.attachDriver("a");
        final int b = w.attachDriver("b");
        w.drive(a, true);
        assertFalse(ioapic.input(17));
        w.drive(b, true);
        w.drive(a, false);
        assertFalse(ioapic.input(17), "still low while b holds it");
        w.drive(b, false);
        assertTrue(ioapic.input(17));
    }

    @Test
    void connectRejectsAPinTheIoApicDoesNotHave() {
        final IrqWire w = new IrqWire("gsi99", WireKind.PCI_INTX);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.connect(ioapic, 24));
        assertTrue(e.getMessage().contains("gsi99") && e.getMessage().contains("24"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> w.connect(ioapic, -1));
        assertNull(w.ioapic(), "a refused connect leaves the wire unconnected");
    }

    // ---------------------------------------------------------------- drivers

    @Test
    void aWireTakesAtMost64Drivers() {
        final IrqWire w = new IrqWire("busy", WireKind.PCI_INTX);
        for (int i = 0; i < IrqWire.MAX_DRIVERS; i++) {
            assertEquals(i, w.attachDriver("d" + i));
        }
        assertEquals(64, w.driverCount());
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.attachDriver("one too many"));
        assertTrue(e.getMessage().contains("64"), e.getMessage());
        assertEquals(64, w.driverCount());
        // the 64th driver (bit 63) works like any other
        w.drive(63, true);
        assertFalse(w.electricalHigh());
        assertTrue(w.isAssertedBy(63));
        assertEquals(1, w.assertingDrivers());
        w.drive(63, false);
        assertTrue(w.electricalHigh());
        assertEquals("d63", w.driverName(63));
    }

    @Test
    void driveWithAHandleThatWasNeverAttachedIsRejectedAndChangesNothing() {
        final IrqWire w = new IrqWire("gsi16", WireKind.PCI_INTX);
        w.connect(ioapic, 16);
        final int a = w.attachDriver("a");
        assertThrows(IllegalArgumentException.class, () -> w.drive(a + 1, true));
        assertThrows(IllegalArgumentException.class, () -> w.drive(-1, true));
        assertThrows(IllegalArgumentException.class, () -> w.drive(64, true));
        assertTrue(w.electricalHigh());
        assertEquals(0, w.assertingDrivers());
        assertTrue(ioapic.input(16));
    }

    @Test
    void describesItself() {
        final IrqWire w = new IrqWire("gsi16", WireKind.PCI_INTX);
        w.drive(w.attachDriver("nic"), true);
        assertEquals("gsi16", w.name());
        assertEquals(WireKind.PCI_INTX, w.kind());
        assertEquals("nic", w.driverName(0));
        assertEquals("gsi16(PCI_INTX, low, 1 asserting)", w.toString());
    }

    @Test
    void queriesWithAHandleNobodyGotAreRejected() {
        final IrqWire w = new IrqWire("gsi16", WireKind.PCI_INTX);
        w.attachDriver("a");
        assertThrows(IllegalArgumentException.class, () -> w.isAssertedBy(1));
        assertThrows(IllegalArgumentException.class, () -> w.driverName(64));
        assertThrows(IllegalArgumentException.class, () -> w.isAssertedBy(-1));
    }
}
