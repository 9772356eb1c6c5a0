package io.irqsim.hv;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
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
 * Injection of an INTx into an HVM guest on Xen 4.20, at virtual slot 5 (guest vector 0x51).
 * <ul>
 *   <li>{@link #assertToIrr}: one level, like for like with the peers' "assert &rarr; vLAPIC IRR"
 *       row (QEMU's {@code ioapic_set_irq}, KVM's {@code kvm_ioapic_set_irq}, each into its own
 *       LAPIC model): an emulated device's INTA asserted ({@code hvm_pci_intx_assert}) &rarr; the
 *       guest's vIO-APIC &rarr; its vLAPIC's IRR. A per-invocation tear-down (not timed) deasserts,
 *       acknowledges and EOIs, as the peers' completion does ({@link PendingInIrr});</li>
 *   <li>{@link #passthroughAssertToIrr}: two levels, the NIC (00:03.0, GSI 16, level, active low)
 *       passed through: wire &rarr; physical IO-APIC &rarr; APIC bus &rarr; LAPIC &rarr;
 *       {@code do_IRQ} (LAPIC EOI, directed-EOI mode) &rarr; {@code hvm_do_IRQ_dpci} &rarr; the
 *       dpci softirq &rarr; virtual INTx &rarr; vIO-APIC &rarr; vLAPIC. No guest kernel is
 *       attached, so the vector stays in IRR; a per-invocation tear-down completes it the way the
 *       guest would (device ack, acknowledge, EOI, which goes on to the physical EOI). The peers
 *       have no such row: their two-level figure is the round trip's. JMH times each call of
 *       both on its own, which adds a few tens of ns of timer overhead to the score;</li>
 *   <li>{@link #roundTrip}: the whole round: assert &rarr; deliver &rarr; the guest takes the
 *       interrupt (acknowledge) &rarr; its minimal handler acks the device (INTx released) and
 *       EOIs its vLAPIC by an MMIO write &rarr; the EOI reaches the vIO-APIC &rarr;
 *       {@code hvm_dpci_eoi} &rarr; {@code pirq_guest_eoi} &rarr; the physical IO-APIC's EOI
 *       register and unmask. Each call leaves the machine as it found it;</li>
 *   <li>{@link #baseline}: setting the vector's bit in a {@code long[]} bitmap (what assert-to-IRR
 *       must do at the least);</li>
 *   <li>{@link #baselineRoundTrip}: the bare memory operations the round trip cannot avoid: the
 *       device's interrupt bit set and cleared, Remote IRR set and cleared in the physical and the
 *       virtual entry, and in both the physical LAPIC and the vLAPIC the vector set in IRR, moved
 *       to ISR (highest-bit scans) and cleared.</li>
 * </ul>
 *
 * <p><b>Virtual time.</b> Virtual time moves on by {@link #INTERRUPT_GAP_NS} per interrupt, as real
 * time passes between two interrupts of a real device; to keep the clock's own cost out of the
 * path it advances in steps of {@link #TIME_STEP_CALLS} gaps, before every {@value #TIME_STEP_CALLS}th
 * call (the rate the rate limiter sees is the same). Without it every interrupt would
 * arrive at the same virtual instant, and Xen's {@code irq_ratelimit} in {@code do_IRQ}
 * ({@code xen/arch/x86/irq.c@RELEASE-4.20.0}: more than 10,000 interrupts of one guest-bound IRQ
 * in 10 ms) would mask the pin after the 10,001st call, its re-enable timer would never come due,
 * and every later call would only set an already-set INTx line: the run of 2026-12-02 measured
 * such a no-op "round trip" at 2 ns. The gap keeps the IRQ at 200,000 interrupts/s, a fifth of
 * the limit, so the rate limiter counts but never fires, as on a real machine.
 *
 * <p><b>Proof of work.</b> Each state counts the calls and the interrupts that completed the path
 * (the guest's handler ran; the vector reached IRR), and a per-iteration tear-down fails the run
 * when they differ ({@link Passthrough#verifyIteration}, {@link PendingInIrr#verifyIteration},
 * {@link PassthroughPendingInIrr#verifyIteration}).
 * Both machine benchmarks run with the trace recorder off and on ({@code trace}, see {@link BenchMachine}).
 */
@State(Scope.Thread)
public class InjectionBenchmark extends AbstractIrqsimBenchmark {

    private static final long LAPIC_EOI = LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI;

    /**
     * Virtual time between two interrupts of the benchmarked device: 5 us (200,000 interrupts/s,
     * below {@code irq_ratelimit}'s 10,000 per 10 ms, and well past the 1 ms guest-EOI timeout's
     * reach since each interrupt completes before the next): the gap {@code irqsim bench} leaves too.
     */
    public static final long INTERRUPT_GAP_NS = io.irqsim.guest.run.InterruptDriver.INTERRUPT_GAP_NS;
    /** Calls per virtual-time step (a power of two). */
    public static final int TIME_STEP_CALLS = 64;

    private long[] guestIrr;
    private long[] physIrr;
    private long[] physIsr;
    private long[] virtIrr;
    private long[] virtIsr;
    private long[] physRte;
    private long[] virtRte;
    private byte[] deviceStatus;
    private int vector;
    private int physVector;

    /**
     * A guest kernel reduced to what the round trip needs: its handler acks the device (which
     * releases INTx) and EOIs the vLAPIC through MMIO. Allocation-free.
     */
    static final class MinimalGuest implements GuestKernel {
        private final PciFunction device;
        long handled;

        MinimalGuest(final PciFunction device) {
            this.device = device;
        }

        @Override
        public void interrupt(final Vcpu vcpu, final int v) {
            device.setInterruptRequest(false);
            vcpu.mmioWrite(LAPIC_EOI, 4, 0);
            handled++;
        }
    }

    /** The NIC passed through to a guest whose minimal kernel handles its interrupts. */
    @State(Scope.Thread)
    public static class Passthrough {
        /** Trace recording: {@code off} (recorder disabled) or {@code on}. */
        @Param({"off", "on"})
        public String trace;

        BenchMachine machine;
        PciFunction nic;
        MinimalGuest guest;
        IoApic phys;
        /** Benchmark calls made, and the counts at the start of the iteration. */
        long calls;
        private long callsAtStart;
        private long handledAtStart;

        /** Boots, passes the NIC through, and runs the round trip. */
        @Setup
        public void setup() {
            machine = BenchMachine.boot("on".equals(trace));
            final Domain domu = machine.passThroughNic();
            nic = machine.xen.platform().pci().function(DefaultPlatform.NIC);
            guest = new MinimalGuest(nic);
            domu.setKernel(guest);
            phys = machine.xen.platform().ioapics().get(0);
            for (int i = 0; i < 1_000; i++) {
                roundTripOnce(this);
            }
            final int pin = DefaultPlatform.NIC_GSI - phys.gsiBase();
            if (guest.handled != 1_000 || Rte.remoteIrr(phys.rte(pin)) || Rte.isMasked(phys.rte(pin))) {
                throw new IllegalStateException("the round trip did not complete: " + guest.handled + " handled, "
                    + Rte.toString(phys.rte(pin)));
            }
        }

        /** Notes the counts at the start of an iteration. */
        @Setup(Level.Iteration)
        public void startIteration() {
            callsAtStart = calls;
            handledAtStart = guest.handled;
        }

        /**
         * Fails the run unless every call of the iteration was a whole round trip: the guest
         * handled one interrupt per call, none was rate-limited, and the line is back to idle.
         */
        @TearDown(Level.Iteration)
        public void verifyIteration() {
            final long n = calls - callsAtStart;
            final long handled = guest.handled - handledAtStart;
            final int pin = DefaultPlatform.NIC_GSI - phys.gsiBase();
            final long rte = phys.rte(pin);
            if (handled != n || machine.xen.guestIrqs().ratelimitedCount() != 0 || Rte.remoteIrr(rte)
                || Rte.isMasked(rte)) {
                throw new IllegalStateException("roundTrip did not do the whole path: " + n + " calls, " + handled
                    + " interrupts handled, " + machine.xen.guestIrqs().ratelimitedCount() + " rate-limited, "
                    + Rte.toString(rte));
            }
        }

        /** Frees the trace buffer. */
        @TearDown
        public void tearDown() {
            machine.close();
        }
    }

    /**
     * The proof of work of the assert benchmarks: each (untimed) completion counts whether the
     * call before it left the guest's vector pending in the vLAPIC's IRR, and an iteration in
     * which any did not, or in which Xen rate-limited the line, fails.
     */
    static final class IrrTally {
        /** Completions done, and how many of them found the guest's vector in IRR. */
        long completions;
        long delivered;
        private long completionsAtStart;
        private long deliveredAtStart;

        void count(final LocalApic vlapic) {
            completions++;
            if (vlapic.pendingVector() == BenchMachine.GUEST_VECTOR) {
                delivered++;
            }
        }

        void start() {
            completionsAtStart = completions;
            deliveredAtStart = delivered;
        }

        void verify(final String benchmark, final long rateLimited) {
            final long n = completions - completionsAtStart;
            final long d = delivered - deliveredAtStart;
            if (d != n || rateLimited != 0) {
                throw new IllegalStateException(benchmark + " did not do the whole path: " + n + " calls, " + d
                    + " reached IRR, " + rateLimited + " rate-limited");
            }
        }
    }

    /**
     * An emulated device's INTx into a guest with no kernel, one level as the peers' row is: the
     * device model asserts the slot's INTA ({@code hvm_pci_intx_assert},
     * {@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0}, what {@code XEN_DMOP_set_pci_intx_level}
     * calls, as KVM's harness row calls {@code kvm_ioapic_set_irq}) &rarr; the guest's vIO-APIC
     * &rarr; its vLAPIC's IRR, where the vector stays. The completion deasserts the line, takes
     * the vector and EOIs the vLAPIC (its EOI register's effect, called directly as the peers' undo
     * calls {@code apic_set_eoi} / {@code apic_eoi}: a guest's trapped MMIO write is the LAPIC and
     * trap benchmarks' business), which clears the vIO-APIC's Remote IRR, as
     * the peers' completion does.
     */
    @State(Scope.Thread)
    public static class PendingInIrr {
        /** Trace recording: {@code off} (recorder disabled) or {@code on}. */
        @Param({"off", "on"})
        public String trace;

        BenchMachine machine;
        HvmIrq hvmIrq;
        LocalApic vlapic;
        IoApic vioapic;
        final IrrTally tally = new IrrTally();

        /** Boots, creates the guest, and runs assert + completion. */
        @Setup
        public void setup() {
            machine = BenchMachine.boot("on".equals(trace));
            final Domain domu = machine.emulatedIntxGuest();
            hvmIrq = domu.hvmIrq();
            vlapic = domu.vcpu(0).vlapic();
            final int gsi = HvmIrq.pciIntxGsi(BenchMachine.GUEST_SLOT, 0);
            vioapic = domu.vioapicForGsi(gsi);
            for (int i = 0; i < 1_000; i++) {
                hvmIrq.pciIntxAssert(BenchMachine.GUEST_SLOT, 0);
                machine.xen.drain();
                if (vlapic.pendingVector() != BenchMachine.GUEST_VECTOR) {
                    throw new IllegalStateException("the vector did not reach the vLAPIC's IRR");
                }
                complete();
            }
            if (Rte.remoteIrr(vioapic.rte(gsi - vioapic.gsiBase()))) {
                throw new IllegalStateException("the guest's EOI did not clear Remote IRR");
            }
        }

        /**
         * What the device model and the guest would do with the interrupt: deassert the line,
         * take the vector, EOI. Not timed. Counts the calls that found the guest's vector pending
         * in IRR.
         */
        @TearDown(Level.Invocation)
        public void complete() {
            tally.count(vlapic);
            hvmIrq.pciIntxDeassert(BenchMachine.GUEST_SLOT, 0);
            vlapic.acknowledge();
            vlapic.eoi();
            machine.xen.drain();
        }

        /** Notes the counts at the start of an iteration. */
        @Setup(Level.Iteration)
        public void startIteration() {
            tally.start();
        }

        /** Fails the run unless every call of the iteration put the vector in the vLAPIC's IRR. */
        @TearDown(Level.Iteration)
        public void verifyIteration() {
            tally.verify("assertToIrr", 0);
        }

        /** Frees the trace buffer. */
        @TearDown
        public void tearDown() {
            machine.close();
        }
    }

    /**
     * The NIC passed through to a guest with no kernel: an interrupt crosses both levels (physical
     * IO-APIC and LAPIC, {@code do_IRQ}, the dpci softirq, the guest's vIO-APIC) and stays in the
     * vLAPIC's IRR.
     */
    @State(Scope.Thread)
    public static class PassthroughPendingInIrr {
        /** Trace recording: {@code off} (recorder disabled) or {@code on}. */
        @Param({"off", "on"})
        public String trace;

        BenchMachine machine;
        PciFunction nic;
        Vcpu vcpu;
        LocalApic vlapic;
        /** Benchmark calls made (drives the virtual-time steps). */
        long calls;
        final IrrTally tally = new IrrTally();

        /** Boots, passes the NIC through, and runs assert + completion. */
        @Setup
        public void setup() {
            machine = BenchMachine.boot("on".equals(trace));
            final Domain domu = machine.passThroughNic();
            nic = machine.xen.platform().pci().function(DefaultPlatform.NIC);
            vcpu = domu.vcpu(0);
            vlapic = vcpu.vlapic();
            for (int i = 0; i < 1_000; i++) {
                if (assertOnce(this) != BenchMachine.GUEST_VECTOR) {
                    throw new IllegalStateException("the vector did not reach the vLAPIC's IRR");
                }
                complete();
            }
        }

        /**
         * What the guest would do with the interrupt: ack the device, take the vector, EOI. Not
         * timed. Counts the calls that found the guest's vector pending in IRR.
         */
        @TearDown(Level.Invocation)
        public void complete() {
            tally.count(vlapic);
            nic.setInterruptRequest(false);
            vlapic.acknowledge();
            vcpu.mmioWrite(LAPIC_EOI, 4, 0);
        }

        /** Notes the counts at the start of an iteration. */
        @Setup(Level.Iteration)
        public void startIteration() {
            tally.start();
        }

        /** Fails the run unless every call of the iteration put the vector in the vLAPIC's IRR. */
        @TearDown(Level.Iteration)
        public void verifyIteration() {
            tally.verify("passthroughAssertToIrr", machine.xen.guestIrqs().ratelimitedCount());
        }

        /** Frees the trace buffer. */
        @TearDown
        public void tearDown() {
            machine.close();
        }
    }

    /** Prepares the baselines' bitmaps and tables. */
    @Setup
    public void setup() {
        vector = BenchMachine.GUEST_VECTOR;
        physVector = 0x38;
        guestIrr = new long[4];
        physIrr = new long[4];
        physIsr = new long[4];
        virtIrr = new long[4];
        virtIsr = new long[4];
        physRte = new long[24];
        virtRte = new long[48];
        deviceStatus = new byte[64];
        for (int i = 0; i < 1_000; i++) {
            baseline();
            baselineRoundTrip();
        }
    }

    /**
     * @param s the machine
     * @return the vector the vLAPIC would deliver now
     */
    @Benchmark
    public int assertToIrr(final PendingInIrr s) {
        s.machine.wrapTrace();
        s.hvmIrq.pciIntxAssert(BenchMachine.GUEST_SLOT, 0);
        s.machine.xen.drain();
        return s.vlapic.pendingVector();
    }

    /**
     * @param s the machine
     * @return the vector the vLAPIC would deliver now
     */
    @Benchmark
    public int passthroughAssertToIrr(final PassthroughPendingInIrr s) {
        s.machine.wrapTrace();
        return assertOnce(s);
    }

    static int assertOnce(final PassthroughPendingInIrr s) {
        if ((s.calls++ & (TIME_STEP_CALLS - 1)) == 0) {
            s.machine.xen.advanceTime(TIME_STEP_CALLS * INTERRUPT_GAP_NS);
        }
        s.nic.setInterruptRequest(true);
        s.machine.xen.drain();
        return s.vlapic.pendingVector();
    }

    /**
     * @param s the machine
     * @return interrupts the guest has handled so far
     */
    @Benchmark
    public long roundTrip(final Passthrough s) {
        s.machine.wrapTrace();
        return roundTripOnce(s);
    }

    static long roundTripOnce(final Passthrough s) {
        if ((s.calls++ & (TIME_STEP_CALLS - 1)) == 0) {
            s.machine.xen.advanceTime(TIME_STEP_CALLS * INTERRUPT_GAP_NS);
        }
        s.nic.setInterruptRequest(true);
        s.machine.xen.drain();
        return s.guest.handled;
    }

    /** @return the bitmap word */
    @Benchmark
    public long baseline() {
        final long[] irr = guestIrr;
        final int v = vector;
        return irr[v >>> 6] |= 1L << v;
    }

    /** @return the vector the guest retired */
    @Benchmark
    public int baselineRoundTrip() {
        final int v = vector;
        final int pv = physVector;
        final int pin = DefaultPlatform.NIC_GSI;
        final int guestPin = 36;
        deviceStatus[6] |= 0x08;                       // the device's interrupt status bit
        physRte[pin] |= Rte.REMOTE_IRR;               // physical entry: level interrupt in flight
        physIrr[pv >>> 6] |= 1L << pv;                 // physical LAPIC accepts
        final int taken = highestBit(physIrr);         // Xen takes it
        physIrr[taken >>> 6] &= ~(1L << taken);
        physIsr[taken >>> 6] |= 1L << taken;
        final int done = highestBit(physIsr);          // LAPIC EOI (directed-EOI mode)
        physIsr[done >>> 6] &= ~(1L << done);
        virtRte[guestPin] |= Rte.REMOTE_IRR;          // vIO-APIC entry
        virtIrr[v >>> 6] |= 1L << v;                   // vLAPIC accepts
        final int injected = highestBit(virtIrr);      // injected into the guest
        virtIrr[injected >>> 6] &= ~(1L << injected);
        virtIsr[injected >>> 6] |= 1L << injected;
        deviceStatus[6] &= ~0x08;                      // the guest acks the device
        final int retired = highestBit(virtIsr);       // guest EOI
        virtIsr[retired >>> 6] &= ~(1L << retired);
        virtRte[guestPin] &= ~Rte.REMOTE_IRR;
        physRte[pin] &= ~Rte.REMOTE_IRR;              // physical EOI
        return retired;
    }

    private static int highestBit(final long[] map) {
        for (int i = 3; i >= 0; i--) {
            if (map[i] != 0) {
                return i * 64 + 63 - Long.numberOfLeadingZeros(map[i]);
            }
        }
        return -1;
    }
}
