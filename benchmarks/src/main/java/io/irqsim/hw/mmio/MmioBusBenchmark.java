package io.irqsim.hw.mmio;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;


/**
 * MMIO dispatch with several devices mapped: {@code devices} register files of 256 bytes, 4 KiB
 * apart, as PCI BARs and chipset windows sit in the 0xFE000000 hole. Each access goes through
 * the bus's lookup (binary search over the sorted ranges) and its size/alignment check to the
 * device's {@code read}/{@code write}.
 * <ul>
 *   <li>{@link #write} / {@link #read}: 4-byte accesses to one register of the middle device;</li>
 *   <li>{@link #writeRotating}: 4-byte writes cycling over every mapped device, so the lookup
 *       takes a different path each time;</li>
 *   <li>{@link #baseline}: the bare memory operation the write cannot avoid: one store into the
 *       device's register array.</li>
 * </ul>
 */
@State(Scope.Thread)
public class MmioBusBenchmark extends AbstractIrqsimBenchmark {

    /** First window. */
    static final long FIRST_BASE = 0xFE00_0000L;
    /** Distance between windows. */
    static final long STRIDE = 0x1000;
    /** Window length. */
    static final long WINDOW = 0x100;
    /** Register accessed in the middle device. */
    static final long REGISTER = 0x24;

    /** How many devices are mapped. */
    @Param({"8", "32"})
    public int devices;

    private MmioBus bus;
    private RegisterFile target;
    private long targetAddress;
    private long[] rotation;
    private int next;
    private long value;

    /** A device of 32-bit registers: what a simple PCI function's BAR decodes. Allocation-free. */
    static final class RegisterFile implements MmioDevice {
        final int[] registers = new int[(int) (WINDOW / 4)];

        @Override
        public long read(final long offset, final int size) {
            return registers[(int) (offset >>> 2)] & 0xFFFF_FFFFL;
        }

        @Override
        public void write(final long offset, final int size, final long value) {
            registers[(int) (offset >>> 2)] = (int) value;
        }
    }

    /** Maps the devices and runs every path. */
    @Setup
    public void setup() {
        bus = new MmioBus();
        rotation = new long[devices];
        for (int i = 0; i < devices; i++) {
            final RegisterFile f = new RegisterFile();
            bus.map(FIRST_BASE + i * STRIDE, WINDOW, f);
            rotation[i] = FIRST_BASE + i * STRIDE + REGISTER;
            if (i == devices / 2) {
                target = f;
                targetAddress = rotation[i];
            }
        }
        value = 0x1234_5678L;
        for (int i = 0; i < 1_000; i++) {
            write();
            read();
            writeRotating();
            baseline();
        }
        if (read() != value || bus.rejectedAccesses() != 0 || bus.unmappedWrites() != 0) {
            throw new IllegalStateException("MMIO writes did not reach the device");
        }
    }

    /** @return whether the device took the write */
    @Benchmark
    public boolean write() {
        return bus.write(targetAddress, 4, value);
    }

    /** @return the register */
    @Benchmark
    public long read() {
        return bus.read(targetAddress, 4);
    }

    /** @return whether the device took the write */
    @Benchmark
    public boolean writeRotating() {
        final long[] r = rotation;
        int i = next + 1;
        if (i == r.length) {
            i = 0;
        }
        next = i;
        return bus.write(r[i], 4, value);
    }

    /** @return the value stored */
    @Benchmark
    public int baseline() {
        final int v = (int) value;
        target.registers[(int) (REGISTER >>> 2)] = v;
        return v;
    }
}
