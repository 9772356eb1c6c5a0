package io.irqsim.hw.ioapic;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;

/**
 * The physical IO-APIC's redirection-table path as a kernel uses it, through CPU 0's view of
 * physical MMIO on the default platform (no hypervisor, no trace):
 * <ul>
 *   <li>{@link #rteWrite}: {@code __ioapic_write_entry}: IOREGSEL = 0x11 + 2n, IOWIN = high dword,
 *       IOREGSEL = 0x10 + 2n, IOWIN = low dword (four 4-byte MMIO writes);</li>
 *   <li>{@link #rteRead}: {@code __ioapic_read_entry}: the same selector writes with two IOWIN reads;</li>
 *   <li>{@link #baseline} / {@link #baselineRead}: the bare memory operations the write (read)
 *       cannot avoid: two 32-bit halves merged into the {@code long[]} table with the read-only bits
 *       restored (the read: one table load split into two dwords).</li>
 * </ul>
 * The entry is the one Linux programs for a PCI INTx line, masked (level, active low, vector
 * 0x61) on GSI 16, so a write never delivers: what is measured is the register path alone.
 */
@State(Scope.Thread)
public class IoApicRteWriteBenchmark extends AbstractIrqsimBenchmark {

    private static final long BASE = IoApicRegisters.DEFAULT_BASE;

    private MmioBus bus;
    private long[] table;
    private int pin;
    private long entry;

    /** Builds the default platform and runs every path once through the bus (and the baselines). */
    @Setup
    public void setup() {
        final Platform platform = Platform.build(DefaultPlatform.spec(), new VirtualClock(), HwTrace.NONE);
        bus = platform.bus(0);
        pin = DefaultPlatform.NIC_GSI - platform.ioapics().get(0).gsiBase();
        entry = Rte.of(0x61, Rte.DM_FIXED, false, true, true, true, 0);
        table = new long[IoApicRegisters.DEFAULT_PINS];
        Arrays.fill(table, Rte.RESET);
        for (int i = 0; i < 1_000; i++) {
            rteWrite();
            rteRead();
            baseline();
            baselineRead();
        }
        if (platform.ioapics().get(0).rte(pin) != entry || rteRead() != entry) {
            throw new IllegalStateException("the RTE write did not reach the IO-APIC");
        }
    }

    /** @return whether the last IOWIN write reached the IO-APIC */
    @Benchmark
    public boolean rteWrite() {
        final MmioBus b = bus;
        final long e = entry;
        b.write(BASE + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblHigh(pin));
        b.write(BASE + IoApicRegisters.IOWIN, 4, Rte.high(e) & 0xFFFF_FFFFL);
        b.write(BASE + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblLow(pin));
        return b.write(BASE + IoApicRegisters.IOWIN, 4, Rte.low(e) & 0xFFFF_FFFFL);
    }

    /** @return the entry as read through IOREGSEL/IOWIN */
    @Benchmark
    public long rteRead() {
        final MmioBus b = bus;
        b.write(BASE + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblLow(pin));
        final long low = b.read(BASE + IoApicRegisters.IOWIN, 4);
        b.write(BASE + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblHigh(pin));
        return low | (b.read(BASE + IoApicRegisters.IOWIN, 4) << 32);
    }

    /** @return the stored entry: high dword, then low dword with the read-only bits kept */
    @Benchmark
    public long baseline() {
        final long[] t = table;
        final int p = pin;
        final long e = entry;
        final long old = t[p];
        final long afterHigh = (old & 0xFFFF_FFFFL) | ((long) Rte.high(e) << 32);
        t[p] = afterHigh;
        final long low = (afterHigh & 0xFFFF_FFFF_0000_0000L) | (Rte.low(e) & 0xFFFF_FFFFL);
        final long afterLow = (low & ~Rte.RO_BITS) | (afterHigh & Rte.RO_BITS);
        t[p] = afterLow;
        return afterLow;
    }

    /** @return the entry, split into its two dwords and joined again */
    @Benchmark
    public long baselineRead() {
        final long e = table[pin];
        return (Rte.low(e) & 0xFFFF_FFFFL) | ((long) Rte.high(e) << 32);
    }
}
