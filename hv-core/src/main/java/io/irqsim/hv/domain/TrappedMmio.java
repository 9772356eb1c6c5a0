package io.irqsim.hv.domain;

import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.mmio.MmioDevice;

/**
 * An emulated device as a guest sees it: every access is a trap into the hypervisor, recorded
 * in the trace ({@link HvEvent#MMIO_TRAP}) before the device model handles it. Allocation-free.
 */
final class TrappedMmio implements MmioDevice {

    private final long base;
    private final MmioDevice device;
    private final TraceRecorder trace;

    TrappedMmio(final Domain domain, final long base, final MmioDevice device) {
        this.base = base;
        this.device = device;
        this.trace = domain.host().trace();
    }

    @Override
    public long read(final long offset, final int size) {
        final long v = device.read(offset, size);
        trace.event(HvEvent.MMIO_TRAP, base + offset, size, v);
        return v;
    }

    @Override
    public void write(final long offset, final int size, final long value) {
        trace.event(HvEvent.MMIO_TRAP, base + offset, size | (1 << 8), value);
        device.write(offset, size, value);
    }

    @Override
    public int acceptedSizes() {
        return device.acceptedSizes();
    }

    @Override
    public String name() {
        return device.name();
    }

    /** @return the device behind the trap */
    MmioDevice device() {
        return device;
    }

    /** @return the guest-physical base of the window */
    long base() {
        return base;
    }

    /**
     * Records a trap for an access that completes later.
     *
     * @param gpa guest-physical address
     * @param size size
     * @param write whether it is a write
     * @param value value written (0 for reads)
     */
    void traceAsync(final long gpa, final int size, final boolean write, final long value) {
        trace.event(HvEvent.MMIO_TRAP, gpa, size | (write ? 1 << 8 : 0) | (1 << 9), value);
    }
}
