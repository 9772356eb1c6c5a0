package io.irqsim.hv;

import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The machine the hypervisor benchmarks share, and the trace wrap-around the recording variants rely on. */
class BenchMachineTest {

    @Test
    void wrapStartsTheTraceOverAndLaterRecordsStillDecode() {
        try (BenchMachine m = BenchMachine.boot(true)) {
            final long masked = Rte.of(0x71, Rte.DM_FIXED, false, true, true, true, 0);
            while (m.trace.recordCount() < BenchMachine.TRACE_WRAP_RECORDS) {
                BenchMachine.writeRte(m.dom0.vcpu(0), 20, masked);
            }
            m.wrapTrace();
            assertEquals(0, m.trace.recordCount());
            assertEquals(0, m.trace.reader().count(), "the header's record count is reset too");
            BenchMachine.writeRte(m.dom0.vcpu(0), 20, masked);
            final TraceReader r = m.trace.reader();
            final List<TraceRecord> records = r.records();
            assertEquals(m.trace.recordCount(), records.size());
            assertTrue(records.size() >= 4, "four trapped MMIO writes at least: " + records);
            assertEquals(0, m.trace.recordCount() - r.count());
        }
    }

    @Test
    void wrapDoesNothingBelowTheLimitOrWhenNotRecording() {
        try (BenchMachine off = BenchMachine.boot(false); BenchMachine on = BenchMachine.boot(true)) {
            assertEquals(0, off.trace.recordCount());
            final long before = on.trace.recordCount();
            assertTrue(before > 0 && before < BenchMachine.TRACE_WRAP_RECORDS);
            on.wrapTrace();
            assertEquals(before, on.trace.recordCount());
        }
    }

    @Test
    void theNicIsPassedThroughAndDelivers() {
        try (BenchMachine m = BenchMachine.boot(false)) {
            final var domu = m.passThroughNic();
            final var nic = m.xen.platform().pci().function(io.irqsim.hw.platform.DefaultPlatform.NIC);
            nic.setInterruptRequest(true);
            m.xen.drain();
            assertEquals(BenchMachine.GUEST_VECTOR, domu.vcpu(0).vlapic().pendingVector());
        }
    }
}
