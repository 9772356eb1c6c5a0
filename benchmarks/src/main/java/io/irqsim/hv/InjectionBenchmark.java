package io.irqsim.hv;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
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
 * Injection of a passed-through INTx into an HVM guest, on Xen 4.20 with the NIC (00:03.0, GSI 16,
 * level, active low) passed through to a domU at virtual slot 5 (guest vector 0x51).
 * <ul>
 *   <li>{@link #assertToIrr}: the device asserts INTx and Xen runs until the guest's vLAPIC has the
 *       vector in IRR: wire &rarr; physical IO-APIC &rarr; APIC bus &rarr; LAPIC &rarr; {@code do_IRQ}
 *       (LAPIC EOI, directed-EOI mode) &rarr; {@code hvm_do_IRQ_dpci} &rarr; the dpci softirq
 *       &rarr; virtual INTx &rarr; vIO-APIC &rarr; vLAPIC. No guest kernel is attached, so the vector
 *       stays in IRR; a per-invocation tear-down ({@code @TearDown(Level.Invocation)}, not timed)
 *       completes it the way the guest would (device ack, acknowledge, EOI). JMH then times each
 *       call on its own, which adds a few tens of ns of timer overhead to the score;</li>
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
 * Both machine benchmarks run with the trace recorder off and on ({@code trace}, see {@link BenchMachine}).
 */
@State(Scope.Thread)
public class InjectionBenchmark extends AbstractIrqsimBenchmark {

    private static final long LAPIC_EOI = LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI;

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

        /** Frees the trace buffer. */
        @TearDown
        public void tearDown() {
            machine.close();
        }
    }

    /** The NIC passed through to a guest with no kernel: an interrupt stays in the vLAPIC's IRR. */
    @State(Scope.Thread)
    public static class PendingInIrr {
        /** Trace recording: {@code off} (recorder disabled) or {@code on}. */
        @Param({"off", "on"})
        public String trace;

        BenchMachine machine;
        PciFunction nic;
        Vcpu vcpu;
        LocalApic vlapic;

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

        /** What the guest would do with the interrupt: ack the device, take the vector, EOI. Not timed. */
        @TearDown(Level.Invocation)
        public void complete() {
            nic.setInterruptRequest(false);
            vlapic.acknowledge();
            vcpu.mmioWrite(LAPIC_EOI, 4, 0);
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
        return assertOnce(s);
    }

    static int assertOnce(final PendingInIrr s) {
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
