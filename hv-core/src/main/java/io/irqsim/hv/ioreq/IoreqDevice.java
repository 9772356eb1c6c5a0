package io.irqsim.hv.ioreq;

import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.mmio.MmioDevice;

/**
 * An emulated device whose accesses complete later: a device model outside the hypervisor
 * (Xen's ioreq servers; irqsim's network device models). A vCPU that accesses it asynchronously
 * ({@link Vcpu#mmioReadAsync}) is stalled until the completion runs, as a vCPU waiting on an ioreq
 * is. The synchronous {@link MmioDevice} methods are for callers that cannot wait; they must not
 * block (a forwarding device answers them as an unanswered ioreq: reads all ones, writes dropped).
 */
public interface IoreqDevice extends MmioDevice {

    /**
     * Starts a read. {@code done} must run exactly once, on the machine thread.
     *
     * @param vcpu the vCPU that issued it
     * @param offset offset in the device's window
     * @param size access size
     * @param done completion with the value read
     */
    void readAsync(Vcpu vcpu, long offset, int size, IoreqCompletion done);

    /**
     * Starts a write. {@code done} must run exactly once, on the machine thread.
     *
     * @param vcpu the vCPU that issued it
     * @param offset offset in the device's window
     * @param size access size
     * @param value the value
     * @param done completion (its value is ignored)
     */
    void writeAsync(Vcpu vcpu, long offset, int size, long value, IoreqCompletion done);
}
