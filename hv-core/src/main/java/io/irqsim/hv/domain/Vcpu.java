package io.irqsim.hv.domain;

import io.irqsim.hv.sched.WorkItem;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.mmio.MmioBus;

import java.util.BitSet;

/**
 * A virtual CPU: its vLAPIC (HVM-type domains), its view of guest-physical MMIO, and the work item
 * that injects pending interrupts into the guest kernel.
 */
public final class Vcpu extends WorkItem {

    private final Domain domain;
    private final int id;
    private final LocalApic vlapic;
    private final MmioBus bus;
    private final BitSet pendingPirqEvents = new BitSet();
    private long interruptsInjected;

    Vcpu(final Domain domain, final int id, final LocalApic vlapic, final MmioBus bus) {
        this.domain = domain;
        this.id = id;
        this.vlapic = vlapic;
        this.bus = bus;
    }

    /** @return the domain */
    public Domain domain() {
        return domain;
    }

    /** @return the vCPU number */
    public int id() {
        return id;
    }

    /** @return the physical CPU it runs on */
    public int pcpu() {
        return id % domain.host().physicalCpus();
    }

    /** @return its vLAPIC, or {@code null} for a PV domain */
    public LocalApic vlapic() {
        return vlapic;
    }

    /** @return its guest-physical MMIO view (vLAPIC page included) */
    public MmioBus bus() {
        return bus;
    }

    /**
     * A guest MMIO read: emulated devices trap (and are traced); work this causes runs before the call returns.
     *
     * @param gpa guest-physical address
     * @param size 1, 2, 4 or 8
     * @return the value
     */
    public long mmioRead(final long gpa, final int size) {
        enter();
        final long v = bus.read(gpa, size);
        domain.host().queue().drain();
        return v;
    }

    /**
     * A guest MMIO write; see {@link #mmioRead}.
     *
     * @param gpa guest-physical address
     * @param size 1, 2, 4 or 8
     * @param value the value
     */
    public void mmioWrite(final long gpa, final int size, final long value) {
        enter();
        bus.write(gpa, size, value);
        domain.host().queue().drain();
    }

    /** Sets the trace context to this vCPU's domain and physical CPU. */
    public void enter() {
        domain.host().trace().setContext(pcpu(), domain.id());
    }

    /**
     * Marks a pirq event pending for a PV guest and schedules delivery.
     *
     * @param pirq the pirq
     */
    void raisePirqEvent(final int pirq) {
        pendingPirqEvents.set(pirq);
        domain.host().queue().schedule(this);
    }

    @Override
    protected void run() {
        final GuestKernel kernel = domain.kernel();
        if (kernel == null || domain.isDying()) {
            return;
        }
        enter();
        for (int pirq = pendingPirqEvents.nextSetBit(0); pirq >= 0; pirq = pendingPirqEvents.nextSetBit(pirq + 1)) {
            pendingPirqEvents.clear(pirq);
            kernel.pirqEvent(this, pirq);
            enter();
        }
        if (vlapic == null) {
            return;
        }
        int vector;
        while ((vector = vlapic.pendingVector()) >= 0) {
            vlapic.acknowledge();
            interruptsInjected++;
            domain.host().trace().event(HvEvent.VCPU_INTERRUPT, id, vector, 0);
            kernel.interrupt(this, vector);
            enter();
        }
    }

    /** @return interrupts injected into the guest so far */
    public long interruptsInjected() {
        return interruptsInjected;
    }

    @Override
    public String toString() {
        return "d" + domain.id() + "v" + id;
    }
}
