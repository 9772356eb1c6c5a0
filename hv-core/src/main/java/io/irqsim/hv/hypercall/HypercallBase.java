package io.irqsim.hv.hypercall;

import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hw.trace.TraceSwitch;

/**
 * What every hypercall interface shares: entering the hypervisor on behalf of a caller (trace
 * context), recording the result, and running the work the call caused before returning.
 */
abstract class HypercallBase {

    /** The hypervisor. */
    protected final Hypervisor xen;

    HypercallBase(final Hypervisor xen) {
        this.xen = xen;
    }

    /**
     * Sets the trace context to the caller.
     *
     * @param caller calling domain
     */
    protected final void enter(final Domain caller) {
        // every domain has a vCPU (DomainConfig refuses 0); vcpus() would wrap the list, an allocation
        // on the PHYSDEVOP_eoi a PV kernel makes per interrupt
        xen.trace().setContext(caller.vcpu(0).pcpu(), caller.id());
    }

    /**
     * Records the result and drains pending work.
     *
     * @param caller calling domain
     * @param op the hypercall
     * @param arg its main argument
     * @param rc the result
     * @return {@code rc}
     */
    protected final int leave(final Domain caller, final HypercallOp op, final long arg, final int rc) {
        enter(caller);
        if (TraceSwitch.anyOn()) {
            xen.trace().event(HvEvent.HYPERCALL, op.code(), arg, rc);
        }
        xen.drain();
        return rc;
    }
}
