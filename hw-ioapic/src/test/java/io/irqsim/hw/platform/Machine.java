package io.irqsim.hw.platform;

import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;

/**
 * Test helper: the default platform driven the way a kernel drives it. RTEs are programmed through
 * CPU 0's {@link MmioBus} (IOREGSEL at 0xFEC00000 then IOWIN at 0xFEC00010, 4-byte accesses, high
 * dword first as Linux {@code __ioapic_write_entry} does); each LAPIC is software-enabled by writing
 * SVR = 0x1FF through its own CPU's bus; the CPU takes an interrupt with
 * {@link LocalApic#acknowledge()} and EOIs by writing the LAPIC EOI register at 0xFEE000B0.
 */
final class Machine {

    static final long IOREGSEL = IoApicRegisters.DEFAULT_BASE + IoApicRegisters.IOREGSEL;
    static final long IOWIN = IoApicRegisters.DEFAULT_BASE + IoApicRegisters.IOWIN;
    static final long LAPIC_SVR = LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR;
    static final long LAPIC_EOI = LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI;

    final VirtualClock clock = new VirtualClock();
    final Platform platform;

    Machine() {
        this(DefaultPlatform.spec());
    }

    Machine(final PlatformSpec spec) {
        platform = Platform.build(spec, clock, HwTrace.NONE);
        for (int cpu = 0; cpu < platform.cpuCount(); cpu++) {
            platform.bus(cpu).write(LAPIC_SVR, 4, 0x1FF);
        }
    }

    /**
     * An unmasked fixed, physical-destination redirection entry.
     *
     * @param vector vector
     * @param level trigger mode bit 15
     * @param activeLow polarity bit 13
     * @param apicId destination
     * @return the 64-bit entry
     */
    static long entry(final int vector, final boolean level, final boolean activeLow, final int apicId) {
        return vector | (level ? Rte.TRIGGER_LEVEL : 0) | (activeLow ? Rte.POLARITY_LOW : 0)
            | ((long) apicId << Rte.DEST_SHIFT);
    }

    MmioBus cpu0() {
        return platform.bus(0);
    }

    /** IOREGSEL = index; IOWIN = value. */
    void writeIndirect(final int index, final int value) {
        cpu0().write(IOREGSEL, 4, index);
        cpu0().write(IOWIN, 4, value & 0xFFFF_FFFFL);
    }

    /** IOREGSEL = index; read IOWIN. */
    int readIndirect(final int index) {
        cpu0().write(IOREGSEL, 4, index);
        return (int) cpu0().read(IOWIN, 4);
    }

    /** Programs the redirection entry of a GSI on the only IO-APIC: high dword, then low. */
    void program(final int gsi, final long entry) {
        writeIndirect(0x11 + 2 * gsi, (int) (entry >>> 32));
        writeIndirect(0x10 + 2 * gsi, (int) entry);
    }

    /** Reads the redirection entry back through IOWIN. */
    long readEntry(final int gsi) {
        final long low = readIndirect(0x10 + 2 * gsi) & 0xFFFF_FFFFL;
        final long high = readIndirect(0x11 + 2 * gsi) & 0xFFFF_FFFFL;
        return high << 32 | low;
    }

    /** CPU {@code cpu} takes the interrupt its LAPIC presents (INTA). */
    int take(final int cpu) {
        return platform.lapic(cpu).acknowledge();
    }

    /** CPU {@code cpu} writes its LAPIC's EOI register. */
    void eoi(final int cpu) {
        platform.bus(cpu).write(LAPIC_EOI, 4, 0);
    }

    /** The vector CPU {@code cpu} would take now, or -1. */
    int pending(final int cpu) {
        return platform.lapic(cpu).pendingVector();
    }

    IoApic ioapic() {
        return platform.ioapics().get(0);
    }

    long delivered() {
        return ioapic().deliveredCount();
    }

    PciFunction device(final Bdf bdf) {
        return platform.pci().function(bdf);
    }
}
