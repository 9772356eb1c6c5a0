package io.irqsim.hv.domain;

import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.mmio.MmioTrap;
import io.irqsim.hw.trace.TraceSwitch;

/**
 * An emulated device as a guest sees it: every access is a trap into the hypervisor, recorded
 * in the trace ({@link HvEvent#MMIO_TRAP}) before the device model handles it (a read: once the
 * model has answered). The vCPU's bus calls the model and {@link #trappedWrite}/{@link #trappedRead}
 * itself ({@link MmioTrap}). Allocation-free.
 */
final class TrappedMmio extends MmioTrap {

    private final TraceRecorder trace;

    TrappedMmio(final Domain domain, final long base, final MmioDevice device) {
        super(base, device);
        this.trace = domain.host().trace();
    }

    @Override
    protected void trappedRead(final long address, final int size, final long value) {
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.MMIO_TRAP, address, size, value);
        }
    }

    @Override
    protected void trappedWrite(final long address, final int size, final long value) {
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.MMIO_TRAP, address, size | (1 << 8), value);
        }
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
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.MMIO_TRAP, gpa, size | (write ? 1 << 8 : 0) | (1 << 9), value);
        }
    }
}
