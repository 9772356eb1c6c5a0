package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.Msg;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.ioreq.IoreqCompletion;
import io.irqsim.hv.ioreq.IoreqDevice;
import io.irqsim.hw.mmio.MmioDevice;

/**
 * One range a device model claimed, as the hypervisor sees it: an {@link IoreqDevice} mapped
 * with {@code Domain.mapEmulated} whose asynchronous accesses become IOREQ frames to the model,
 * the vCPU waiting until the reply (or the deadline) completes them.
 *
 * <p>An access the bus would refuse (size not 1/2/4/8, misaligned, running past the range) is not
 * forwarded: a read completes all ones, a write is dropped, as Xen does with an access straddling
 * an ioreq server's range. The synchronous {@link MmioDevice} methods, for callers that cannot
 * wait, answer the same way.
 */
final class ForwardedRegion implements IoreqDevice {

    private final DmSession session;
    private final int device;
    private final int region;
    private final int space;
    private final long base;
    private final long size;
    private final String name;

    ForwardedRegion(final DmSession session, final int device, final int region, final int space, final long base,
                    final long size, final String name) {
        this.session = session;
        this.device = device;
        this.region = region;
        this.space = space;
        this.base = base;
        this.size = size;
        this.name = name;
    }

    private boolean forwardable(final long offset, final int accessSize) {
        return MmioDevice.sizeBit(accessSize) != 0 && (offset & (accessSize - 1)) == 0 && offset >= 0
            && offset + accessSize <= size;
    }

    @Override
    public void readAsync(final Vcpu vcpu, final long offset, final int accessSize, final IoreqCompletion done) {
        if (!forwardable(offset, accessSize)) {
            done.complete(MmioDevice.allOnes(MmioDevice.sizeBit(accessSize) != 0 ? accessSize : 8));
            return;
        }
        session.forward(this, vcpu, true, offset, accessSize, 0, done);
    }

    @Override
    public void writeAsync(final Vcpu vcpu, final long offset, final int accessSize, final long value,
                           final IoreqCompletion done) {
        if (!forwardable(offset, accessSize)) {
            done.complete(0);
            return;
        }
        session.forward(this, vcpu, false, offset, accessSize, value & MmioDevice.allOnes(accessSize), done);
    }

    @Override
    public long read(final long offset, final int accessSize) {
        return MmioDevice.allOnes(accessSize); // a caller that cannot wait gets an unanswered read
    }

    @Override
    public void write(final long offset, final int accessSize, final long value) {
        // a caller that cannot wait: the write is dropped
    }

    @Override
    public int acceptedSizes() {
        return ACCESS_ANY;
    }

    @Override
    public String name() {
        return name;
    }

    int device() {
        return device;
    }

    int region() {
        return region;
    }

    int space() {
        return space;
    }

    long base() {
        return base;
    }

    long size() {
        return size;
    }

    boolean isMmio() {
        return space == Msg.SPACE_MMIO;
    }
}
