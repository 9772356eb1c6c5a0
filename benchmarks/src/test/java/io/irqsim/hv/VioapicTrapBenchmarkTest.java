package io.irqsim.hv;

import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@link VioapicTrapBenchmark}: the on-bus variant does the same register work and records the
 * same trap and hook events as the whole trap, so the difference between their scores is the
 * vCPU's own part of a trap.
 */
class VioapicTrapBenchmarkTest {

    private static List<Integer> eventsOf(final VioapicTrapBenchmark.Dom0 s, final Runnable op) {
        s.machine.trace.clear();
        op.run();
        return s.machine.trace.reader().records().stream().map(TraceRecord::event).toList();
    }

    // Xen vioapic_write -> vioapic_write_redirent (xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0): the
    // four accesses store the entry whether they come through the vCPU or straight onto its bus
    @Test
    void onBusStoresTheEntryAndRecordsWhatTheWholeTrapRecords() {
        final VioapicTrapBenchmark b = new VioapicTrapBenchmark();
        final VioapicTrapBenchmark.Dom0 s = new VioapicTrapBenchmark.Dom0();
        s.trace = "on";
        s.setup();
        try {
            final long other = Rte.of(0x72, Rte.DM_FIXED, false, true, true, true, 0);
            BenchMachine.writeRte(s.vcpu, VioapicTrapBenchmark.MASKED_GSI, other);
            assertEquals(other, s.vioapic.rte(VioapicTrapBenchmark.MASKED_GSI));

            final List<Integer> onBus = eventsOf(s, () -> assertEquals(s.maskedEntry, b.unchangedMaskedEntryOnBus(s)));
            assertEquals(s.maskedEntry, s.vioapic.rte(VioapicTrapBenchmark.MASKED_GSI));
            final List<Integer> whole = eventsOf(s, () -> assertEquals(s.maskedEntry, b.unchangedMaskedEntry(s)));
            assertNotEquals(0, whole.size());
            assertEquals(whole, onBus, "the same trap records and vIO-APIC hook records, in the same order");
        } finally {
            s.tearDown();
        }
    }
}
