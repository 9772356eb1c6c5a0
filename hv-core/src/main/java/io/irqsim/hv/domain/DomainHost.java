package io.irqsim.hv.domain;

import io.irqsim.hv.sched.WorkQueue;
import io.irqsim.hv.trace.TraceRecorder;

/**
 * What domain objects need from the hypervisor that owns them.
 */
public interface DomainHost {

    /** @return the trace recorder */
    TraceRecorder trace();

    /** @return the machine's run queue */
    WorkQueue queue();

    /** @return the number of physical CPUs (a vCPU runs on pCPU {@code vcpu % pcpus}) */
    int physicalCpus();
}
