package io.irqsim.hw.ioapic;

import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.RecordingHwTrace;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test platform: one IO-APIC mapped at 0xFEC00000 on an {@link MmioBus}, an {@link ApicBus} and
 * {@code n} LAPICs (APIC ID = CPU index), each CPU seeing its own LAPIC at 0xFEE00000 on its own
 * bus. Guest-side helpers do what a kernel does: IOREGSEL then IOWIN, 4-byte accesses.
 */
public final class IoApicRig {

    /** Where the IO-APIC is mapped. */
    public static final long BASE = IoApicRegisters.DEFAULT_BASE;
    /** Where every CPU sees its LAPIC. */
    public static final long LAPIC_BASE = LocalApicRegisters.DEFAULT_BASE;

    public final RecordingHwTrace trace = new RecordingHwTrace();
    public final VirtualClock clock = new VirtualClock();
    public final ApicBus apicBus = new ApicBus(trace);
    public final MmioBus bus = new MmioBus(trace);
    public final IoApic ioapic;
    public final LocalApic[] lapics;
    public final MmioBus[] cpuBus;
    private final Map<Integer, IntConsumer>[] handlers;

    /** @param model profile; two LAPICs, enabled, without directed EOI */
    public IoApicRig(final IoApicModel model) {
        this(model, 0, 2, false);
    }

    /**
     * @param model profile
     * @param ioapicId initial IOAPICID
     * @param cpus how many LAPICs (APIC IDs 0..cpus-1), software-enabled with spurious vector 0xFF
     * @param directedEoi whether the LAPICs advertise EOI-broadcast suppression
     */
    @SuppressWarnings("unchecked")
    public IoApicRig(final IoApicModel model, final int ioapicId, final int cpus, final boolean directedEoi) {
        ioapic = new IoApic("ioapic0", model, ioapicId, 0, apicBus, clock, trace);
        bus.map(BASE, IoApicRegisters.WINDOW_SIZE, ioapic);
        apicBus.addEoiListener(ioapic);
        lapics = new LocalApic[cpus];
        cpuBus = new MmioBus[cpus];
        handlers = new Map[cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            lapics[cpu] = new LocalApic(cpu, cpu, directedEoi, trace);
            apicBus.attach(lapics[cpu]);
            cpuBus[cpu] = new MmioBus(trace);
            cpuBus[cpu].map(LAPIC_BASE, LocalApicRegisters.PAGE_SIZE, lapics[cpu]);
            handlers[cpu] = new HashMap<>();
            lapicWrite(cpu, LocalApicRegisters.SVR, 0x1FF);
        }
    }

    // ---------------------------------------------------------------- IO-APIC, as a kernel drives it

    /** IOREGSEL = index, then IOWIN = value (4-byte accesses). */
    public void writeReg(final int index, final int value) {
        bus.write(BASE + IoApicRegisters.IOREGSEL, 4, index & 0xFFFF_FFFFL);
        bus.write(BASE + IoApicRegisters.IOWIN, 4, value & 0xFFFF_FFFFL);
    }

    /** IOREGSEL = index, then read IOWIN (4-byte accesses). */
    public int readReg(final int index) {
        bus.write(BASE + IoApicRegisters.IOREGSEL, 4, index & 0xFFFF_FFFFL);
        return (int) bus.read(BASE + IoApicRegisters.IOWIN, 4);
    }

    /** Writes a redirection entry like Linux {@code __ioapic_write_entry}: high dword first, then low. */
    public void writeEntry(final int pin, final long rte) {
        writeReg(IoApicRegisters.redtblHigh(pin), Rte.high(rte));
        writeReg(IoApicRegisters.redtblLow(pin), Rte.low(rte));
    }

    /** Reads a redirection entry: low dword, then high. */
    public long readEntry(final int pin) {
        final long low = readReg(IoApicRegisters.redtblLow(pin)) & 0xFFFF_FFFFL;
        final long high = readReg(IoApicRegisters.redtblHigh(pin)) & 0xFFFF_FFFFL;
        return (high << 32) | low;
    }

    /** Writes only the low dword of an entry (mask, trigger, vector...). */
    public void writeLow(final int pin, final long rte) {
        writeReg(IoApicRegisters.redtblLow(pin), Rte.low(rte));
    }

    /** Writes the IO-APIC EOI register (0x40) like Linux {@code io_apic_eoi}. */
    public void ioapicEoiRegister(final int vector) {
        bus.write(BASE + IoApicRegisters.EOIR, 4, vector);
    }

    /** Drives a pin's input level. */
    public void line(final int pin, final boolean high) {
        ioapic.setInput(pin, high);
    }

    /** @return whether Remote IRR reads set through IOWIN */
    public boolean remoteIrr(final int pin) {
        return Rte.remoteIrr(readEntry(pin));
    }

    /** @return whether delivery status reads set through IOWIN */
    public boolean deliveryStatus(final int pin) {
        return Rte.isDeliveryPending(readEntry(pin));
    }

    // ---------------------------------------------------------------- the CPUs

    public LocalApic lapic(final int cpu) {
        return lapics[cpu];
    }

    /** 4-byte write to the CPU's own LAPIC page. */
    public void lapicWrite(final int cpu, final int reg, final int value) {
        cpuBus[cpu].write(LAPIC_BASE + reg, 4, value & 0xFFFF_FFFFL);
    }

    /** 4-byte read of the CPU's own LAPIC page. */
    public int lapicRead(final int cpu, final int reg) {
        return (int) cpuBus[cpu].read(LAPIC_BASE + reg, 4);
    }

    /** The CPU's INTA cycle. */
    public int ack(final int cpu) {
        return lapics[cpu].acknowledge();
    }

    /** The handler's EOI: a write of 0 to the LAPIC EOI register at 0xB0. */
    public void eoi(final int cpu) {
        lapicWrite(cpu, LocalApicRegisters.EOI, 0);
    }

    /** @return whether the TMR bit for the vector reads set through the LAPIC page (KUT apic_read_bit) */
    public boolean tmrBit(final int cpu, final int vector) {
        return (lapicRead(cpu, LocalApicRegisters.TMR + (vector >> 5) * 0x10) >>> (vector & 31) & 1) != 0;
    }

    /** @return whether the IRR bit for the vector reads set through the LAPIC page */
    public boolean irrBit(final int cpu, final int vector) {
        return (lapicRead(cpu, LocalApicRegisters.IRR + (vector >> 5) * 0x10) >>> (vector & 31) & 1) != 0;
    }

    /** Installs an interrupt handler for a vector on a CPU (kvm-unit-tests handle_irq). */
    public void handle(final int cpu, final int vector, final IntConsumer handler) {
        handlers[cpu].put(vector, handler);
    }

    /** Installs a handler on every CPU. */
    public void handleEverywhere(final int vector, final IntConsumer handler) {
        for (int cpu = 0; cpu < lapics.length; cpu++) {
            handle(cpu, vector, handler);
        }
    }

    /**
     * Lets a CPU run with interrupts enabled (sti): it takes every deliverable interrupt, one at a
     * time, running its handler to completion before the next INTA (handlers run with IF=0).
     *
     * @return how many interrupts were taken
     */
    public int run(final int cpu) {
        int taken = 0;
        final LocalApic l = lapics[cpu];
        while (l.pendingVector() >= 0 || l.extIntPending() > 0) {
            if (++taken > 1000) {
                fail("cpu" + cpu + " is stuck in an interrupt storm");
            }
            final int v = l.acknowledge();
            final IntConsumer h = handlers[cpu].get(v);
            if (h == null) {
                fail("cpu" + cpu + ": unexpected vector 0x" + Integer.toHexString(v));
            }
            h.accept(cpu);
        }
        return taken;
    }

    /** Runs every CPU until none has a deliverable interrupt. */
    public int runAll() {
        int total = 0;
        boolean again = true;
        while (again) {
            again = false;
            for (int cpu = 0; cpu < lapics.length; cpu++) {
                final int n = run(cpu);
                total += n;
                again |= n > 0;
            }
        }
        return total;
    }

    // ---------------------------------------------------------------- entries

    /** Fixed, physical, active-high, unmasked entry to APIC ID {@code dest}. */
    public static long fixed(final int vector, final boolean level, final int dest) {
        return Rte.of(vector, Rte.DM_FIXED, false, false, level, false, dest);
    }

    /** An edge entry to CPU 0. */
    public static long edge(final int vector) {
        return fixed(vector, false, 0);
    }

    /** A level entry to CPU 0. */
    public static long level(final int vector) {
        return fixed(vector, true, 0);
    }
}
