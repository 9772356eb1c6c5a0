package io.irqsim.guest.device;

import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.PciFunction;

import java.util.function.LongSupplier;

/**
 * A NIC-like PCI test device: one 4 KiB memory BAR with an interrupt status register, an
 * acknowledge register and a doorbell that makes it raise INTx, so scenarios, device models and
 * tests can generate interrupts and drivers can handle them the way a real driver does (read the
 * status through the BAR, acknowledge, EOI).
 *
 * <pre>
 * BAR0 offset  access  register
 *   0x00       R       ID: 0x53515249 ('I','R','Q','S' in memory, little-endian)
 *   0x04       R       STATUS: bit 0 = interrupt pending (the INTx condition)
 *   0x08       W1C     ACK: writing bit 0 clears the pending interrupt (INTx released)
 *   0x0C       W       DOORBELL: any write raises an interrupt (as a received packet would)
 *   0x10       R       RAISED: interrupts raised since reset
 *   0x14       R       ACKED: interrupts acknowledged since reset
 * </pre>
 * Only 4-byte accesses are accepted (the bus rejects others); unknown offsets read 0 and ignore writes.
 */
public final class NicTestDevice implements MmioDevice {

    /** BAR size. */
    public static final long BAR_SIZE = 0x1000;
    /** ID register. */
    public static final int REG_ID = 0x00;
    /** Status register. */
    public static final int REG_STATUS = 0x04;
    /** Acknowledge register. */
    public static final int REG_ACK = 0x08;
    /** Doorbell register. */
    public static final int REG_DOORBELL = 0x0C;
    /** Interrupts raised. */
    public static final int REG_RAISED = 0x10;
    /** Interrupts acknowledged. */
    public static final int REG_ACKED = 0x14;
    /** ID value. */
    public static final int ID = 0x5351_5249;
    /** Status bit: interrupt pending. */
    public static final int STATUS_PENDING = 1;

    private final PciFunction function;
    private boolean pending;
    private long raised;
    private long acked;
    private long coalesced;
    private final LongSupplier clock;
    private long pendingSince;
    private long latencySum;
    private long latencyMax;

    /**
     * Attaches the device model to a PCI function: declares BAR0 with this device behind it.
     *
     * @param function the PCI function
     */
    public NicTestDevice(final PciFunction function) {
        this(function, () -> 0L);
    }

    /**
     * Attaches the device model to a PCI function, measuring how long each interrupt stays pending
     * (from the raise that made it pending to the driver's acknowledge) in the given time.
     *
     * @param function the PCI function
     * @param clock virtual time in ns
     */
    public NicTestDevice(final PciFunction function, final LongSupplier clock) {
        this.function = function;
        this.clock = clock;
        function.defineBar(0, BAR_SIZE, false, this);
    }

    /** Raises an interrupt (a doorbell from the host side). A raise while one is pending coalesces. */
    public void raise() {
        raised++;
        if (pending) {
            coalesced++;
            return;
        }
        pending = true;
        pendingSince = clock.getAsLong();
        function.setInterruptRequest(true);
    }

    private void ack() {
        if (pending) {
            pending = false;
            acked++;
            final long latency = clock.getAsLong() - pendingSince;
            latencySum += latency;
            latencyMax = Math.max(latencyMax, latency);
            function.setInterruptRequest(false);
        }
    }

    @Override
    public long read(final long offset, final int size) {
        switch ((int) offset) {
            case REG_ID: return ID & 0xFFFF_FFFFL;
            case REG_STATUS: return pending ? STATUS_PENDING : 0;
            case REG_RAISED: return raised & 0xFFFF_FFFFL;
            case REG_ACKED: return acked & 0xFFFF_FFFFL;
            default: return 0;
        }
    }

    @Override
    public void write(final long offset, final int size, final long value) {
        if (offset == REG_ACK && (value & STATUS_PENDING) != 0) {
            ack();
        } else if (offset == REG_DOORBELL) {
            raise();
        }
    }

    @Override
    public String name() {
        return "nic-test@" + function.bdf();
    }

    /** @return the PCI function */
    public PciFunction function() {
        return function;
    }

    /** @return whether an interrupt is pending */
    public boolean isPending() {
        return pending;
    }

    /** @return interrupts raised */
    public long raised() {
        return raised;
    }

    /** @return interrupts acknowledged by a driver */
    public long acked() {
        return acked;
    }

    /** @return mean time from a raise that made an interrupt pending to the driver's acknowledge, in ns (0 if none) */
    public long meanLatencyNs() {
        return acked == 0 ? 0 : latencySum / acked;
    }

    /** @return the longest such time, in ns */
    public long maxLatencyNs() {
        return latencyMax;
    }

    /** @return raises that found an interrupt still pending */
    public long coalesced() {
        return coalesced;
    }
}
