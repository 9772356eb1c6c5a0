package io.irqsim.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.irqsim.guest.run.ScenarioRunner;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Perfetto export of a passing and a failing run of the default scenario, checked against the
 * trace-event format's rules ({@link TraceEventRules}) and against what a user must see: records
 * at distinct drawn times, slices with durations, one flow per interrupt through its whole path,
 * failed calls marked.
 */
class TracePerfettoTest {

    private static final ObjectMapper JSON = JsonMapper.builder()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

    private static JsonNode export(final TraceReader trace) throws Exception {
        final StringBuilder sb = new StringBuilder();
        TracePerfettoDump.write(trace, sb);
        return JSON.readTree(sb.toString());
    }

    private static TraceReader traceOf(final String strategy) throws Exception {
        final java.nio.file.Path f = java.nio.file.Files.createTempFile("irqsim-perfetto", ".trace");
        try {
            ScenarioRunner.run(Scenario.defaultScenario(), Strategies.byName(strategy),
                clock -> TraceRecorder.mappedFile(f, clock));
            return TraceReader.of(java.nio.file.Files.readAllBytes(f));
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    /** Share of timed events (every phase but metadata) drawn at ts 0. */
    private static double shareAtZero(final JsonNode doc) {
        long timed = 0;
        long zero = 0;
        for (final JsonNode e : doc.get("traceEvents")) {
            if (!"M".equals(e.get("ph").asText())) {
                timed++;
                zero += TraceEventRules.nanos(e.get("ts")) == 0 ? 1 : 0;
            }
        }
        return (double) zero / timed;
    }

    @Test
    void aPassingRunHasDistinctTimesDurationsAndOneFlowPerInterruptThroughEveryStep() throws Exception {
        final TraceReader trace = traceOf("pciback-setup-gsi");
        final JsonNode doc = export(trace);
        final TraceEventRules.Checked c = TraceEventRules.check(doc);
        assertTrue(shareAtZero(doc) < 0.10, "share at ts=0: " + shareAtZero(doc));

        long doIrqs = 0;
        for (long i = 0; i < trace.count(); i++) {
            doIrqs += trace.get(i).event() == HvEvent.DO_IRQ ? 1 : 0;
        }
        assertEquals(100, doIrqs);
        // every interrupt is one flow, from the device's line to the physical EOI
        assertEquals(doIrqs, c.flows().size());
        // records are written as each step returns, so the guest's vIO-APIC and vLAPIC (inside
        // hvm_pci_intx_assert) come before it; d1: marks the guest's emulated devices
        final List<String> path = List.of("pci_intx", "ioapic_deliver", "lapic_ack", "do_IRQ", "do_IRQ_guest",
            "d1:lapic_accept", "d1:ioapic_deliver", "hvm_pci_intx_assert", "hvm_dirq_assist", "d1:lapic_ack",
            "vcpu_interrupt", "irq_handler", "d1:lapic_eoi", "d1:apic_bus_eoi", "hvm_dpci_eoi", "pirq_guest_eoi",
            "ioapic_eoi", "physical_eoi");
        for (final Map.Entry<Long, List<JsonNode>> f : c.flows().entrySet()) {
            final List<String> names = new ArrayList<>();
            for (final JsonNode step : f.getValue()) {
                final TraceRecord r = trace.get(step.get("args").get("seq").intValue());
                final boolean emulated = r.event() <= HwEvent.LAST_HW_EVENT && HwEvent.isEmulated(r.a());
                names.add((emulated ? "d" + HwEvent.emulatedDomain(r.a()) + ":" : "") + TraceText.name(r.event()));
            }
            int at = 0;
            for (final String n : names) {
                if (at < path.size() && path.get(at).equals(n)) {
                    at++;
                }
            }
            assertEquals(path.size(), at, "flow " + f.getKey() + " misses " + (at < path.size() ? path.get(at) : "")
                + ": " + names);
            // it crosses the device, the physical CPU and the guest's vCPU tracks
            final Set<Integer> pids = new HashSet<>();
            f.getValue().forEach(s -> pids.add(s.get("pid").asInt()));
            assertTrue(pids.containsAll(List.of(PerfettoLayout.PID_DEVICES, PerfettoLayout.PID_CPUS,
                PerfettoLayout.PID_DOMAIN_BASE + 1)), pids.toString());
        }

        int inService = 0;
        int handlers = 0;
        int doIrqSlices = 0;
        for (final JsonNode s : c.slices()) {
            final String name = s.get("name").asText();
            final long dur = TraceEventRules.nanos(s.get("dur"));
            assertTrue(dur > 0, () -> "zero-length slice " + s);
            if (name.equals("irq 16 in service")) {
                inService++;
                assertEquals(PerfettoLayout.PID_IRQS, s.get("pid").asInt());
            } else if (name.equals("vector 0x41 handler")) {
                handlers++;
                assertEquals(PerfettoLayout.VCPU_TID_BASE + 256, s.get("tid").asInt(), "on d1 vCPU 0's track");
            } else if (name.equals("do_IRQ")) {
                doIrqSlices++;
            }
        }
        assertEquals(100, inService);
        assertEquals(100, handlers);
        assertTrue(doIrqSlices >= 100, "do_IRQ slices: " + doIrqSlices);
        assertTrue(c.instants().isEmpty(), "a passing run has no failed call");
    }

    @Test
    void aFailingRunMarksTheFailedHypercallAndIsStillSpreadInTime() throws Exception {
        final TraceReader trace = traceOf("status-quo");
        final JsonNode doc = export(trace);
        final TraceEventRules.Checked c = TraceEventRules.check(doc);
        assertTrue(shareAtZero(doc) < 0.10, "share at ts=0: " + shareAtZero(doc));
        final List<String> failed = new ArrayList<>();
        for (final JsonNode s : c.slices()) {
            if ("failed".equals(s.get("cat").asText())) {
                assertEquals("terrible", s.get("cname").asText());
                failed.add(s.get("args").get("text").asText());
            }
        }
        assertTrue(failed.contains("domctl_irq_permission(16) = -EPERM"), failed.toString());
        assertTrue(failed.contains("libxl: irq_permission(pirq 16) = -EPERM"), failed.toString());
        final List<String> marks = new ArrayList<>();
        for (final JsonNode i : c.instants()) {
            assertEquals("p", i.get("s").asText());
            marks.add(i.get("name").asText());
        }
        assertTrue(marks.contains("FAILED: domctl_irq_permission(16) = -EPERM"), marks.toString());
    }

    @Test
    void theForcedEoiWaitIsASliceOfOneMillisecondInsideTheIrqInService() throws Exception {
        final VirtualClock clock = new VirtualClock();
        final JsonNode doc;
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 16)) {
            t.record(HvEvent.DO_IRQ, 0, TraceFormat.DOMID_XEN, 0x40, 16, 1);
            t.record(HvEvent.GUEST_IRQ, 0, TraceFormat.DOMID_XEN, 16, 16, 1);
            clock.advanceBy(1_000_000);
            t.record(HvEvent.EOI_TIMEOUT, 0, TraceFormat.DOMID_XEN, 16, 1, 0);
            t.record(HvEvent.PHYS_EOI, 0, TraceFormat.DOMID_XEN, 16, 0x40, HvEvent.EOI_IOAPIC_EOIR);
            doc = export(t.reader());
        }
        final TraceEventRules.Checked c = TraceEventRules.check(doc);
        long wait = -1;
        long service = -1;
        for (final JsonNode s : c.slices()) {
            if (s.get("name").asText().equals("guest EOI pending: the 1 ms timer forced the EOI")) {
                wait = TraceEventRules.nanos(s.get("dur"));
            } else if (s.get("name").asText().equals("irq 16 in service")) {
                service = TraceEventRules.nanos(s.get("dur"));
            }
        }
        // from do_IRQ_guest (drawn 10 ns after do_IRQ) to the end of the timeout's 5 ns record
        assertEquals(1_000_000 - 10 + 5, wait);
        // from do_IRQ to the end of physical_eoi's record, drawn 10 ns after the timeout
        assertEquals(1_000_000 + 10 + 5, service);
    }


}
