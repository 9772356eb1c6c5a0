package io.irqsim.hw.trace;

import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TraceSwitch / HwTrace.traceSwitch: what a device tests before it reports an event. */
class TraceSwitchTest {

    // HwTrace.NONE drops everything: its switch is the fixed NEVER; a plain trace records everything
    @Test
    void noneIsNeverOnAndAPlainTraceIsAlwaysOn() {
        assertSame(TraceSwitch.NEVER, HwTrace.NONE.traceSwitch());
        assertFalse(TraceSwitch.NEVER.isOn());
        final HwTrace plain = (event, a, b, c) -> { };
        assertSame(TraceSwitch.always(), plain.traceSwitch());
        assertTrue(TraceSwitch.always().isOn());
        assertTrue(TraceSwitch.anyOn(), "the always-on switch keeps the gate open");
        assertThrows(IllegalStateException.class, () -> TraceSwitch.NEVER.set(true));
        assertThrows(IllegalStateException.class, () -> TraceSwitch.always().set(false));
        assertFalse(TraceSwitch.NEVER.isOn());
        assertTrue(TraceSwitch.always().isOn());
    }

    // the gate counts the switches on: each one turned on is counted before its flag is set, the
    // gate is open while any is, and turning one on or off twice counts once
    @Test
    void theGateCountsTheSwitchesThatAreOn() {
        final int before = TraceSwitch.switchesOn();
        final TraceSwitch a = new TraceSwitch(false);
        final TraceSwitch b = new TraceSwitch(true);
        assertEquals(before + 1, TraceSwitch.switchesOn());
        assertTrue(TraceSwitch.anyOn());
        assertTrue(b.isOn());
        assertFalse(a.isOn());
        assertTrue(TraceSwitch.on(b), "the static form answers as isOn");
        assertFalse(TraceSwitch.on(a), "the gate is open for b, but a is off");
        a.set(true);
        a.set(true);
        assertEquals(before + 2, TraceSwitch.switchesOn());
        assertTrue(a.isOn());
        b.set(false);
        b.set(false);
        assertEquals(before + 1, TraceSwitch.switchesOn());
        assertTrue(TraceSwitch.anyOn(), "a is still on");
        assertFalse(b.isOn());
        assertFalse(TraceSwitch.on(b));
        assertTrue(TraceSwitch.on(a));
        a.set(false);
        assertEquals(before, TraceSwitch.switchesOn());
        assertFalse(a.isOn());
        if (before == 0 && TraceSwitch.gateFlips() < TraceSwitch.MAX_GATE_FLIPS) {
            assertFalse(TraceSwitch.anyOn(), "no switch is on: the gate shuts");
        }
    }

    /** An ICH IO-APIC whose trace, switched by {@code sw}, adds each event's code to {@code events}. */
    static IoApic recordedIoApic(final TraceSwitch sw, final List<Integer> events) {
        final HwTrace trace = new HwTrace() {
            @Override
            public void event(final int event, final long a, final long b, final long c) {
                events.add(event);
            }

            @Override
            public TraceSwitch traceSwitch() {
                return sw;
            }
        };
        return new IoApic("io", IoApicModel.ich(24), 1, 0, (v, d, l, dst, lv) -> 0, new VirtualClock(), trace);
    }

    // a device hot enough to be compiled while no switch is on reports its very next event once its
    // switch turns on: the gate opens (discarding code compiled with it shut) before the flag is set.
    // In a JVM of its own (TraceGateProbe), -Xbatch so C2 has compiled the write before the switch
    // turns on: in this one, earlier tests' always-on traces have opened the gate for good
    @Test
    void aDeviceCompiledWithEveryTraceOffReportsTheFirstEventAfterItsSwitchTurnsOn(
        @org.junit.jupiter.api.io.TempDir final java.nio.file.Path dir) throws Exception {
        final String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final java.nio.file.Path output = dir.resolve("probe.out");
        // the output goes to a file, so a probe that hangs is stopped at the timeout, not waited on for ever
        final Process p = new ProcessBuilder(javaBin, "-Xbatch", "-cp", System.getProperty("java.class.path"),
            TraceGateProbe.class.getName()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        final boolean ended = p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        assertTrue(ended, "the probe ended within 120 s");
        assertEquals(0, p.exitValue(), java.nio.file.Files.readString(output));
    }

    // IoApic: RTE writes are reported while its trace's switch is on and not while it is off;
    // the register state and the ignored-access count do not depend on it
    @Test
    void ioApicReportsOnlyWhileItsTracesSwitchIsOn() {
        final TraceSwitch sw = new TraceSwitch(true);
        final List<Integer> events = new ArrayList<>();
        final IoApic io = recordedIoApic(sw, events);
        final MmioBus bus = new MmioBus();
        bus.map(IoApicRegisters.DEFAULT_BASE, IoApicRegisters.WINDOW_SIZE, io);
        final long entry = Rte.of(0x31, Rte.DM_FIXED, false, false, false, true, 0);

        IoApicRegisters.writeEntry(bus, IoApicRegisters.DEFAULT_BASE, 3, entry);
        assertEquals(List.of(HwEvent.IOAPIC_RTE_WRITE, HwEvent.IOAPIC_RTE_WRITE), events);

        sw.set(false);
        IoApicRegisters.writeEntry(bus, IoApicRegisters.DEFAULT_BASE, 4, entry);
        bus.write(IoApicRegisters.DEFAULT_BASE + 0x20, 4, 1); // no register there: ignored
        assertEquals(2, events.size());
        assertEquals(entry, io.rte(4));
        assertEquals(1, io.ignoredAccesses());

        sw.set(true);
        bus.write(IoApicRegisters.DEFAULT_BASE + 0x20, 4, 1);
        assertEquals(List.of(HwEvent.IOAPIC_RTE_WRITE, HwEvent.IOAPIC_RTE_WRITE, HwEvent.IOAPIC_IGNORED_ACCESS),
            events);
        assertEquals(2, io.ignoredAccesses());
    }
}
