package io.irqsim.hv.trace;

import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.trace.TraceSwitch;

/**
 * The {@link HwTrace} of a guest's emulated interrupt controllers (its vIO-APIC, vLAPICs and
 * their APIC bus): forwards every event with {@link HwEvent#emulatedFor(int) the guest's tag}
 * in argument a, so decoders print "d1 vIO-APIC 0 pin 36" where the physical chip is
 * "IO-APIC 2 pin 16". Allocates nothing.
 */
public final class EmulatedDeviceTrace implements HwTrace {

    private final HwTrace out;
    private final long tag;

    /**
     * @param out where events go (the hypervisor's recorder)
     * @param domid the guest the devices belong to
     */
    public EmulatedDeviceTrace(final HwTrace out, final int domid) {
        this.out = out;
        this.tag = HwEvent.emulatedFor(domid);
    }

    @Override
    public void event(final int event, final long a, final long b, final long c) {
        out.event(event, a | tag, b, c);
    }

    /** @return the switch of the trace it forwards to */
    @Override
    public TraceSwitch traceSwitch() {
        return out.traceSwitch();
    }
}
