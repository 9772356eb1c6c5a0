package io.irqsim.cli;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.trace.TraceText;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.trace.HwEvent;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where and when the Perfetto export draws each record, and the slices with a duration it adds.
 *
 * <p><b>Time.</b> Virtual time only moves while the machine waits, so a whole boot, and one
 * interrupt's whole path, share one nanosecond. The export spreads them: record <i>i</i> is drawn
 * at {@code max(t_i, drawn_(i-1) + }{@value #STEP_NS}{@code  ns)}, so records keep their order,
 * each gets its own spot, and drawn time never runs behind virtual time (it runs ahead of it by at
 * most 10 ns per record that shared a nanosecond). Every record keeps its exact virtual time in
 * its {@code t_ns} argument.
 *
 * <p><b>Tracks.</b> Each record goes on one track: a physical CPU's (Xen and the physical
 * hardware), a device's (its INTx line), a domain's (its kernel, toolstack, emulated vIO-APIC
 * and vLAPIC) or, while one of the domain's vCPUs is in an interrupt handler, that vCPU's. The
 * slices with a duration live on the CPU, vCPU and irq tracks.
 */
final class PerfettoLayout {

    /** Drawn distance between records that share a virtual nanosecond. */
    static final long STEP_NS = 10;
    /** Drawn length of one record's slice (shorter than {@link #STEP_NS}, so they never touch). */
    static final long RECORD_NS = 5;

    static final int PID_CPUS = 1;
    static final int PID_DEVICES = 2;
    static final int PID_IRQS = 3;
    static final int PID_DOMAIN_BASE = 16;
    static final int NO_CPU_TID = 0xFFFF;
    static final int DOMAIN_TID_BASE = 0x10000;
    static final int IRQ_TID_BASE = 0x20000;
    static final int DEVICE_TID_BASE = 0x30000;
    static final int VCPU_TID_BASE = 0x1000000;

    /** A track: a thread of a made-up process. */
    record Track(int pid, int tid, String process, String thread, int sortIndex) {
    }

    /** A slice with a drawn start and end in ns; {@code seq} is the record it stands for, or -1. */
    record Span(Track track, long start, long end, String name, String cat, long seq, String args) {
    }

    private static final class Open {
        final long start;
        final int a;
        final int b;

        Open(final long start, final int a, final int b) {
            this.start = start;
            this.a = a;
            this.b = b;
        }
    }

    final long[] drawn;
    final Track[] home;
    final List<Span> spans = new ArrayList<>();
    final Map<Long, Track> tracks = new TreeMap<>();
    final long end;

    private final Map<Integer, Integer> domainTypes = new HashMap<>();
    private final Map<Integer, Deque<Open>> handlers = new HashMap<>();
    private final Map<Integer, Open> inService = new HashMap<>();
    private final Map<Integer, Open> guestWait = new HashMap<>();
    private final Map<Integer, Long> lastAck = new HashMap<>();
    private final Map<Integer, Long> doIrqStart = new HashMap<>();
    private final Map<Integer, Long> softirqStart = new HashMap<>();
    private final Map<Integer, Long> eoiStart = new HashMap<>();

    PerfettoLayout(final TraceReader trace) {
        final int n = (int) trace.count();
        drawn = new long[n];
        home = new Track[n];
        for (int i = 0; i < n; i++) {
            final TraceRecord r = trace.get(i);
            drawn[i] = i == 0 ? r.time() : Math.max(r.time(), drawn[i - 1] + STEP_NS);
            place(i, r);
        }
        end = n == 0 ? 0 : drawn[n - 1] + RECORD_NS;
        closeAll();
    }

    private void place(final int i, final TraceRecord r) {
        final int cpu = r.cpu();
        switch (r.event()) {
            case HvEvent.DOMAIN_CREATE:
                domainTypes.put((int) r.a(), (int) r.b());
                break;
            case HwEvent.LAPIC_ACK:
                if (!HwEvent.isEmulated(r.a())) {
                    lastAck.put(cpu, (long) i);
                }
                break;
            case HvEvent.DO_IRQ:
                closeDoIrq(cpu, i - 1);
                final Long ack = lastAck.remove(cpu);
                doIrqStart.put(cpu, ack != null && ack == i - 1 ? ack : i);
                if (r.b() >= 0 && !inService.containsKey((int) r.b())) {
                    inService.put((int) r.b(), new Open(i, (int) r.a(), (int) r.c()));
                }
                break;
            case HvEvent.GUEST_IRQ:
                closeDoIrq(cpu, i);
                softirqStart.put(cpu, (long) i + 1);
                guestWait.putIfAbsent((int) r.a(), new Open(i, (int) r.c(), (int) r.b()));
                break;
            case HvEvent.SPURIOUS_IRQ:
                closeDoIrq(cpu, i);
                break;
            case HvEvent.VCPU_INTERRUPT:
                handlers.computeIfAbsent(r.domain(), d -> new ArrayDeque<>()).push(new Open(i, (int) r.a(), (int) r.b()));
                break;
            case HvEvent.DPCI_EOI:
                eoiStart.putIfAbsent(cpu, (long) i);
                break;
            default:
                break;
        }
        home[i] = homeTrack(r);
        switch (r.event()) {
            case HvEvent.DPCI_ASSIST: {
                final Long s = softirqStart.remove(cpu);
                if (s != null && s <= i) {
                    span(cpuTrack(cpu), drawn[s.intValue()], drawn[i] + RECORD_NS,
                        String.format(Locale.ROOT, "dpci softirq: hvm_dirq_assist pirq %d", r.a()), "xen", -1, "");
                }
                break;
            }
            case HwEvent.LAPIC_EOI:
                if (HwEvent.isEmulated(r.a())) {
                    closeHandler(HwEvent.emulatedDomain(r.a()), (int) r.b(), i);
                }
                break;
            case HvEvent.PIRQ_GUEST_EOI:
                if (r.b() == 0) {
                    closeGuestWait((int) r.a(), i, "guest EOI pending");
                }
                break;
            case HvEvent.EOI_TIMEOUT:
                closeGuestWait((int) r.a(), i, "guest EOI pending: the 1 ms timer forced the EOI");
                break;
            case HvEvent.PHYS_EOI: {
                final Long s = eoiStart.remove(cpu);
                if (s != null) {
                    span(cpuTrack(cpu), drawn[s.intValue()], drawn[i] + RECORD_NS, "EOI: hvm_dpci_eoi .. physical EOI",
                        "xen", -1, "");
                }
                final Open o = inService.remove((int) r.a());
                if (o != null) {
                    span(irqTrack((int) r.a()), drawn[(int) o.start], drawn[i] + RECORD_NS, "irq " + r.a() + " in service",
                        "irq", -1, String.format(Locale.ROOT, "\"vector\":%d,\"guests\":%d,\"eoi\":\"%s\","
                            + "\"do_IRQ_seq\":%d,\"eoi_seq\":%d", o.a, o.b, TraceText.eoiMethod(r.c()), o.start, i));
                }
                break;
            }
            default:
                break;
        }
    }

    private void closeDoIrq(final int cpu, final int last) {
        final Long s = doIrqStart.remove(cpu);
        if (s != null && s <= last) {
            span(cpuTrack(cpu), drawn[s.intValue()], drawn[last] + RECORD_NS, "do_IRQ", "xen", -1, "");
        }
    }

    private void closeHandler(final int domain, final int vector, final int i) {
        final Deque<Open> open = handlers.get(domain);
        if (open == null) {
            return;
        }
        for (final Iterator<Open> it = open.iterator(); it.hasNext();) {
            final Open o = it.next();
            if (o.b == vector) {
                it.remove();
                span(vcpuTrack(domain, o.a), drawn[(int) o.start], drawn[i] + RECORD_NS,
                    String.format(Locale.ROOT, "vector 0x%02x handler", vector), "guest", -1,
                    String.format(Locale.ROOT, "\"vector\":%d,\"injected_seq\":%d,\"eoi_seq\":%d", vector, o.start, i));
                return;
            }
        }
    }

    private void closeGuestWait(final int irq, final int i, final String name) {
        final Open o = guestWait.remove(irq);
        if (o != null) {
            span(irqTrack(irq), drawn[(int) o.start], drawn[i] + RECORD_NS, name, "irq", -1,
                String.format(Locale.ROOT, "\"domain\":\"d%d\",\"pirq\":%d,\"from_seq\":%d,\"to_seq\":%d", o.a, o.b,
                    o.start, i));
        }
    }

    private void closeAll() {
        for (final Map.Entry<Integer, Open> e : new TreeMap<>(inService).entrySet()) {
            span(irqTrack(e.getKey()), drawn[(int) e.getValue().start], end, "irq " + e.getKey() + " in service (no EOI)",
                "irq", -1, String.format(Locale.ROOT, "\"vector\":%d,\"eoi\":\"none before the end of the trace\","
                    + "\"do_IRQ_seq\":%d", e.getValue().a, e.getValue().start));
        }
        for (final Map.Entry<Integer, Open> e : new TreeMap<>(guestWait).entrySet()) {
            span(irqTrack(e.getKey()), drawn[(int) e.getValue().start], end, "guest EOI pending (none before the end)",
                "irq", -1, "");
        }
        for (final Map.Entry<Integer, Deque<Open>> e : new TreeMap<>(handlers).entrySet()) {
            for (final Open o : e.getValue()) {
                span(vcpuTrack(e.getKey(), o.a), drawn[(int) o.start], end,
                    String.format(Locale.ROOT, "vector 0x%02x handler (no EOI)", o.b), "guest", -1, "");
            }
        }
    }

    private void span(final Track t, final long start, final long stop, final String name, final String cat,
                      final long seq, final String args) {
        spans.add(new Span(t, start, Math.max(stop, start), name, cat, seq, args));
    }

    private Track homeTrack(final TraceRecord r) {
        final int event = r.event();
        if (event == HwEvent.PCI_INTX || event == GuestEvent.DEVICE_RAISE) {
            return deviceTrack((int) (r.a() & 0xFFFF));
        }
        if (event <= HwEvent.LAST_HW_EVENT && event >= HwEvent.IOAPIC_RTE_WRITE && HwEvent.isEmulated(r.a())) {
            return domainOrVcpu(HwEvent.emulatedDomain(r.a()));
        }
        if (event >= HvEvent.FIRST_GUEST_EVENT || event == HvEvent.VCPU_INTERRUPT) {
            return domainOrVcpu(r.domain());
        }
        return cpuTrack(r.cpu());
    }

    private Track domainOrVcpu(final int domain) {
        final Deque<Open> open = handlers.get(domain);
        if (open != null && !open.isEmpty()) {
            return vcpuTrack(domain, open.peek().a);
        }
        return track(PID_DOMAIN_BASE + domain, DOMAIN_TID_BASE + domain, domainName(domain), domainName(domain), 0);
    }

    Track cpuTrack(final int cpu) {
        return cpu < 0 ? track(PID_CPUS, NO_CPU_TID, "Xen: physical CPUs", "no CPU (machine being built)", NO_CPU_TID)
            : track(PID_CPUS, cpu + 1, "Xen: physical CPUs", "pCPU " + cpu, cpu);
    }

    private Track irqTrack(final int irq) {
        return track(PID_IRQS, IRQ_TID_BASE + irq, "Xen: physical IRQs", "irq " + irq, irq);
    }

    private Track deviceTrack(final int bdf) {
        return track(PID_DEVICES, DEVICE_TID_BASE + bdf, "devices (INTx lines)",
            String.format(Locale.ROOT, "%02x:%02x.%d", bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7), bdf);
    }

    private Track vcpuTrack(final int domain, final int vcpu) {
        return track(PID_DOMAIN_BASE + domain, VCPU_TID_BASE + domain * 256 + (vcpu & 0xFF), domainName(domain),
            domainLabel(domain) + " vCPU " + vcpu, vcpu + 1);
    }

    private Track track(final int pid, final int tid, final String process, final String thread, final int sort) {
        return tracks.computeIfAbsent(((long) pid << 32) | tid, k -> new Track(pid, tid, process, thread, sort));
    }

    private static String domainLabel(final int domain) {
        return domain == TraceFormat.DOMID_XEN ? "Xen" : "d" + domain;
    }

    private String domainName(final int domain) {
        final Integer type = domainTypes.get(domain);
        if (domain == TraceFormat.DOMID_XEN || type == null) {
            return domainLabel(domain);
        }
        return domainLabel(domain) + (type == 0 ? " (PV)" : type == 1 ? " (PVH)" : " (HVM)");
    }

    /**
     * @param r a record
     * @return whether it reports a failed call: a hypercall, toolstack step or Xen/Linux function
     *     that returned a negative errno
     */
    static boolean failed(final TraceRecord r) {
        switch (r.event()) {
            case HvEvent.HYPERCALL:
            case HvEvent.GSI_REGISTER:
            case HvEvent.HWDOM_MAP_GSI:
            case HvEvent.PIRQ_MAP:
            case HvEvent.PIRQ_UNMAP:
            case HvEvent.PT_BIND:
            case HvEvent.PT_UNBIND:
            case HvEvent.PIRQ_GUEST_BIND:
            case GuestEvent.TOOLSTACK_STEP:
            case GuestEvent.REQUEST_IRQ:
            case GuestEvent.REGISTER_GSI:
                return r.c() < 0;
            case GuestEvent.PRIVCMD_GET_GSI:
                return r.b() < 0;
            default:
                return false;
        }
    }
}
