package io.irqsim.hw.trace;

import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;

import java.util.ArrayList;
import java.util.List;

/**
 * Run in a JVM of its own by {@link TraceSwitchTest} (in the test JVM other tests have opened the
 * gate for good): an IO-APIC is made hot, C2 compiling its write with the gate shut, then its trace
 * switch turns on and its very next RTE write must be reported. Exit status 0 when it is, 1 when
 * the event was lost, 2 when the gate was not shut to begin with (the check would prove nothing).
 */
public final class TraceGateProbe {

    private TraceGateProbe() {
    }

    /**
     * @param args none
     */
    public static void main(final String[] args) {
        if (TraceSwitch.anyOn() || TraceSwitch.gateFlips() != 0) {
            System.err.println("the gate was not shut at the start");
            System.exit(2);
        }
        final TraceSwitch sw = new TraceSwitch(false);
        final List<Integer> events = new ArrayList<>();
        final IoApic io = TraceSwitchTest.recordedIoApic(sw, events);
        final MmioBus bus = new MmioBus();
        bus.map(IoApicRegisters.DEFAULT_BASE, IoApicRegisters.WINDOW_SIZE, io);
        final long entry = Rte.of(0x31, Rte.DM_FIXED, false, false, false, true, 0);
        for (int i = 0; i < 300_000; i++) {
            IoApicRegisters.writeEntry(bus, IoApicRegisters.DEFAULT_BASE, i & 7, entry);
        }
        if (!events.isEmpty() || TraceSwitch.anyOn()) {
            System.err.println("events while every switch was off: " + events);
            System.exit(1);
        }
        sw.set(true);
        IoApicRegisters.writeEntry(bus, IoApicRegisters.DEFAULT_BASE, 3, entry);
        if (!events.equals(List.of(HwEvent.IOAPIC_RTE_WRITE, HwEvent.IOAPIC_RTE_WRITE))) {
            System.err.println("after the switch turned on: " + events);
            System.exit(1);
        }
        System.exit(0);
    }
}
