package io.irqsim.hw.trace;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MutableCallSite;

/**
 * Whether a trace is recording, as one plain flag a device reads before it reports an event:
 * {@code if (TraceSwitch.on(tracing)) trace.event(...)}. With tracing off, a hot path pays one field load
 * and a branch per trace point, not a call through the {@link HwTrace} interface (which, with
 * several trace implementations loaded, the JIT cannot inline).
 *
 * <p>A device resolves its trace's switch once, when it is wired ({@link HwTrace#traceSwitch()});
 * the trace flips the flag when it is enabled or disabled, so the device sees the change at its
 * next event. {@link #always()} and {@link #NEVER} are fixed. Not thread-safe (the machine thread
 * owns it), except for the gate below.
 *
 * <h2>The gate: no switch on anywhere</h2>
 * A simulator run with tracing off (a benchmark, {@code irqsim bench}, a device-model server)
 * still paid for every trace point: a field load, a flag load and a branch, two or three times per
 * register access. {@link #anyOn()} is a JVM-wide answer to "is any switch on?", held in a
 * {@link MutableCallSite}: while it is {@code false}, C2 compiles it as that constant and drops
 * every trace point of every machine from the code it generates, recording a dependency on the
 * call site; turning a switch on changes the call site's target, which throws that code away
 * (deoptimises it) before the switch's flag is set, so no event is missed. {@link #isOn()} and the
 * hypervisor's recorder test the gate first. Even then a call on a switch or recorder held in a
 * field leaves one load and compare behind (Java's null check of the receiver); hot paths write
 * {@link #on(TraceSwitch) TraceSwitch.on(tracing)}, or test {@link #anyOn()} before calling the
 * recorder, and leave nothing (-3% on the trapped vIO-APIC write, 2026-12-03).
 *
 * <p>The count behind the gate is of switches now on. A switch that is on when its owner drops it
 * without turning it off (a trace recorder never closed) keeps the gate open until the JVM exits:
 * that costs the check, never an event. Each opening or closing discards compiled code, so once
 * the gate has opened and closed {@value #MAX_GATE_FLIPS} times in all, its next opening is for
 * good (a JVM that keeps starting and stopping traces, as a test suite does, is better off with
 * the plain check), and
 * {@link #always()}, once asked for, keeps it open.
 */
public final class TraceSwitch {

    /** For traces that drop everything ({@link HwTrace#NONE}). */
    public static final TraceSwitch NEVER = new TraceSwitch(false, true);

    /** Openings and closings of the gate after which its next opening is for good. */
    public static final int MAX_GATE_FLIPS = 64;

    private static final MutableCallSite GATE = new MutableCallSite(MethodHandles.constant(boolean.class, false));
    private static final MethodHandle GATE_STATE = GATE.dynamicInvoker();
    /** Switches on now ({@link #always()} counts once it exists); guarded by {@link #GATE}. */
    private static int switchesOn;
    private static int gateFlips;
    private static boolean gateOpen;

    private boolean on;
    private final boolean fixed;

    private TraceSwitch(final boolean on, final boolean fixed) {
        if (on) {
            countOn(1);
        }
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

    /**
     * The switch of traces that record every event they are given (the default of
     * {@link HwTrace#traceSwitch()}). Created when first asked for, which opens the gate for good.
     *
     * @return the fixed, always-on switch
     */
    public static TraceSwitch always() {
        return Always.SWITCH;
    }

    /** Holds {@link #always()}'s switch, so that merely loading this class leaves the gate shut. */
    private static final class Always {
        static final TraceSwitch SWITCH = new TraceSwitch(true, true);
    }

    /**
     * Whether any switch in this JVM may be on: {@code false} only while none is. Hot paths test
     * it before their own flag; compiled code treats it as a constant (see the class comment).
     *
     * @return {@code false} if no switch is on
     */
    public static boolean anyOn() {
        try {
            return (boolean) GATE_STATE.invokeExact();
        } catch (final Throwable t) {
            throw new AssertionError("a constant method handle threw", t); // cannot happen
        }
    }

    /** @return how many times the gate has opened or closed in this JVM */
    public static int gateFlips() {
        synchronized (GATE) {
            return gateFlips;
        }
    }

    /** @return switches on now in this JVM, the count behind {@link #anyOn()} (for tests) */
    static int switchesOn() {
        synchronized (GATE) {
            return switchesOn;
        }
    }

    /**
     * {@code s.isOn()}, with the gate read before {@code s} is touched: while the gate is shut the
     * JIT folds this to {@code false} with no code at all, where the instance call still loads
     * the switch's field to test it for null. The form for hot paths.
     *
     * @param s a switch
     * @return whether {@code s} records now
     */
    public static boolean on(final TraceSwitch s) {
        return anyOn() && s.on;
    }

    /** @return whether events are recorded now */
    public boolean isOn() {
        return anyOn() && on;
    }

    /**
     * @param recording whether events are recorded from now on
     * @throws IllegalStateException on {@link #always()} or {@link #NEVER}
     */
    public void set(final boolean recording) {
        if (fixed) {
            throw new IllegalStateException("the " + (on ? "always-on" : "NEVER") + " trace switch cannot be changed");
        }
        if (recording == on) {
            return;
        }
        if (recording) {
            countOn(1); // the gate opens before the flag is set: no event reported in between is lost
            on = true;
        } else {
            on = false;
            countOn(-1);
        }
    }

    private static void countOn(final int delta) {
        synchronized (GATE) {
            switchesOn += delta;
            final boolean open = switchesOn > 0 || gateFlips >= MAX_GATE_FLIPS;
            if (open != gateOpen) {
                gateOpen = open;
                gateFlips++;
                GATE.setTarget(MethodHandles.constant(boolean.class, open));
                MutableCallSite.syncAll(new MutableCallSite[] {GATE});
            }
        }
    }
}
