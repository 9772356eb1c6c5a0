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

    /** Discards every event; the default for a device nobody traces. Its switch is {@link TraceSwitch#NEVER}. */
    HwTrace NONE = new HwTrace() {
        @Override
        public void event(final int event, final long a, final long b, final long c) {
        }

        @Override
        public TraceSwitch traceSwitch() {
            return TraceSwitch.NEVER;
        }
    };

    /**
     * Records one event.
     *
     * @param event one of the {@link HwEvent} codes
     * @param a first argument (meaning depends on the event)
     * @param b second argument
     * @param c third argument
     */
    void event(int event, long a, long b, long c);

    /**
     * The flag that says whether {@link #event} records anything now. A device reads it once when
     * it is wired and tests it on its hot paths before reporting ({@link TraceSwitch}); an
     * implementation that can be turned off returns its own switch and keeps it current. Events
     * reported while the switch is off may be dropped; callers may also report them anyway.
     *
     * @return the switch; {@link TraceSwitch#always()} unless overridden
     */
    default TraceSwitch traceSwitch() {
        return TraceSwitch.always();
    }
}
