package io.irqsim.cli;

import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Golden output of every format for a tiny hand-built trace. */
class TraceGoldenTest {

    @TempDir
    Path dir;

    /**
     * Eight records: a domain created by Xen, a failing hypercall, an INTx line with no CPU, an
     * interrupt taken and EOI'd 2.5 us later, an RTE whose destination lies above 2^53, an
     * interrupt that is never EOI'd (after one second) and an event code nobody knows.
     */
    static Path tinyTrace(final Path file) {
        final VirtualClock clock = new VirtualClock();
        try (TraceRecorder t = TraceRecorder.inMemory(clock, 16)) {
            t.record(HvEvent.DOMAIN_CREATE, 0, TraceFormat.DOMID_XEN, 1, 2, 1);
            t.record(HvEvent.HYPERCALL, 0, 0, HypercallOp.DOMCTL_IRQ_PERMISSION.code(), 16, -1);
            clock.advanceBy(10_000);
            t.record(HwEvent.PCI_INTX, TraceFormat.NO_CPU, TraceFormat.DOMID_XEN, 0x18, 1, 0);
            t.record(HvEvent.DO_IRQ, 0, TraceFormat.DOMID_XEN, 0x40, 16, 1);
            t.record(HwEvent.IOAPIC_RTE_WRITE, 1, 0, (2 << 8) | 16, 0x10000L, 0x0100_0000_0000_a040L);
            clock.advanceBy(2_500);
            t.record(HvEvent.PHYS_EOI, 0, 1, 16, 0x40, HvEvent.EOI_IOAPIC_EOIR);
            clock.advanceTo(1_000_000_123L);
            t.record(HvEvent.DO_IRQ, 1, TraceFormat.DOMID_XEN, 0x41, 17, 1);
            t.record(200, 1, 2, 1, -2, 3);
            t.writeTo(file);
        }
        return file;
    }

    private String dump(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(new TraceCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertEquals(Main.EXIT_OK, cl.execute(args), err.toString());
        assertEquals("", err.toString());
        return out.toString();
    }

    @Test
    void text() {
        final Path f = tinyTrace(dir.resolve("tiny.trace"));
        assertEquals(TEXT, dump("dump", f.toString()));
        assertEquals(TEXT, dump("dump", "--format", "text", f.toString()));
    }

    @Test
    void json() {
        final Path f = tinyTrace(dir.resolve("tiny.trace"));
        assertEquals(JSON, dump("dump", "--format", "json", f.toString()));
    }

    @Test
    void perfetto() {
        final Path f = tinyTrace(dir.resolve("tiny.trace"));
        assertEquals(PERFETTO, dump("dump", "--format=perfetto", f.toString()));
    }

    @Test
    void outputFileHoldsTheSameBytes() throws Exception {
        final Path f = tinyTrace(dir.resolve("tiny.trace"));
        final Path out = dir.resolve("tiny.json");
        assertEquals("", dump("dump", "-f", "PERFETTO", "-o", out.toString(), f.toString()));
        assertEquals(PERFETTO, Files.readString(out, StandardCharsets.UTF_8));
        assertEquals(TEXT, dump("dump", "-o", "-", f.toString()));
    }

    @Test
    void emptyTrace() {
        final Path f = dir.resolve("empty.trace");
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 16)) {
            t.writeTo(f);
        }
        assertEquals("", dump("dump", f.toString()));
        assertEquals("", dump("dump", "--format", "json", f.toString()));
        assertEquals("{\"traceEvents\":[\n],\"displayTimeUnit\":\"ns\"}\n", dump("dump", "--format", "perfetto", f.toString()));
    }

    @Test
    void undecodableArgumentsFallBackToTheGenericSentence() {
        // a PCI address outside segment 0 makes TraceText.describe throw; the dump goes on
        final Path f = dir.resolve("odd.trace");
        try (TraceRecorder t = TraceRecorder.inMemory(new VirtualClock(), 16)) {
            t.record(HwEvent.PCI_INTX, TraceFormat.NO_CPU, 0, 0x1_0018, 1, 0);
            t.writeTo(f);
        }
        assertEquals("0.000000000 -     d0    pci_intx               pci_intx a=65560 b=1 c=0\n", dump("dump", f.toString()));
    }

    static final String TEXT = """
        0.000000000 cpu0  xen   domain_create          domain_create d1 (HVM, 1 vCPU(s))
        0.000000000 cpu0  d0    hypercall              domctl_irq_permission(16) = -EPERM
        0.000010000 -     xen   pci_intx               PCI 00:03.0 INTx asserted
        0.000010000 cpu0  xen   do_IRQ                 do_IRQ: vector 0x40 -> irq 16, 1 guest(s)
        0.000010000 cpu1  d0    ioapic_rte_write       IO-APIC 2 pin 16 entry: vec=0x40 fixed phys dest=1 level low
        0.000012500 cpu0  d1    physical_eoi           physical EOI of irq 16 (vector 0x40) by the IO-APIC EOI register
        1.000000123 cpu1  xen   do_IRQ                 do_IRQ: vector 0x41 -> irq 17, 1 guest(s)
        1.000000123 cpu1  d2    event_200              event_200 a=1 b=-2 c=3
        """;

    static final String JSON = """
        {"t":0,"cpu":0,"domain":"xen","event":"domain_create","code":87,"a":1,"b":2,"c":1,"text":"domain_create d1 (HVM, 1 vCPU(s))"}
        {"t":0,"cpu":0,"domain":0,"event":"hypercall","code":86,"a":16,"b":16,"c":-1,"text":"domctl_irq_permission(16) = -EPERM"}
        {"t":10000,"cpu":null,"domain":"xen","event":"pci_intx","code":24,"a":24,"b":1,"c":0,"text":"PCI 00:03.0 INTx asserted"}
        {"t":10000,"cpu":0,"domain":"xen","event":"do_IRQ","code":75,"a":64,"b":16,"c":1,"text":"do_IRQ: vector 0x40 -> irq 16, 1 guest(s)"}
        {"t":10000,"cpu":1,"domain":0,"event":"ioapic_rte_write","code":4,"a":528,"b":65536,"c":72057594037968960,"text":"IO-APIC 2 pin 16 entry: vec=0x40 fixed phys dest=1 level low"}
        {"t":12500,"cpu":0,"domain":1,"event":"physical_eoi","code":84,"a":16,"b":64,"c":1,"text":"physical EOI of irq 16 (vector 0x40) by the IO-APIC EOI register"}
        {"t":1000000123,"cpu":1,"domain":"xen","event":"do_IRQ","code":75,"a":65,"b":17,"c":1,"text":"do_IRQ: vector 0x41 -> irq 17, 1 guest(s)"}
        {"t":1000000123,"cpu":1,"domain":2,"event":"event_200","code":200,"a":1,"b":-2,"c":3,"text":"event_200 a=1 b=-2 c=3"}
        """;

    static final String PERFETTO = """
        {"traceEvents":[
        {"ph":"M","name":"process_name","pid":1,"args":{"name":"Xen: physical CPUs"}},
        {"ph":"M","name":"process_sort_index","pid":1,"args":{"sort_index":1}},
        {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"pCPU 0"}},
        {"ph":"M","name":"thread_sort_index","pid":1,"tid":1,"args":{"sort_index":0}},
        {"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"pCPU 1"}},
        {"ph":"M","name":"thread_sort_index","pid":1,"tid":2,"args":{"sort_index":1}},
        {"ph":"M","name":"process_name","pid":2,"args":{"name":"devices (INTx lines)"}},
        {"ph":"M","name":"process_sort_index","pid":2,"args":{"sort_index":2}},
        {"ph":"M","name":"thread_name","pid":2,"tid":196632,"args":{"name":"00:03.0"}},
        {"ph":"M","name":"thread_sort_index","pid":2,"tid":196632,"args":{"sort_index":24}},
        {"ph":"M","name":"process_name","pid":3,"args":{"name":"Xen: physical IRQs"}},
        {"ph":"M","name":"process_sort_index","pid":3,"args":{"sort_index":3}},
        {"ph":"M","name":"thread_name","pid":3,"tid":131088,"args":{"name":"irq 16"}},
        {"ph":"M","name":"thread_sort_index","pid":3,"tid":131088,"args":{"sort_index":16}},
        {"ph":"M","name":"thread_name","pid":3,"tid":131089,"args":{"name":"irq 17"}},
        {"ph":"M","name":"thread_sort_index","pid":3,"tid":131089,"args":{"sort_index":17}},
        {"ph":"M","name":"process_name","pid":18,"args":{"name":"d2"}},
        {"ph":"M","name":"process_sort_index","pid":18,"args":{"sort_index":18}},
        {"ph":"M","name":"thread_name","pid":18,"tid":65538,"args":{"name":"d2"}},
        {"ph":"M","name":"thread_sort_index","pid":18,"tid":65538,"args":{"sort_index":0}},
        {"ph":"X","name":"domain_create","cat":"hv","ts":0.000,"dur":0.005,"pid":1,"tid":1,"args":{"seq":0,"t_ns":0,"cpu":"cpu0","domain":"xen","code":87,"a":1,"b":2,"c":1,"text":"domain_create d1 (HVM, 1 vCPU(s))"}},
        {"ph":"X","name":"hypercall","cat":"failed","cname":"terrible","ts":0.010,"dur":0.005,"pid":1,"tid":1,"args":{"seq":1,"t_ns":0,"cpu":"cpu0","domain":"d0","code":86,"a":16,"b":16,"c":-1,"text":"domctl_irq_permission(16) = -EPERM"}},
        {"ph":"X","name":"do_IRQ","cat":"hv","ts":10.010,"dur":0.005,"pid":1,"tid":1,"args":{"seq":3,"t_ns":10000,"cpu":"cpu0","domain":"xen","code":75,"a":64,"b":16,"c":1,"text":"do_IRQ: vector 0x40 -> irq 16, 1 guest(s)"}},
        {"ph":"X","name":"physical_eoi","cat":"hv","ts":12.500,"dur":0.005,"pid":1,"tid":1,"args":{"seq":5,"t_ns":12500,"cpu":"cpu0","domain":"d1","code":84,"a":16,"b":64,"c":1,"text":"physical EOI of irq 16 (vector 0x40) by the IO-APIC EOI register"}},
        {"ph":"X","name":"ioapic_rte_write","cat":"hw","ts":10.020,"dur":0.005,"pid":1,"tid":2,"args":{"seq":4,"t_ns":10000,"cpu":"cpu1","domain":"d0","code":4,"a":528,"b":65536,"c":"0x010000000000a040","text":"IO-APIC 2 pin 16 entry: vec=0x40 fixed phys dest=1 level low"}},
        {"ph":"X","name":"do_IRQ","cat":"hv","ts":1000000.123,"dur":0.005,"pid":1,"tid":2,"args":{"seq":6,"t_ns":1000000123,"cpu":"cpu1","domain":"xen","code":75,"a":65,"b":17,"c":1,"text":"do_IRQ: vector 0x41 -> irq 17, 1 guest(s)"}},
        {"ph":"X","name":"pci_intx","cat":"hw","ts":10.000,"dur":0.005,"pid":2,"tid":196632,"args":{"seq":2,"t_ns":10000,"cpu":"-","domain":"xen","code":24,"a":24,"b":1,"c":0,"text":"PCI 00:03.0 INTx asserted"}},
        {"ph":"X","name":"irq 16 in service","cat":"irq","ts":10.010,"dur":2.495,"pid":3,"tid":131088,"args":{"vector":64,"guests":1,"eoi":"the IO-APIC EOI register","do_IRQ_seq":3,"eoi_seq":5}},
        {"ph":"X","name":"irq 17 in service (no EOI)","cat":"irq","ts":1000000.123,"dur":0.015,"pid":3,"tid":131089,"args":{"vector":65,"eoi":"none before the end of the trace","do_IRQ_seq":6}},
        {"ph":"X","name":"event_200","cat":"other","ts":1000000.133,"dur":0.005,"pid":18,"tid":65538,"args":{"seq":7,"t_ns":1000000123,"cpu":"cpu1","domain":"d2","code":200,"a":1,"b":-2,"c":3,"text":"event_200 a=1 b=-2 c=3"}},
        {"ph":"s","id":1,"name":"interrupt 1 (irq 16)","cat":"interrupt","ts":10.001,"pid":2,"tid":196632,"args":{"seq":2}},
        {"ph":"t","id":1,"name":"interrupt 1 (irq 16)","cat":"interrupt","bp":"e","ts":10.011,"pid":1,"tid":1,"args":{"seq":3}},
        {"ph":"f","id":1,"name":"interrupt 1 (irq 16)","cat":"interrupt","bp":"e","ts":12.501,"pid":1,"tid":1,"args":{"seq":5}},
        {"ph":"i","s":"p","name":"FAILED: domctl_irq_permission(16) = -EPERM","cat":"failed","cname":"terrible","ts":0.010,"pid":1,"tid":1,"args":{"seq":1}}
        ],"displayTimeUnit":"ns"}
        """;
}
