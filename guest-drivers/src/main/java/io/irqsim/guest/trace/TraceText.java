package io.irqsim.guest.trace;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.HwEvent;

import java.util.Locale;

/**
 * Readable text for binary trace records of every layer (hardware {@link HwEvent}, hypervisor
 * {@link HvEvent}, guest {@link GuestEvent}): event names, and one sentence per record. It is the
 * one decoder behind every view: {@code irqsim trace dump} in all its formats and the timeline
 * {@code irqsim run} prints, so a record reads the same everywhere.
 *
 * <p>Emulated interrupt controllers (a guest's vIO-APIC and vLAPICs, tagged with
 * {@link HwEvent#EMULATED}) are named {@code d1 vIO-APIC 0 pin 36} and {@code d1 vLAPIC 0};
 * the machine's are {@code IO-APIC 2 pin 16} and {@code LAPIC 0}.
 */
public final class TraceText {

    private TraceText() {
    }

    /**
     * @param event an event code
     * @return its name, or {@code "event_<code>"} for an unknown one
     */
    public static String name(final int event) {
        String n = HwEvent.name(event);
        if (n == null) {
            n = HvEvent.name(event);
        }
        if (n == null) {
            n = GuestEvent.name(event);
        }
        return n != null ? n : "event_" + event;
    }

    /**
     * @param r a record
     * @return a sentence describing it; never {@code null}. Only a code no layer defines gets the
     *     generic {@code name a=.. b=.. c=..}.
     * @throws IllegalArgumentException if an argument cannot be decoded (a PCI address outside
     *     segment 0, in a damaged or foreign file)
     */
    public static String describe(final TraceRecord r) {
        String s = HardwareText.describe(r);
        if (s == null) {
            s = decision(r);
        }
        if (s == null) {
            s = hypervisor(r);
        }
        if (s == null) {
            s = GuestText.describe(r);
        }
        return s != null ? s : raw(r);
    }

    /**
     * @param r a record
     * @return {@code name a=.. b=.. c=..}
     */
    public static String raw(final TraceRecord r) {
        return f("%s a=%d b=%d c=%d", name(r.event()), r.a(), r.b(), r.c());
    }

    /**
     * A line for the hypervisor decisions a timeline always shows (registration, mapping,
     * permission checks, bindings, vIO-APIC entries that changed, forced EOIs, domains).
     *
     * @param r a record
     * @return its {@link #describe sentence}, or {@code null} if the record is not one of those
     */
    public static String decision(final TraceRecord r) {
        switch (r.event()) {
            case HvEvent.GSI_REGISTER:
                return f("mp_register_gsi(%d, %s) = %s", r.a(), trigPol(r.b()), errno(r.c()));
            case HvEvent.HWDOM_MAP_GSI:
                return f("vioapic_hwdom_map_gsi(%d, %s) = %s", r.a(), trigPol(r.b()), errno(r.c()));
            case HvEvent.PIRQ_MAP:
                return f("map_domain_pirq(d%d, pirq %d, irq %d) = %s", r.domain(), r.a(), r.b(), errno(r.c()));
            case HvEvent.PIRQ_UNMAP:
                return f("unmap_domain_pirq(d%d, pirq %d) = %s", r.domain(), r.a(), errno(r.c()));
            case HvEvent.PERMISSION_CHECK:
                if (r.b() == HvEvent.CHECK_PIRQ_ACCESS) {
                    return f("pirq_access_permitted(pirq %d) = %d%s", r.a(), r.c(),
                        r.c() == 0 ? " (the caller has no mapping for it)" : "");
                }
                if (r.b() == HvEvent.CHECK_XSM) {
                    return f("XSM privilege check on %d = %s", r.a(), errno(r.c()));
                }
                return f("irq_access_permitted(irq %d) = %s", r.a(), r.c() != 0 ? "yes" : "no");
            case HvEvent.IRQ_ACCESS:
                return f("irq_%s_access(d%d, irq %d)", r.b() != 0 ? "permit" : "deny", r.domain(), r.a());
            case HvEvent.PT_BIND:
                return f("pt_irq_create_bind(d%d, pirq %d) = %s", r.domain(), r.a(), errno(r.c()));
            case HvEvent.PT_UNBIND:
                return f("pt_irq_destroy_bind(d%d, pirq %d) = %s", r.domain(), r.a(), errno(r.c()));
            case HvEvent.PIRQ_GUEST_BIND:
                return f("pirq_guest_bind(d%d, irq %d, %s) = %s", r.domain(), r.a(),
                    r.b() != 0 ? "shared" : "exclusive", errno(r.c()));
            case HvEvent.VIOAPIC_RTE_WRITE:
                if (r.b() == r.c()) {
                    return null;
                }
                return vioapicEntry(r);
            case HvEvent.EOI_TIMEOUT:
                return f("irq %d: a guest did not EOI within 1 ms, forcing the physical EOI (%d guest(s) still in"
                    + " flight)", r.a(), r.b());
            case HvEvent.DOMAIN_CREATE:
                return f("domain_create d%d (%s, %d vCPU(s))", r.a(), domainType(r.b()), r.c());
            default:
                return null;
        }
    }

    /**
     * A line for every event on an interrupt's way (hardware, Xen and guest), decisions included.
     *
     * @param r a record
     * @return its {@link #describe sentence}, or {@code null} for events off the interrupt path
     */
    public static String interruptPath(final TraceRecord r) {
        final String d = decision(r);
        if (d != null) {
            return d;
        }
        switch (r.event()) {
            case HwEvent.IOAPIC_PIN_LEVEL:
            case HwEvent.IOAPIC_DELIVER:
            case HwEvent.IOAPIC_EOI:
            case HwEvent.LAPIC_ACK:
            case HwEvent.LAPIC_EOI:
                return HardwareText.describe(r);
            case HvEvent.DO_IRQ:
            case HvEvent.GUEST_IRQ:
            case HvEvent.DPCI_ASSIST:
            case HvEvent.INTX_ASSERT:
            case HvEvent.INTX_DEASSERT:
            case HvEvent.GSI_ASSERT:
            case HvEvent.VCPU_INTERRUPT:
            case HvEvent.DPCI_EOI:
            case HvEvent.PIRQ_GUEST_EOI:
            case HvEvent.PHYS_EOI:
            case HvEvent.SPURIOUS_IRQ:
            case HvEvent.IRQ_RATELIMIT:
            case HvEvent.IRQ_RATELIMIT_END:
                return hypervisor(r);
            default:
                return null;
        }
    }

    private static String hypervisor(final TraceRecord r) {
        switch (r.event()) {
            case HvEvent.MMIO_TRAP:
                return f("MMIO %s 0x%x size %d %s 0x%x%s", (r.b() & 0x100) != 0 ? "write" : "read", r.a(),
                    r.b() & 0xFF, (r.b() & 0x100) != 0 ? "<-" : "->", r.c(),
                    (r.b() & 0x200) != 0 ? " (forwarded to a device model)" : "");
            case HvEvent.PIO_TRAP:
                return f("port %s 0x%04x size %d %s 0x%x", (r.b() & 0x100) != 0 ? "out" : "in", r.a(), r.b() & 0xFF,
                    (r.b() & 0x100) != 0 ? "<-" : "->", r.c());
            case HvEvent.VIOAPIC_RTE_WRITE:
                return vioapicEntry(r) + " (unchanged)";
            case HvEvent.DO_IRQ:
                return f("do_IRQ: vector 0x%02x -> irq %d, %d guest(s)", r.a(), r.b(), r.c());
            case HvEvent.GUEST_IRQ:
                return f("do_IRQ_guest: irq %d -> d%d pirq %d", r.a(), r.c(), r.b());
            case HvEvent.DPCI_ASSIST:
                return f("hvm_dirq_assist: pirq %d, %d line(s) asserted", r.a(), r.b());
            case HvEvent.INTX_ASSERT:
                return f("hvm_pci_intx_assert: dev %d INT%c -> guest GSI %d", r.a() >> 2, (char) ('A' + (r.a() & 3)),
                    r.b());
            case HvEvent.INTX_DEASSERT:
                return f("hvm_pci_intx_deassert: dev %d INT%c -> guest GSI %d", r.a() >> 2,
                    (char) ('A' + (r.a() & 3)), r.b());
            case HvEvent.GSI_ASSERT:
                return f("hvm_gsi_%sassert: GSI %d", r.b() != 0 ? "" : "de", r.a());
            case HvEvent.VCPU_INTERRUPT:
                return f("inject vector 0x%02x into d%d vCPU %d", r.b(), r.domain(), r.a());
            case HvEvent.DPCI_EOI:
                return f("hvm_dpci_eoi: guest GSI %d, pirq %d, %d EOI(s) still pending", r.a(), r.b(), r.c());
            case HvEvent.PIRQ_GUEST_EOI:
                return f("pirq_guest_eoi: irq %d, %d guest(s) still in flight", r.a(), r.b());
            case HvEvent.PHYS_EOI:
                return f("physical EOI of irq %d (vector 0x%02x) by %s", r.a(), r.b(), eoiMethod(r.c()));
            case HvEvent.IRQ_RATELIMIT:
                return f("irq_ratelimit: irq %d took %d interrupts in %d ns, disabled until irq_ratelimit_timer_fn",
                    r.a(), r.b(), r.c());
            case HvEvent.IRQ_RATELIMIT_END:
                return f("irq_ratelimit_timer_fn: irq %d enabled again", r.a());
            case HvEvent.SPURIOUS_IRQ:
                return r.b() < 0 ? f("vector 0x%02x: no irq behind it, nobody took it", r.a())
                    : f("vector 0x%02x (irq %d): no guest took it", r.a(), r.b());
            case HvEvent.HYPERCALL: {
                final HypercallOp op = HypercallOp.ofCode((int) r.a());
                return f("%s(%d) = %s", op == null ? "hypercall_" + r.a() : op.label(), r.b(), errno(r.c()));
            }
            case HvEvent.DOMAIN_DESTROY:
                return f("domain_destroy d%d", r.a());
            case HvEvent.EVTCHN_PIRQ:
                return f("send_guest_pirq: d%d pirq %d (irq %d)%s", r.domain(), r.a(), r.b(),
                    r.c() != 0 ? " -> its event channel" : ", no event channel bound: dropped");
            case HvEvent.VIOAPIC_EDGE_EOI:
                return f("d%d vIO-APIC GSI %d: level entry switched to edge with Remote IRR set: an EOI",
                    r.domain(), r.a());
            default:
                return null;
        }
    }

    /**
     * @param method a {@code physical_eoi} method ({@link HvEvent#EOI_LAPIC} etc.)
     * @return how Xen ended the interrupt, in words
     */
    public static String eoiMethod(final long method) {
        if (method == HvEvent.EOI_IOAPIC_EOIR) {
            return "the IO-APIC EOI register";
        }
        if (method == HvEvent.EOI_LAPIC) {
            return "LAPIC EOI broadcast";
        }
        if (method == HvEvent.EOI_UNMASK) {
            return "unmask";
        }
        return "method " + method;
    }

    private static String vioapicEntry(final TraceRecord r) {
        return f("d%d vIO-APIC GSI %d: %s", r.domain(), r.a(), Rte.toString(r.c()));
    }

    private static String domainType(final long ordinal) {
        return ordinal == 0 ? "PV" : ordinal == 1 ? "PVH" : ordinal == 2 ? "HVM" : "type " + ordinal;
    }

    static String trigPol(final long tp) {
        return ((tp & 2) != 0 ? "level" : "edge") + "/" + ((tp & 1) != 0 ? "low" : "high");
    }

    static String errno(final long rc) {
        return rc < Integer.MIN_VALUE || rc > Integer.MAX_VALUE ? Long.toString(rc) : Errno.name((int) rc);
    }

    static String f(final String format, final Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
