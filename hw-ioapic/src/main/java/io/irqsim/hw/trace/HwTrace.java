package io.irqsim.hw.trace;

/**
 * Where hardware models report what they did. Primitive arguments only, so a recording
 * implementation can write a fixed-size record without allocating (the hypervisor core plugs
 * its binary trace recorder in here; QEMU's trace-events play the same role).
 *
 * <p>Implementations must not throw and must not call back into the device that reported.
 */
@FunctionalInterface
public interface HwTrace {

    /** Discards every event; the default for a device nobody traces. */
    HwTrace NONE = (event, a, b, c) -> { };

    /**
     * Records one event.
     *
     * @param event one of the {@link HwEvent} codes
     * @param a first argument (meaning depends on the event)
     * @param b second argument
     * @param c third argument
     */
    void event(int event, long a, long b, long c);
}
