package io.irqsim.hv.irq;

import io.irqsim.hv.sched.WorkItem;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.trace.TraceSwitch;

/**
 * A physical CPU as Xen runs it: when its LAPIC has a deliverable interrupt it takes it (INTA)
 * and runs {@code do_IRQ}. It keeps Xen's per-CPU stack of level IRQs whose LAPIC EOI is
 * deferred until the guests EOI ({@code pending_eoi}, "new" ack mode).
 */
public final class PhysicalCpu extends WorkItem {

    private static final int STACK = 256;

    private final int index;
    private final LocalApic lapic;
    private final GuestIrqs irqs;
    private final TraceRecorder trace;
    private final int[] eoiIrq = new int[STACK];
    private final boolean[] eoiReady = new boolean[STACK];
    private int sp;
    private long taken;

    PhysicalCpu(final int index, final LocalApic lapic, final GuestIrqs irqs, final TraceRecorder trace) {
        this.index = index;
        this.lapic = lapic;
        this.irqs = irqs;
        this.trace = trace;
    }

    /** Does the work; public only so {@link io.irqsim.hv.sched.WorkQueue#drain()} can call it on the final class. */
    @Override
    public void run() {
        int vector;
        if (TraceSwitch.anyOn()) { // the context only stamps records (Vcpu.enter)
            trace.setContext(index, TraceFormat.DOMID_XEN);
        }
        while ((vector = lapic.acknowledgePending()) >= 0) {
            taken++;
            irqs.doIrq(this, vector);
        }
    }

    /** @return the CPU index */
    public int index() {
        return index;
    }

    /** @return its LAPIC */
    public LocalApic lapic() {
        return lapic;
    }

    /** @return interrupts taken */
    public long interruptsTaken() {
        return taken;
    }

    /** @return level IRQs whose LAPIC EOI is still deferred */
    public int pendingEois() {
        return sp;
    }

    void pushPendingEoi(final int irq) {
        if (sp == STACK) {
            throw new IllegalStateException("cpu" + index + ": pending-EOI stack overflow");
        }
        eoiIrq[sp] = irq;
        eoiReady[sp] = false;
        sp++;
    }

    /**
     * Marks an IRQ's deferred EOI ready and pops every ready entry from the top, one LAPIC EOI
     * each ({@code xen/arch/x86/irq.c:set_eoi_ready} + {@code flush_ready_eoi}@RELEASE-4.18.0/4.20.0).
     *
     * @param irq the IRQ
     * @param routing does the LAPIC EOI
     * @return how many LAPIC EOIs were written
     */
    int markEoiReadyAndFlush(final int irq, final IoApicRouting routing) {
        for (int i = sp - 1; i >= 0; i--) {
            if (eoiIrq[i] == irq && !eoiReady[i]) {
                eoiReady[i] = true;
                break;
            }
        }
        int n = 0;
        while (sp > 0 && eoiReady[sp - 1]) {
            sp--;
            routing.lapicEoi(index);
            n++;
        }
        return n;
    }
}
