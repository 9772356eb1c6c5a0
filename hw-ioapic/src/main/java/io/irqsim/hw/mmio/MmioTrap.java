package io.irqsim.hw.mmio;

/**
 * A window that wraps another device and observes every access to it: a hypervisor's trap of a
 * guest access to an emulated device. The {@link MmioBus} resolves the wrapper when the window
 * is mapped: it dispatches to {@link #device()} itself and calls {@link #trappedWrite} before a
 * write and {@link #trappedRead} after a read, the same order as the wrapper's own
 * {@link #read}/{@link #write}, so the bus's hot path makes one call to the device instead of two
 * stacked interface calls.
 *
 * <p>{@link #acceptedSizes()} and {@link #name()} are the wrapped device's.
 */
public abstract class MmioTrap implements MmioDevice {

    private final long base;
    private final MmioDevice device;

    /**
     * @param base the window's first address (the trap sees absolute addresses)
     * @param device the device behind the trap
     */
    protected MmioTrap(final long base, final MmioDevice device) {
        if (device == null) {
            throw new IllegalArgumentException("device must not be null");
        }
        this.base = base;
        this.device = device;
    }

    /**
     * A write is about to reach the device.
     *
     * @param address absolute address
     * @param size access size
     * @param value the value the device gets (cut to {@code size} bytes)
     */
    protected abstract void trappedWrite(long address, int size, long value);

    /**
     * A read was answered by the device.
     *
     * @param address absolute address
     * @param size access size
     * @param value what the device returned
     */
    protected abstract void trappedRead(long address, int size, long value);

    @Override
    public final long read(final long offset, final int size) {
        final long v = device.read(offset, size);
        trappedRead(base + offset, size, v);
        return v;
    }

    @Override
    public final void write(final long offset, final int size, final long value) {
        trappedWrite(base + offset, size, value);
        device.write(offset, size, value);
    }

    @Override
    public final int acceptedSizes() {
        return device.acceptedSizes();
    }

    @Override
    public final String name() {
        return device.name();
    }

    /** @return the device behind the trap */
    public final MmioDevice device() {
        return device;
    }

    /** @return the window's first address */
    public final long base() {
        return base;
    }
}
