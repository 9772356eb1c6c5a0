package io.irqsim.hv;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A PV dom0's own device interrupt as an event channel, on Xen 4.20: the NIC (GSI 16, level,
 * active low) mapped by dom0 ({@code PHYSDEVOP_map_pirq} for itself, {@code PHYSDEVOP_setup_gsi})
 * and bound with {@code EVTCHNOP_bind_pirq}. {@link #pirqEventRoundTrip}: the device asserts INTx
 * &rarr; physical IO-APIC and LAPIC &rarr; {@code do_IRQ} &rarr; {@code do_IRQ_guest} &rarr;
 * {@code send_guest_pirq} (the channel's pending bit, the upcall) &rarr; the vCPU hands the event
 * to a minimal kernel, which acks the device and calls {@code PHYSDEVOP_eoi} &rarr;
 * {@code pirq_guest_eoi} &rarr; the physical EOI. The PV counterpart of
 * {@link InjectionBenchmark#roundTrip}, and the proof that the event-channel path allocates nothing.
 * Virtual time moves on as in {@link InjectionBenchmark} (the same {@code irq_ratelimit} reason), and
 * an iteration in which a call did not end with the event handled and the line idle fails.
 */
@State(Scope.Thread)
public class PvDom0EventBenchmark extends AbstractIrqsimBenchmark {

    /** The minimal PV kernel: acks the device, EOIs the pirq. Allocation-free. */
    static final class EventKernel implements GuestKernel {
        private final Hypervisor xen;
        private final Domain dom0;
        private final PciFunction device;
        long handled;

        EventKernel(final Hypervisor xen, final Domain dom0, final PciFunction device) {
            this.xen = xen;
            this.dom0 = dom0;
            this.device = device;
        }

        @Override
        public void pirqEvent(final Vcpu vcpu, final int pirq) {
            device.setInterruptRequest(false);
            if (xen.physdev().eoi(dom0, pirq) == 0) {
                handled++;
            }
        }
    }

    /** A PV dom0 whose NIC interrupt arrives as a pirq event. */
    @State(Scope.Thread)
    public static class PvDom0 {
        /** Trace recording: {@code off} (recorder disabled) or {@code on}. */
        @Param({"off", "on"})
        public String trace;

        BenchMachine machine;
        PciFunction nic;
        IoApic phys;
        EventKernel kernel;
        long calls;
        private long callsAtStart;
        private long handledAtStart;

        /** Boots, binds the NIC's GSI to an event channel and runs the round trip. */
        @Setup
        public void setup() {
            machine = BenchMachine.boot("on".equals(trace), DomainType.PV);
            final Hypervisor xen = machine.xen;
            final Domain dom0 = machine.dom0;
            final int gsi = DefaultPlatform.NIC_GSI;
            final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi,
                gsi);
            check("map_pirq", xen.physdev().mapPirq(dom0, map));
            check("setup_gsi", xen.physdev().setupGsi(dom0, gsi, 1, 1));
            check("bind_pirq", xen.evtchn().bindPirq(dom0, map.pirq, true));
            nic = xen.platform().pci().function(DefaultPlatform.NIC);
            phys = xen.platform().ioapics().get(0);
            kernel = new EventKernel(xen, dom0, nic);
            dom0.setKernel(kernel);
            for (int i = 0; i < 1_000; i++) {
                roundTripOnce(this);
            }
            if (kernel.handled != 1_000 || Rte.remoteIrr(phys.rte(gsi - phys.gsiBase()))) {
                throw new IllegalStateException("the event round trip did not complete: " + kernel.handled
                    + " handled");
            }
        }

        private static void check(final String step, final int rc) {
            if (rc != 0) {
                throw new IllegalStateException(step + " failed: " + Errno.name(rc));
            }
        }

        /** Notes the counts at the start of an iteration. */
        @Setup(Level.Iteration)
        public void startIteration() {
            callsAtStart = calls;
            handledAtStart = kernel.handled;
        }

        /** Fails the run unless every call of the iteration was handled and the line is idle again. */
        @TearDown(Level.Iteration)
        public void verifyIteration() {
            final long n = calls - callsAtStart;
            final long handled = kernel.handled - handledAtStart;
            final long rte = phys.rte(DefaultPlatform.NIC_GSI - phys.gsiBase());
            if (handled != n || machine.xen.guestIrqs().ratelimitedCount() != 0 || Rte.remoteIrr(rte)) {
                throw new IllegalStateException("pirqEventRoundTrip did not do the whole path: " + n + " calls, "
                    + handled + " handled, " + Rte.toString(rte));
            }
        }

        /** Frees the trace buffer. */
        @TearDown
        public void tearDown() {
            machine.close();
        }
    }

    /**
     * @param s the machine
     * @return events the kernel has handled so far
     */
    @Benchmark
    public long pirqEventRoundTrip(final PvDom0 s) {
        s.machine.wrapTrace();
        return roundTripOnce(s);
    }

    static long roundTripOnce(final PvDom0 s) {
        if ((s.calls++ & (InjectionBenchmark.TIME_STEP_CALLS - 1)) == 0) {
            s.machine.xen.advanceTime(InjectionBenchmark.TIME_STEP_CALLS * InjectionBenchmark.INTERRUPT_GAP_NS);
        }
        s.nic.setInterruptRequest(true);
        s.machine.xen.drain();
        return s.kernel.handled;
    }
}
