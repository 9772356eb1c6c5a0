package io.irqsim.hw.pci;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.IrqWire;
import io.irqsim.hw.wire.WireKind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.hw.pci.PciConfigRegisters.BAR0;
import static io.irqsim.hw.pci.PciConfigRegisters.CLASS_CODE;
import static io.irqsim.hw.pci.PciConfigRegisters.COMMAND;
import static io.irqsim.hw.pci.PciConfigRegisters.COMMAND_INTX_DISABLE;
import static io.irqsim.hw.pci.PciConfigRegisters.DEVICE_ID;
import static io.irqsim.hw.pci.PciConfigRegisters.HEADER_TYPE;
import static io.irqsim.hw.pci.PciConfigRegisters.INTERRUPT_LINE;
import static io.irqsim.hw.pci.PciConfigRegisters.INTERRUPT_PIN;
import static io.irqsim.hw.pci.PciConfigRegisters.REVISION_ID;
import static io.irqsim.hw.pci.PciConfigRegisters.STATUS;
import static io.irqsim.hw.pci.PciConfigRegisters.STATUS_INTERRUPT;
import static io.irqsim.hw.pci.PciConfigRegisters.VENDOR_ID;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PciFunction}: the type-0 configuration header (PCI Local Bus Specification 3.0,
 * chapter 6: 6.1 "Configuration Space Organization", 6.2.2 Command, 6.2.3 Status, 6.2.5 Base
 * Addresses) and the function's INTx output.
 */
class PciFunctionTest {

    private final List<long[]> intxEvents = new ArrayList<>();
    private final HwTrace trace = (event, a, b, c) -> {
        if (event == HwEvent.PCI_INTX) {
            intxEvents.add(new long[] {a, b, c});
        }
    };
    /** An 82540EM-like NIC: 8086:100e, class 02/00/00, INTA#. */
    private final PciFunction nic = new PciFunction(new Bdf(0, 3, 0), "nic", 0x8086, 0x100e, 0x020000, 1, trace);

    // ---------------------------------------------------------------- reads

    // PCI 3.0 6.1: configuration space is little-endian; Vendor ID at 0x00, Device ID at 0x02
    @Test
    void vendorAndDeviceIdReadLittleEndianAtEverySize() {
        assertEquals(0x100e8086, nic.configRead(VENDOR_ID, 4));
        assertEquals(0x8086, nic.configRead(VENDOR_ID, 2));
        assertEquals(0x100e, nic.configRead(DEVICE_ID, 2));
        assertEquals(0x86, nic.configRead(0x00, 1));
        assertEquals(0x80, nic.configRead(0x01, 1));
        assertEquals(0x0e, nic.configRead(0x02, 1));
        assertEquals(0x10, nic.configRead(0x03, 1));
        assertEquals(0x8086, nic.vendorId());
        assertEquals(0x100e, nic.deviceId());
    }

    // PCI 3.0 6.2.1: Revision ID at 0x08, Class Code 0x09..0x0B (prog-if, sub-class, base class)
    @Test
    void classCodeReadsAsThreeBytesAboveTheRevision() {
        final PciFunction ahci = new PciFunction(new Bdf(0, 4, 0), "ahci", 0x8086, 0x2922, 0x010601, 1, trace);
        assertEquals(0x01060100, ahci.configRead(REVISION_ID, 4));
        assertEquals(0x00, ahci.configRead(REVISION_ID, 1));
        assertEquals(0x01, ahci.configRead(CLASS_CODE, 1), "programming interface");
        assertEquals(0x06, ahci.configRead(CLASS_CODE + 1, 1), "sub-class");
        assertEquals(0x01, ahci.configRead(CLASS_CODE + 2, 1), "base class");
        assertEquals(0x0106, ahci.configRead(0x0A, 2));
        assertEquals(0x0100, ahci.configRead(0x08, 2));
        assertEquals(0x010601, ahci.classCode());
    }

    // PCI 3.0 6.2.1: Header Type at 0x0E, 00h for a type-0 (endpoint) header
    @Test
    void headerTypeReadsZeroForAnEndpoint() {
        assertEquals(0x00, nic.configRead(HEADER_TYPE, 1));
        assertEquals(0x0000, nic.configRead(HEADER_TYPE, 2));
        assertEquals(0x00000000, nic.configRead(0x0C, 4));
        assertEquals(PciConfigRegisters.HEADER_TYPE_NORMAL, nic.headerType());
        assertFalse(nic.isBridge());
    }

    // PCI 3.0 6.2.4: Interrupt Pin at 0x3D, 01h = INTA#; Interrupt Line at 0x3C
    @Test
    void interruptPinReadsAtEverySize() {
        assertEquals(0x01, nic.configRead(INTERRUPT_PIN, 1));
        assertEquals(0x0100, nic.configRead(INTERRUPT_LINE, 2));
        assertEquals(0x00000100, nic.configRead(INTERRUPT_LINE, 4));
        assertEquals(1, nic.interruptPin());
        for (int pin = 0; pin <= 4; pin++) {
            final PciFunction f = new PciFunction(new Bdf(0, 9, 0), "f", 0x1234, 0x5678, 0, pin, trace);
            assertEquals(pin, f.configRead(INTERRUPT_PIN, 1));
        }
    }

    @Test
    void aFreshFunctionHasEverythingElseZero() {
        for (int off = 0x04; off < 0x100; off += 4) {
            if (off == 0x08 || off == 0x3C) {
                continue;
            }
            assertEquals(0, nic.configRead(off, 4), "offset 0x" + Integer.toHexString(off));
        }
    }

    // a configuration mechanism cannot issue a misaligned or out-of-range cycle: all ones, like a master abort
    @Test
    void misalignedOrOutOfRangeReadsReturnAllOnesOfTheSize() {
        assertEquals(0xFFFF, nic.configRead(0x01, 2));
        assertEquals(0xFFFF, nic.configRead(0x3D, 2));
        assertEquals(-1, nic.configRead(0x02, 4));
        assertEquals(-1, nic.configRead(0x01, 4));
        assertEquals(-1, nic.configRead(0x100, 4));
        assertEquals(-1, nic.configRead(-4, 4));
        assertEquals(0xFF, nic.configRead(0x100, 1));
        assertEquals(0xFF, nic.configRead(-1, 1));
        assertEquals(0xFFFF, nic.configRead(0xFF, 2));
        assertEquals(0xFFFF, nic.configRead(0x100, 2));
    }

    @Test
    void accessesOfUnsupportedSizeReadAllOnesAndAreIgnoredOnWrite() {
        assertEquals(0xFF, nic.configRead(INTERRUPT_LINE, 3) & 0xFF);
        nic.configWrite(INTERRUPT_LINE, 3, 0x0B);
        nic.configWrite(INTERRUPT_LINE, 8, 0x0B);
        nic.configWrite(INTERRUPT_LINE, 0, 0x0B);
        assertEquals(0, nic.interruptLine());
    }

    // ---------------------------------------------------------------- writes

    @Test
    void misalignedOrOutOfRangeWritesAreIgnored() {
        nic.configWrite(0x3B, 2, 0x0B00);        // would hit the interrupt line's byte
        nic.configWrite(0x3E, 4, 0xFFFF_FFFF);   // misaligned dword
        nic.configWrite(0x05, 2, 0xFFFF);        // misaligned word over the command register
        nic.configWrite(0x100, 1, 0xFF);
        nic.configWrite(-1, 1, 0xFF);
        nic.configWrite(0xFE, 4, -1);
        assertEquals(0, nic.interruptLine());
        assertEquals(0, nic.configRead(COMMAND, 2));
        assertEquals(0x100e8086, nic.configRead(0, 4));
    }

    // PCI 3.0 6.1: Vendor ID, Device ID, Revision ID, Class Code, Header Type and Interrupt Pin are read-only
    @Test
    void readOnlyFieldsIgnoreWritesAtEverySize() {
        for (final int size : new int[] {1, 2, 4}) {
            for (int off = 0; off < 0x0C; off += size) {
                if (off >= COMMAND && off < REVISION_ID) {
                    continue;
                }
                nic.configWrite(off, size, -1);
            }
            nic.configWrite(HEADER_TYPE, size == 4 ? 1 : size, -1);
            nic.configWrite(INTERRUPT_PIN, 1, 0);
            nic.configWrite(0x3C, size, -1);
        }
        assertEquals(0x100e8086, nic.configRead(VENDOR_ID, 4));
        assertEquals(0x02000000, nic.configRead(REVISION_ID, 4));
        assertEquals(0, nic.configRead(HEADER_TYPE, 1));
        assertEquals(1, nic.configRead(INTERRUPT_PIN, 1));
        assertEquals(0xFF, nic.interruptLine(), "the interrupt line register is read/write (PCI 3.0 6.2.4)");
    }

    // PCI 3.0 6.2.4: Interrupt Line is scratch for firmware/OS; cache line size and latency timer are R/W
    @Test
    void interruptLineCacheLineSizeAndLatencyTimerAreWritable() {
        nic.configWrite(INTERRUPT_LINE, 1, 11);
        assertEquals(11, nic.interruptLine());
        assertEquals(0x010B, nic.configRead(INTERRUPT_LINE, 2));
        nic.configWrite(0x0C, 4, 0xFFFF_4010);
        assertEquals(0x0000_4010, nic.configRead(0x0C, 4), "header type and BIST stay 0");
    }

    // PCI 3.0 6.2.2: the command bits this function implements (I/O, memory, master, parity, SERR#, INTx disable)
    @Test
    void commandRegisterKeepsOnlyImplementedBits() {
        nic.configWrite(COMMAND, 2, 0xFFFF);
        assertEquals(0x0547, nic.configRead(COMMAND, 2));
        nic.configWrite(COMMAND, 1, 0x00);
        assertEquals(0x0500, nic.configRead(COMMAND, 2), "a byte write leaves the other byte alone");
        nic.configWrite(COMMAND, 2, 0);
        assertEquals(0, nic.configRead(COMMAND, 2));
    }

    // PCI 3.0 6.2.3: status error bits (15:11, 8) are RW1C: writing 1 clears, writing 0 leaves
    @Test
    void statusErrorBitsAreWriteOneToClear() {
        nic.put16(STATUS, 0xF900); // the device records every error it can
        assertEquals(0xF900, nic.configRead(STATUS, 2));
        nic.configWrite(STATUS, 2, 0x0000);
        assertEquals(0xF900, nic.configRead(STATUS, 2), "writing 0 clears nothing");
        nic.configWrite(STATUS, 2, 0x0800);
        assertEquals(0xF100, nic.configRead(STATUS, 2), "only the bit written as 1 is cleared");
        nic.configWrite(STATUS + 1, 1, 0x01);
        assertEquals(0xF000, nic.configRead(STATUS, 2), "bit 8 (master data parity error) by byte write");
        // a dword write to the command register writes status too: clearing errors with it
        nic.configWrite(COMMAND, 4, 0xFFFF_0000);
        assertEquals(0, nic.configRead(STATUS, 2));
        assertEquals(0, nic.configRead(COMMAND, 2));
    }

    @Test
    void statusBitsOtherThanErrorsAreReadOnly() {
        nic.configWrite(STATUS, 2, 0x06FF);
        assertEquals(0, nic.configRead(STATUS, 2), "writing 1 to read-only status bits does not set them");
        nic.setInterruptRequest(true);
        nic.configWrite(STATUS, 2, 0xFFFF);
        assertEquals(STATUS_INTERRUPT, nic.configRead(STATUS, 2), "interrupt status is not write-1-to-clear");
    }

    // ---------------------------------------------------------------- INTx

    // PCI 3.0 6.2.3: status bit 3 reflects the function's interrupt condition
    @Test
    void statusBit3FollowsTheInterruptRequest() {
        nic.setInterruptRequest(true);
        assertEquals(STATUS_INTERRUPT, nic.configRead(STATUS, 2) & STATUS_INTERRUPT);
        assertTrue(nic.interruptRequest());
        nic.setInterruptRequest(false);
        assertEquals(0, nic.configRead(STATUS, 2) & STATUS_INTERRUPT);
        assertFalse(nic.interruptRequest());
    }

    @Test
    void interruptRequestDrivesTheConnectedPciLineLow() {
        final IrqWire wire = new IrqWire("gsi16", WireKind.PCI_INTX);
        nic.connectIntx(wire);
        assertSame(wire, nic.intxWire());
        assertEquals("00:03.0", wire.driverName(0));
        assertTrue(wire.electricalHigh());
        nic.setInterruptRequest(true);
        assertTrue(nic.isDrivingIntx());
        assertFalse(wire.electricalHigh());
        nic.setInterruptRequest(false);
        assertFalse(nic.isDrivingIntx());
        assertTrue(wire.electricalHigh());
        // trace: PCI_INTX(sbdf, driving, suppressed)
        assertEquals(2, intxEvents.size());
        assertArrayEquals(new long[] {0x18, 1, 0}, intxEvents.get(0));
        assertArrayEquals(new long[] {0x18, 0, 0}, intxEvents.get(1));
    }

    // PCI 3.0 6.2.2 (Interrupt Disable) and 6.2.3 (Interrupt Status): disable stops INTx# but the status bit stays
    @Test
    void intxDisableReleasesTheWireButKeepsStatusBit3AndClearingItDrivesAgain() {
        final IrqWire wire = new IrqWire("gsi16", WireKind.PCI_INTX);
        nic.connectIntx(wire);
        nic.setInterruptRequest(true);
        assertFalse(wire.electricalHigh());

        nic.configWrite(COMMAND, 2, COMMAND_INTX_DISABLE);
        assertTrue(nic.isIntxDisabled());
        assertTrue(wire.electricalHigh(), "INTx# released while interrupt disable is set");
        assertFalse(nic.isDrivingIntx());
        assertEquals(STATUS_INTERRUPT, nic.configRead(STATUS, 2) & STATUS_INTERRUPT, "status bit 3 still set");
        assertTrue(nic.interruptRequest());
        assertArrayEquals(new long[] {0x18, 0, 1}, intxEvents.get(intxEvents.size() - 1),
            "traced as suppressed by the disable bit");

        nic.configWrite(COMMAND + 1, 1, 0);
        assertFalse(nic.isIntxDisabled());
        assertFalse(wire.electricalHigh(), "clearing interrupt disable drives the pending condition again");
        assertTrue(nic.isDrivingIntx());
    }

    @Test
    void requestWhileDisabledOnlySetsStatusAndIsDrivenOnEnable() {
        final IrqWire wire = new IrqWire("gsi16", WireKind.PCI_INTX);
        nic.connectIntx(wire);
        nic.configWrite(COMMAND, 2, COMMAND_INTX_DISABLE);
        nic.setInterruptRequest(true);
        assertTrue(wire.electricalHigh());
        assertEquals(STATUS_INTERRUPT, nic.configRead(STATUS, 2) & STATUS_INTERRUPT);
        nic.setInterruptRequest(false);
        nic.configWrite(COMMAND, 2, 0);
        assertTrue(wire.electricalHigh(), "a condition that went away while disabled is not driven later");
        assertEquals(0, nic.configRead(STATUS, 2));
    }

    @Test
    void otherCommandWritesDoNotDisturbTheIntxOutput() {
        final IrqWire wire = new IrqWire("gsi16", WireKind.PCI_INTX);
        nic.connectIntx(wire);
        nic.setInterruptRequest(true);
        final int events = intxEvents.size();
        nic.configWrite(COMMAND, 2, 0x0007);
        assertFalse(wire.electricalHigh());
        assertEquals(events, intxEvents.size());
    }

    @Test
    void connectingIntxWithAPendingRequestDrivesTheWireAtOnce() {
        nic.setInterruptRequest(true);
        assertTrue(nic.isDrivingIntx(), "the output is asserted even before any wire is connected");
        final IrqWire wire = new IrqWire("gsi16", WireKind.PCI_INTX);
        nic.connectIntx(wire);
        assertFalse(wire.electricalHigh());
        nic.setInterruptRequest(false);
        assertTrue(wire.electricalHigh());
    }

    @Test
    void aFunctionWithoutAnInterruptPinNeverDrivesIntx() {
        final PciFunction host = new PciFunction(new Bdf(0, 0, 0), "host", 0x8086, 0x1237, 0x060000, 0, trace);
        final IrqWire wire = new IrqWire("gsi20", WireKind.PCI_INTX);
        host.connectIntx(wire);
        host.setInterruptRequest(true);
        assertTrue(wire.electricalHigh());
        assertFalse(host.isDrivingIntx());
        assertEquals(STATUS_INTERRUPT, host.configRead(STATUS, 2));
    }

    @Test
    void intxCanBeConnectedOnlyOnce() {
        nic.connectIntx(new IrqWire("gsi16", WireKind.PCI_INTX));
        final IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> nic.connectIntx(new IrqWire("gsi17", WireKind.PCI_INTX)));
        assertTrue(e.getMessage().contains("gsi16"), e.getMessage());
        assertEquals("gsi16", nic.intxWire().name());
    }

    // ---------------------------------------------------------------- BARs

    // PCI 3.0 6.2.5.1: write all ones, read back; the low writable bit gives the size; type bits read as set
    @Test
    void memoryBarSizingReadsBackTheSizeMask() {
        nic.defineBar(0, 0x2_0000, false, null);
        assertEquals(0, nic.configRead(BAR0, 4), "32-bit non-prefetchable memory BAR: type bits 0");
        nic.configWrite(BAR0, 4, 0xFFFF_FFFF);
        assertEquals(0xFFFE_0000, nic.configRead(BAR0, 4));
        assertEquals(0x2_0000, ~(nic.configRead(BAR0, 4) & 0xFFFF_FFF0) + 1, "size = ~(bar & ~0xF) + 1");
        nic.configWrite(BAR0, 4, 0xFEBC_0000);
        assertEquals(0xFEBC_0000L, nic.barAddress(0));
        assertEquals(0x2_0000, nic.barSize(0));
    }

    @Test
    void ioBarSizingKeepsBit0Set() {
        nic.defineBar(1, 0x40, true, null);
        assertEquals(0x1, nic.configRead(BAR0 + 4, 4));
        nic.configWrite(BAR0 + 4, 4, 0xFFFF_FFFF);
        assertEquals(0xFFFF_FFC1, nic.configRead(BAR0 + 4, 4));
        nic.configWrite(BAR0 + 4, 4, 0xC000);
        assertEquals(0xC001, nic.configRead(BAR0 + 4, 4));
        assertEquals(0xC000L, nic.barAddress(1));
    }

    @Test
    void barAddressBitsBelowTheSizeAreHardwiredToZero() {
        nic.defineBar(0, 0x1000, false, null);
        nic.configWrite(BAR0, 4, 0xE000_1ABC);
        assertEquals(0xE000_1000, nic.configRead(BAR0, 4));
        nic.configWrite(BAR0 + 1, 1, 0xFF);
        assertEquals(0xE000_F000, nic.configRead(BAR0, 4), "byte writes to a BAR are masked the same way");
    }

    @Test
    void twoGibMemoryBarSizesToTheTopBit() {
        nic.defineBar(2, 1L << 31, false, null);
        nic.configWrite(BAR0 + 8, 4, -1);
        assertEquals(0x8000_0000, nic.configRead(BAR0 + 8, 4));
    }

    // PCI 3.0 6.2.5.1: unimplemented BARs are hardwired to zero
    @Test
    void unimplementedBarsReadZeroEvenAfterSizing() {
        for (int bar = 0; bar < PciConfigRegisters.BARS_TYPE0; bar++) {
            nic.configWrite(BAR0 + 4 * bar, 4, -1);
            assertEquals(0, nic.configRead(BAR0 + 4 * bar, 4));
            assertEquals(0, nic.barSize(bar));
            assertNull(nic.barDevice(bar));
        }
        assertEquals(0, nic.barSize(6));
        assertEquals(0, nic.barSize(-1));
        assertNull(nic.barDevice(6));
    }

    @Test
    void badBarDefinitionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> nic.defineBar(6, 0x1000, false, null));
        assertThrows(IllegalArgumentException.class, () -> nic.defineBar(-1, 0x1000, false, null));
        assertThrows(IllegalArgumentException.class, () -> nic.defineBar(0, 0x1800, false, null), "not a power of two");
        assertThrows(IllegalArgumentException.class, () -> nic.defineBar(0, 8, false, null), "memory BARs are at least 16 bytes");
        assertThrows(IllegalArgumentException.class, () -> nic.defineBar(0, 2, true, null), "I/O BARs are at least 4 bytes");
        assertThrows(IllegalArgumentException.class, () -> nic.defineBar(0, 1L << 32, false, null));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> nic.defineBar(0, 100, false, null));
        assertTrue(e.getMessage().contains("00:03.0") && e.getMessage().contains("power of two"), e.getMessage());
        assertEquals(0, nic.barSize(0));
        nic.defineBar(0, 4, true, null);
        assertEquals(4, nic.barSize(0));
    }

    // ---------------------------------------------------------------- construction

    @Test
    void invalidIdentityIsRejected() {
        final Bdf at = new Bdf(0, 7, 0);
        assertThrows(IllegalArgumentException.class, () -> new PciFunction(at, "x", 0x8086, 0x1, 0, 5, trace));
        assertThrows(IllegalArgumentException.class, () -> new PciFunction(at, "x", 0x8086, 0x1, 0, -1, trace));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new PciFunction(at, "x", 0xFFFF, 0x1, 0, 1, trace));
        assertTrue(e.getMessage().contains("vendor 0xffff"), "0xFFFF is what an absent function reads: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PciFunction(at, "x", 0x8086, 0x1_0000, 0, 1, trace));
    }

    @Test
    void describesItselfWithAddressNameAndIds() {
        assertEquals("00:03.0 nic [8086:100e]", nic.toString());
        assertEquals("nic", nic.name());
        assertEquals(new Bdf(0, 3, 0), nic.bdf());
    }
}
