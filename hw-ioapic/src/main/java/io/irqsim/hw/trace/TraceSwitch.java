package io.irqsim.hw.trace;

/**
 * Whether a trace is recording, as one plain flag a device reads before it reports an event:
 * {@code if (tracing.isOn()) trace.event(...)}. With tracing off, a hot path pays one field load
 * and a branch per trace point, not a call through the {@link HwTrace} interface (which, with
 * several trace implementations loaded, the JIT cannot inline).
 *
 * <p>A device resolves its trace's switch once, when it is wired ({@link HwTrace#traceSwitch()});
 * the trace flips the flag when it is enabled or disabled, so the device sees the change at its
 * next event. {@link #ALWAYS} and {@link #NEVER} are fixed. Not thread-safe (the machine thread
 * owns it).
 */
public final class TraceSwitch {

    /** For traces that record every event they are given (the default of {@link HwTrace}). */
    public static final TraceSwitch ALWAYS = new TraceSwitch(true, true);
    /** For traces that drop everything ({@link HwTrace#NONE}). */
    public static final TraceSwitch NEVER = new TraceSwitch(false, true);

    private boolean on;
    private final boolean fixed;

    private TraceSwitch(final boolean on, final boolean fixed) {
        this.on = on;
        this.fixed = fixed;
    }

    /**
     * A switch its owner turns on and off.
     *
     * @param on the initial state
     */
    public TraceSwitch(final boolean on) {
        this(on, false);
    }

    /** @return whether events are recorded now */
    public boolean isOn() {
        return on;
    }

    /**
     * @param recording whether events are recorded from now on
     * @throws IllegalStateException on {@link #ALWAYS} or {@link #NEVER}
     */
    public void set(final boolean recording) {
        if (fixed) {
            throw new IllegalStateException("the " + (on ? "ALWAYS" : "NEVER") + " trace switch cannot be changed");
        }
        this.on = recording;
    }
}
