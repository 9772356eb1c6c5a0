package io.irqsim.guest.device;

import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.IrqWire;
import io.irqsim.hw.wire.WireKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The NIC-like test device's BAR0 registers and its INTx behaviour (a level-triggered PCI interrupt). */
class NicTestDeviceTest {

    private PciFunction function;
    private NicTestDevice dev;

    @BeforeEach
    void device() {
        function = new PciFunction(new Bdf(0, 3, 0), "nic", 0x8086, 0x100e, 0x020000, 1, HwTrace.NONE);
        dev = new NicTestDevice(function);
    }

    private long reg(final int offset) {
        return dev.read(offset, 4);
    }

    @Test
    void latencyRunsFromTheRaiseThatMadeItPendingToTheAcknowledge() {
        final long[] now = {1_000};
        final NicTestDevice timed = new NicTestDevice(
            new PciFunction(new Bdf(0, 4, 0), "nic", 0x8086, 0x100e, 0x020000, 1, HwTrace.NONE), () -> now[0]);
        timed.raise();
        now[0] = 3_000;
        timed.raise(); // coalesces: the pending interrupt still counts from 1000
        now[0] = 11_000;
        timed.write(NicTestDevice.REG_ACK, 4, NicTestDevice.STATUS_PENDING);
        timed.raise();
        now[0] = 15_000;
        timed.write(NicTestDevice.REG_ACK, 4, NicTestDevice.STATUS_PENDING);
        assertEquals(10_000, timed.maxLatencyNs());
        assertEquals((10_000 + 4_000) / 2, timed.meanLatencyNs());
        assertEquals(1, timed.coalesced());
    }

    @Test
    void noAcknowledgeMeansNoLatency() {
        dev.raise();
        assertEquals(0, dev.meanLatencyNs());
        assertEquals(0, dev.maxLatencyNs());
    }

    @Test
    void declaresA4KibMemoryBar0WithItselfBehindIt() {
        assertEquals(NicTestDevice.BAR_SIZE, function.barSize(0));
        assertSame(dev, function.barDevice(0));
        assertEquals(0, function.configRead(PciConfigRegisters.BAR0, 4) & 1, "a memory BAR, not I/O");
        assertSame(function, dev.function());
        assertEquals("nic-test@00:03.0", dev.name());
    }

    @Test
    void idRegisterSpellsIrqsInMemory() {
        final long id = reg(NicTestDevice.REG_ID);
        assertEquals(0x5351_5249L, id);
        final byte[] bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) id).array();
        assertEquals("IRQS", new String(bytes, StandardCharsets.US_ASCII));
    }

    @Test
    void resetStateIsIdle() {
        assertEquals(0, reg(NicTestDevice.REG_STATUS));
        assertEquals(0, reg(NicTestDevice.REG_RAISED));
        assertEquals(0, reg(NicTestDevice.REG_ACKED));
        assertFalse(function.isDrivingIntx());
    }

    @Test
    void raiseSetsStatusAndAssertsIntx() {
        // the device's interrupt condition: status bit 3 in config space, INTx# driven
        dev.raise();
        assertEquals(NicTestDevice.STATUS_PENDING, reg(NicTestDevice.REG_STATUS));
        assertTrue(dev.isPending());
        assertTrue(function.interruptRequest());
        assertTrue(function.isDrivingIntx());
        assertEquals(PciConfigRegisters.STATUS_INTERRUPT,
            function.configRead(PciConfigRegisters.STATUS, 2) & PciConfigRegisters.STATUS_INTERRUPT);
        assertEquals(1, reg(NicTestDevice.REG_RAISED));
    }

    @Test
    void raiseWhilePendingCoalesces() {
        // a level interrupt: a second event before the driver acknowledges adds nothing to the line
        dev.raise();
        dev.raise();
        dev.raise();
        assertEquals(3, dev.raised());
        assertEquals(2, dev.coalesced());
        assertEquals(3, reg(NicTestDevice.REG_RAISED));
        assertTrue(dev.isPending());
        dev.write(NicTestDevice.REG_ACK, 4, NicTestDevice.STATUS_PENDING);
        assertEquals(1, dev.acked(), "one acknowledge clears all of them");
        assertFalse(dev.isPending());
    }

    @Test
    void ackIsWriteOneToClearAndReleasesIntx() {
        dev.raise();
        dev.write(NicTestDevice.REG_ACK, 4, 0);
        assertTrue(dev.isPending(), "writing 0 clears nothing");
        dev.write(NicTestDevice.REG_ACK, 4, 0xFFFF_FFFEL);
        assertTrue(dev.isPending(), "only bit 0 acknowledges");
        dev.write(NicTestDevice.REG_ACK, 4, NicTestDevice.STATUS_PENDING);
        assertFalse(dev.isPending());
        assertEquals(0, reg(NicTestDevice.REG_STATUS));
        assertFalse(function.isDrivingIntx());
        assertFalse(function.interruptRequest());
        assertEquals(1, reg(NicTestDevice.REG_ACKED));
    }

    @Test
    void ackWithNothingPendingCountsNothing() {
        dev.write(NicTestDevice.REG_ACK, 4, NicTestDevice.STATUS_PENDING);
        assertEquals(0, dev.acked());
        assertEquals(0, reg(NicTestDevice.REG_ACKED));
    }

    @Test
    void doorbellRaisesAnInterrupt() {
        dev.write(NicTestDevice.REG_DOORBELL, 4, 0);
        assertTrue(dev.isPending());
        assertEquals(1, dev.raised());
        dev.write(NicTestDevice.REG_DOORBELL, 4, 0x1234);
        assertEquals(2, dev.raised());
        assertEquals(1, dev.coalesced());
    }

    @Test
    void readOnlyRegistersIgnoreWrites() {
        dev.raise();
        dev.write(NicTestDevice.REG_ID, 4, 0);
        dev.write(NicTestDevice.REG_STATUS, 4, 0);
        dev.write(NicTestDevice.REG_RAISED, 4, 0);
        dev.write(NicTestDevice.REG_ACKED, 4, 7);
        assertEquals(NicTestDevice.ID & 0xFFFF_FFFFL, reg(NicTestDevice.REG_ID));
        assertTrue(dev.isPending());
        assertEquals(1, reg(NicTestDevice.REG_RAISED));
        assertEquals(0, reg(NicTestDevice.REG_ACKED));
    }

    @Test
    void unknownOffsetsReadZeroAndIgnoreWrites() {
        dev.raise();
        for (final int off : new int[] {0x18, 0x1C, 0x100, 0xFFC}) {
            assertEquals(0, reg(off), "offset 0x" + Integer.toHexString(off));
            dev.write(off, 4, 0xFFFF_FFFFL);
        }
        assertTrue(dev.isPending());
        assertEquals(1, dev.raised());
        assertEquals(0, dev.acked());
    }

    @Test
    void onlyFourByteAccessesReachTheDevice() {
        // MmioDevice.acceptedSizes: ACCESS_4; the bus answers other sizes with all ones and drops writes
        assertEquals(MmioDevice.ACCESS_4, dev.acceptedSizes());
        final MmioBus bus = new MmioBus();
        bus.map(0xFE00_0000L, NicTestDevice.BAR_SIZE, dev);
        assertEquals(0xFFFFL, bus.read(0xFE00_0000L, 2));
        dev.raise();
        assertFalse(bus.write(0xFE00_0000L + NicTestDevice.REG_ACK, 1, 1));
        assertTrue(dev.isPending());
        assertEquals(0x5351_5249L, bus.read(0xFE00_0000L, 4));
    }

    @Test
    void interruptDisableKeepsIntxQuietUntilCleared() {
        // PCI command bit 10: the condition stays (status bit 3) but INTx# is not driven
        final IrqWire wire = new IrqWire("gsi16", WireKind.PCI_INTX);
        function.connectIntx(wire);
        function.configWrite(PciConfigRegisters.COMMAND, 2, PciConfigRegisters.COMMAND_INTX_DISABLE);
        dev.raise();
        assertTrue(dev.isPending());
        assertFalse(function.isDrivingIntx());
        assertTrue(wire.electricalHigh(), "an idle PCI line is pulled high");
        function.configWrite(PciConfigRegisters.COMMAND, 2, 0);
        assertTrue(function.isDrivingIntx());
        assertFalse(wire.electricalHigh(), "INTx# is active low");
        dev.write(NicTestDevice.REG_ACK, 4, NicTestDevice.STATUS_PENDING);
        assertFalse(function.isDrivingIntx());
        assertTrue(wire.electricalHigh());
    }
}
