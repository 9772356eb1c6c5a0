package io.irqsim.hv;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.bench.AllocatesByDesign;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.platform.DefaultPlatform;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Arrays;

/**
 * Dom0's trapped vIO-APIC: a PVH hardware domain writes a whole redirection entry (IOREGSEL/IOWIN
 * high dword, then low dword: four guest MMIO writes through its vCPU, each a trap into Xen that
 * is traced, dispatched to the vIO-APIC register model and followed by Xen's
 * {@code vioapic_write_redirent} hooks), on Xen 4.20 (map on unmask).
 * <ul>
 *   <li>{@link #unchangedMaskedEntry}: rewriting the same masked entry of a GSI nobody maps
 *       (GSI 20): the register path plus the hooks deciding there is nothing to do;</li>
 *   <li>{@link #unchangedMaskedEntryOnBus}: the same four accesses on the vCPU's MMIO bus, without
 *       the vCPU's own part of the trap: the scope of Xen's {@code vioapic_range} +
 *       {@code vioapic_write} that the peer harness times;</li>
 *   <li>{@link #maskFlip}: on GSI 17, which the hardware domain's first unmask already mapped and
 *       bound, the entry alternately masked and unmasked; each unmask runs
 *       {@code vioapic_hwdom_map_gsi} again, whose {@code mp_register_gsi} answers {@code -EEXIST}
 *       (the steady state of a driver's disable_irq/enable_irq). The score is the mean of one
 *       masking and one unmasking write;</li>
 *   <li>{@link #firstUnmaskMapsGsi}: the first unmask of GSI 16, which registers the pin's
 *       trigger/polarity, allocates and maps the pirq and binds it to dom0. That happens once per
 *       GSI, so every invocation gets a freshly booted machine ({@code @Setup(Level.Invocation)});
 *       JMH then times each call on its own, which adds a few tens of ns of timer overhead to a
 *       microsecond-scale operation. It allocates: creating Xen's per-pirq state is what it does;</li>
 *   <li>{@link #baseline}: the bare memory operations a whole-entry write cannot avoid: two
 *       selector stores and the two dwords merged into the {@code long[]} table with the
 *       read-only bits restored.</li>
 * </ul>
 * Every machine benchmark runs with the trace recorder off and on ({@code trace} parameter, see
 * {@link BenchMachine}).
 */
@State(Scope.Thread)
public class VioapicTrapBenchmark extends AbstractIrqsimBenchmark {

    /** A PCI line (bridge slot 0x1e INTA) that nobody maps. */
    static final int MASKED_GSI = 20;
    /** The GSI two of dom0's own devices share: mapped by dom0's first unmask in set-up. */
    static final int MAPPED_GSI = DefaultPlatform.SHARED_GSI;
    /** The NIC's GSI, unmasked for the first time in {@link #firstUnmaskMapsGsi}. */
    static final int FIRST_UNMASK_GSI = DefaultPlatform.NIC_GSI;

    private long[] table;
    private int selector;
    private long entry;

    /** A booted machine with a PVH dom0 whose GSI 17 is mapped and GSI 20 programmed masked. */
    @State(Scope.Thread)
    public static class Dom0 {
        /** Trace recording: {@code off} (recorder disabled) or {@code on}. */
        @Param({"off", "on"})
        public String trace;

        BenchMachine machine;
        Vcpu vcpu;
        IoApic vioapic;
        long maskedEntry;
        long mappedMasked;
        long mappedUnmasked;
        boolean maskNext;

        /** Boots, maps GSI 17 by a first unmask, and runs every path. */
        @Setup
        public void setup() {
            machine = BenchMachine.boot("on".equals(trace));
            vcpu = machine.dom0.vcpu(0);
            vioapic = machine.dom0.vioapicForGsi(MAPPED_GSI);
            maskedEntry = Rte.of(0x71, Rte.DM_FIXED, false, true, true, true, 0);
            mappedMasked = Rte.of(0x79, Rte.DM_FIXED, false, true, true, true, 0);
            mappedUnmasked = Rte.withMask(mappedMasked, false);
            BenchMachine.writeRte(vcpu, MAPPED_GSI, mappedMasked);
            BenchMachine.writeRte(vcpu, MAPPED_GSI, mappedUnmasked);
            if (!machine.xen.ioapicRouting().isPinProgrammed(MAPPED_GSI)
                || machine.xen.irqDescs().desc(MAPPED_GSI).nrGuests() != 1) {
                throw new IllegalStateException("dom0's first unmask did not map GSI " + MAPPED_GSI);
            }
            maskNext = true;
            for (int i = 0; i < 1_000; i++) {
                machine.wrapTrace();
                BenchMachine.writeRte(vcpu, MASKED_GSI, maskedEntry);
                maskFlipOnce(this);
            }
            if (machine.xen.ioapicRouting().isPinProgrammed(MASKED_GSI)) {
                throw new IllegalStateException("a masked write mapped GSI " + MASKED_GSI);
            }
        }

        /** Frees the trace buffer. */
        @TearDown
        public void tearDown() {
            machine.close();
        }
    }

    /** A machine booted for one invocation: dom0 has programmed GSI 16 masked, as Linux does first. */
    @State(Scope.Thread)
    public static class FreshDom0 {
        /** Trace recording: {@code off} (recorder disabled) or {@code on}. */
        @Param({"off", "on"})
        public String trace;

        BenchMachine machine;
        Vcpu vcpu;
        IoApic vioapic;
        long unmasked;

        /** Boots a new machine and writes the masked entry. */
        @Setup(Level.Invocation)
        public void boot() {
            machine = BenchMachine.boot("on".equals(trace));
            vcpu = machine.dom0.vcpu(0);
            vioapic = machine.dom0.vioapicForGsi(FIRST_UNMASK_GSI);
            final long masked = Rte.of(0x61, Rte.DM_FIXED, false, true, true, true, 0);
            unmasked = Rte.withMask(masked, false);
            BenchMachine.writeRte(vcpu, FIRST_UNMASK_GSI, masked);
        }

        /** Checks the GSI got mapped and frees the machine. */
        @TearDown(Level.Invocation)
        public void check() {
            final boolean mapped = machine.xen.irqDescs().desc(FIRST_UNMASK_GSI).nrGuests() == 1;
            machine.close();
            if (!mapped) {
                throw new IllegalStateException("the first unmask did not bind GSI " + FIRST_UNMASK_GSI + " to dom0");
            }
        }
    }

    /** Prepares the baseline's table. */
    @Setup
    public void setup() {
        table = new long[IoApicRegisters.DEFAULT_PINS];
        Arrays.fill(table, Rte.RESET);
        entry = Rte.of(0x71, Rte.DM_FIXED, false, true, true, true, 0);
        for (int i = 0; i < 1_000; i++) {
            baseline();
        }
    }

    /**
     * @param s the machine
     * @return the entry as the vIO-APIC stored it
     */
    @Benchmark
    public long unchangedMaskedEntry(final Dom0 s) {
        s.machine.wrapTrace();
        BenchMachine.writeRte(s.vcpu, MASKED_GSI, s.maskedEntry);
        return s.vioapic.rte(MASKED_GSI);
    }

    /**
     * The same four accesses handed to the vCPU's MMIO bus directly: the bus decode (the
     * counterpart of Xen's {@code vioapic_range} accept), the trap's trace hook, the vIO-APIC
     * register model and Xen's {@code vioapic_write_redirent} hooks, but not the vCPU's own part
     * of a trap (stamping the trace context, the work-queue check after each access). This is the
     * scope of the peer harness's Xen row ({@code vioapic_range} + {@code vioapic_write});
     * {@link #unchangedMaskedEntry} is the whole trap.
     *
     * @param s the machine
     * @return the entry as the vIO-APIC stored it
     */
    @Benchmark
    public long unchangedMaskedEntryOnBus(final Dom0 s) {
        s.machine.wrapTrace();
        final MmioBus bus = s.vcpu.bus();
        final long base = IoApicRegisters.DEFAULT_BASE;
        final long e = s.maskedEntry;
        bus.write(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblHigh(MASKED_GSI));
        bus.write(base + IoApicRegisters.IOWIN, 4, Rte.high(e) & 0xFFFF_FFFFL);
        bus.write(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblLow(MASKED_GSI));
        bus.write(base + IoApicRegisters.IOWIN, 4, Rte.low(e) & 0xFFFF_FFFFL);
        return s.vioapic.rte(MASKED_GSI);
    }

    /**
     * @param s the machine
     * @return the entry as the vIO-APIC stored it
     */
    @Benchmark
    public long maskFlip(final Dom0 s) {
        s.machine.wrapTrace();
        return maskFlipOnce(s);
    }

    static long maskFlipOnce(final Dom0 s) {
        final long e = s.maskNext ? s.mappedMasked : s.mappedUnmasked;
        s.maskNext = !s.maskNext;
        BenchMachine.writeRte(s.vcpu, MAPPED_GSI, e);
        return s.vioapic.rte(MAPPED_GSI);
    }

    /**
     * @param s a machine booted for this invocation
     * @return the entry as the vIO-APIC stored it
     */
    @Benchmark
    @AllocatesByDesign("the first unmask creates Xen's per-GSI state once (pirq struct, its passthrough"
        + " state, the IRQ's guest-EOI timer, the bind argument), as Xen xmallocs it; and every invocation"
        + " runs on a machine booted for it")
    public long firstUnmaskMapsGsi(final FreshDom0 s) {
        BenchMachine.writeRte(s.vcpu, FIRST_UNMASK_GSI, s.unmasked);
        return s.vioapic.rte(FIRST_UNMASK_GSI);
    }

    /** @return the stored entry */
    @Benchmark
    public long baseline() {
        final long[] t = table;
        final int pin = MASKED_GSI;
        final long e = entry;
        selector = IoApicRegisters.redtblHigh(pin);
        final long old = t[pin];
        final long afterHigh = (old & 0xFFFF_FFFFL) | ((long) Rte.high(e) << 32);
        t[pin] = afterHigh;
        selector = IoApicRegisters.redtblLow(pin);
        final long low = (afterHigh & 0xFFFF_FFFF_0000_0000L) | (Rte.low(e) & 0xFFFF_FFFFL);
        final long afterLow = (low & ~Rte.RO_BITS) | (afterHigh & Rte.RO_BITS);
        t[pin] = afterLow;
        return afterLow;
    }
}
