package io.irqsim.hw.apic;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.trace.HwTrace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;


/**
 * One local APIC on its own (no IO-APIC, no hypervisor, no trace): an interrupt message is
 * accepted into IRR, the CPU acknowledges it (IRR &rarr; ISR) and EOIs it (ISR cleared; for a
 * level vector an EOI message goes to the {@link EoiBroadcast}, here a counter).
 * <ul>
 *   <li>{@link #acceptAckEoi}: the three steps as method calls;</li>
 *   <li>{@link #acceptAckEoiMmio}: the EOI as the guest or Xen does it, a 4-byte MMIO write to
 *       0xFEE000B0 through an {@link MmioBus} with only the LAPIC page mapped;</li>
 *   <li>{@link #baseline}: the bare memory operations the cycle cannot avoid: set the IRR bit,
 *       find the highest IRR bit, move it to ISR, find the highest ISR bit, clear it (256-bit
 *       bitmaps in {@code long[4]}, as the LAPIC keeps them).</li>
 * </ul>
 */
@State(Scope.Thread)
public class LocalApicBenchmark extends AbstractIrqsimBenchmark {

    /** Trigger mode of the accepted vector: a level vector sets TMR and its EOI is broadcast. */
    @Param({"edge", "level"})
    public String trigger;

    private LocalApic lapic;
    private MmioBus bus;
    private CountingEoi eois;
    private int vector;
    private boolean level;
    private long[] irr;
    private long[] isr;

    /** Counts EOI messages; allocation-free. */
    static final class CountingEoi implements EoiBroadcast {
        long count;

        @Override
        public void broadcastEoi(final int v) {
            count++;
        }
    }

    /** Software-enables a LAPIC, maps it, and runs every path. */
    @Setup
    public void setup() {
        level = "level".equals(trigger);
        vector = 0x51;
        eois = new CountingEoi();
        lapic = new LocalApic(0, 0, false, HwTrace.NONE);
        lapic.connect(eois, IpiSink.NONE);
        lapic.writeRegister(LocalApicRegisters.SVR, LocalApicRegisters.SVR_ENABLE | 0xFF);
        bus = new MmioBus();
        bus.map(LocalApicRegisters.DEFAULT_BASE, LocalApicRegisters.PAGE_SIZE, lapic);
        irr = new long[4];
        isr = new long[4];
        for (int i = 0; i < 1_000; i++) {
            acceptAckEoi();
            acceptAckEoiMmio();
            baseline();
        }
        if (acceptAckEoi() != vector || lapic.pendingVector() >= 0 || (eois.count > 0) != level) {
            throw new IllegalStateException("accept/acknowledge/EOI did not complete");
        }
    }

    /** @return the vector acknowledged */
    @Benchmark
    public int acceptAckEoi() {
        final LocalApic l = lapic;
        l.accept(vector, Rte.DM_FIXED, level);
        final int v = l.acknowledge();
        l.eoi();
        return v;
    }

    /** @return the vector acknowledged */
    @Benchmark
    public int acceptAckEoiMmio() {
        final LocalApic l = lapic;
        l.accept(vector, Rte.DM_FIXED, level);
        final int v = l.acknowledge();
        bus.write(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI, 4, 0);
        return v;
    }

    /** @return the vector retired */
    @Benchmark
    public int baseline() {
        final long[] r = irr;
        final long[] s = isr;
        final int v = vector;
        r[v >>> 6] |= 1L << v;
        final int pending = highestBit(r);
        r[pending >>> 6] &= ~(1L << pending);
        s[pending >>> 6] |= 1L << pending;
        final int inService = highestBit(s);
        s[inService >>> 6] &= ~(1L << inService);
        return inService;
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
