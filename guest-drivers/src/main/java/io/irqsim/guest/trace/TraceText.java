package io.irqsim.guest.trace;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.trace.HwEvent;

/**
 * Readable text for binary trace records of every layer (hardware {@link HwEvent}, hypervisor
 * {@link HvEvent}, guest {@link GuestEvent}): event names, and a sentence per record.
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
     * @return a sentence describing it; never {@code null}
     */
    public static String describe(final TraceRecord r) {
        final String s = interruptPath(r);
        if (s != null) {
            return s;
        }
        switch (r.event()) {
            case HvEvent.HYPERCALL: {
                final HypercallOp op = HypercallOp.ofCode((int) r.a());
                return String.format("%s(%d) = %s", op == null ? "hypercall_" + r.a() : op.label(), r.b(),
                    Errno.name((int) r.c()));
            }
            case HvEvent.MMIO_TRAP:
                return String.format("MMIO %s 0x%x size %d %s 0x%x", (r.b() & 0x100) != 0 ? "write" : "read", r.a(),
                    r.b() & 0xFF, (r.b() & 0x100) != 0 ? "<-" : "->", r.c());
            case HwEvent.IOAPIC_RTE_WRITE:
                return String.format("IO-APIC %d pin %d entry: %s", r.a() >> 8, r.a() & 0xFF, Rte.toString(r.c()));
            case HwEvent.LAPIC_ACCEPT:
                return String.format("LAPIC %d: accept vector 0x%02x (%s, %s)", r.a(), r.b() & 0xFF,
                    Rte.deliveryModeName((int) (r.b() >> 8)), r.c() != 0 ? "level" : "edge");
            case HwEvent.APIC_BUS_EOI:
                return String.format("APIC bus: EOI message for vector 0x%02x", r.a());
            case HwEvent.PCI_INTX:
                return String.format("PCI %s INTx %s%s", Bdf.fromSbdf((int) r.a()), r.b() != 0 ? "asserted" : "released",
                    r.c() != 0 ? " (masked by INTx disable)" : "");
            case GuestEvent.DEVICE_RAISE:
                return String.format("device %s raises an interrupt%s", Bdf.fromSbdf((int) r.a()),
                    r.b() != 0 ? " (coalesced: one is pending)" : "");
            case GuestEvent.DEVICE_ACK:
                return String.format("driver acknowledges device %s (irq %d)", Bdf.fromSbdf((int) r.a()), r.b());
            case GuestEvent.IRQ_HANDLED:
                return String.format("Linux irq %d handled (vector 0x%02x)", r.a(), r.b());
            case GuestEvent.IRQ_UNHANDLED:
                return r.b() < 0 ? String.format("Linux: no irq for vector 0x%02x", r.a())
                    : String.format("Linux irq %d: nobody handled it", r.b());
            default:
                return String.format("%s a=%d b=%d c=%d", name(r.event()), r.a(), r.b(), r.c());
        }
    }

    /**
     * A line for the hypervisor decisions a timeline always shows (registration, mapping,
     * permission checks, bindings, vIO-APIC entries that changed).
     *
     * @param r a record
     * @return text, or {@code null} if the record is not one of those
     */
    public static String decision(final TraceRecord r) {
        switch (r.event()) {
            case HvEvent.GSI_REGISTER:
                return String.format("mp_register_gsi(%d, %s) = %s", r.a(), trigPol(r.b()), Errno.name((int) r.c()));
            case HvEvent.HWDOM_MAP_GSI:
                return String.format("vioapic_hwdom_map_gsi(%d, %s) = %s", r.a(), trigPol(r.b()), Errno.name((int) r.c()));
            case HvEvent.PIRQ_MAP:
                return String.format("map_domain_pirq(d%d, pirq %d, irq %d) = %s", r.domain(), r.a(), r.b(),
                    Errno.name((int) r.c()));
            case HvEvent.PIRQ_UNMAP:
                return String.format("unmap_domain_pirq(d%d, pirq %d) = %s", r.domain(), r.a(), Errno.name((int) r.c()));
            case HvEvent.PERMISSION_CHECK:
                return r.b() == HvEvent.CHECK_PIRQ_ACCESS
                    ? String.format("pirq_access_permitted(pirq %d) = %d%s", r.a(), r.c(),
                        r.c() == 0 ? " (the caller has no mapping for it)" : "")
                    : String.format("irq_access_permitted(irq %d) = %s", r.a(), r.c() != 0 ? "yes" : "no");
            case HvEvent.IRQ_ACCESS:
                return String.format("irq_%s_access(d%d, irq %d)", r.b() != 0 ? "permit" : "deny", r.domain(), r.a());
            case HvEvent.PT_BIND:
                return String.format("pt_irq_create_bind(d%d, pirq %d) = %s", r.domain(), r.a(), Errno.name((int) r.c()));
            case HvEvent.PT_UNBIND:
                return String.format("pt_irq_destroy_bind(d%d, pirq %d) = %s", r.domain(), r.a(), Errno.name((int) r.c()));
            case HvEvent.PIRQ_GUEST_BIND:
                return String.format("pirq_guest_bind(d%d, irq %d, %s) = %s", r.domain(), r.a(),
                    r.b() != 0 ? "shared" : "exclusive", Errno.name((int) r.c()));
            case HvEvent.VIOAPIC_RTE_WRITE:
                if (r.b() == r.c()) {
                    return null;
                }
                return String.format("d%d vIO-APIC GSI %d: %s", r.domain(), r.a(), Rte.toString(r.c()));
            case HvEvent.EOI_TIMEOUT:
                return String.format("irq %d: a guest did not EOI within 1 ms, forcing the physical EOI", r.a());
            case HvEvent.DOMAIN_CREATE:
                return String.format("domain_create d%d", r.a());
            default:
                return null;
        }
    }

    /**
     * A line for every event on an interrupt's way (hardware, Xen and guest), decisions included.
     *
     * @param r a record
     * @return text, or {@code null} for events with no readable form
     */
    public static String interruptPath(final TraceRecord r) {
        final String d = decision(r);
        if (d != null) {
            return d;
        }
        switch (r.event()) {
            case HwEvent.IOAPIC_PIN_LEVEL:
                return String.format("IO-APIC %d pin %d: line %s (%s)", r.a() >> 8, r.a() & 0xFF,
                    r.b() != 0 ? "high" : "low", r.c() != 0 ? "asserted" : "deasserted");
            case HwEvent.IOAPIC_DELIVER:
                return String.format("IO-APIC %d pin %d: message vector 0x%02x, accepted by %d", r.a() >> 8,
                    r.a() & 0xFF, Rte.vector(r.b()), r.c());
            case HwEvent.IOAPIC_EOI:
                return String.format("IO-APIC %d pin %d: EOI vector 0x%02x%s", r.a() >> 8, r.a() & 0xFF, r.b(),
                    r.c() != 0 ? ", still asserted: delivered again" : "");
            case HwEvent.LAPIC_ACK:
                return String.format("LAPIC %d: acknowledge vector 0x%02x%s", r.a(), r.b(), r.c() != 0 ? " (spurious)" : "");
            case HwEvent.LAPIC_EOI:
                return String.format("LAPIC %d: EOI vector %s%s", r.a(), r.b() < 0 ? "(none)" : String.format("0x%02x", r.b()),
                    r.c() != 0 ? ", broadcast" : "");
            case HvEvent.DO_IRQ:
                return String.format("do_IRQ: vector 0x%02x -> irq %d, %d guest(s)", r.a(), r.b(), r.c());
            case HvEvent.GUEST_IRQ:
                return String.format("do_IRQ_guest: irq %d -> d%d pirq %d", r.a(), r.c(), r.b());
            case HvEvent.DPCI_ASSIST:
                return String.format("hvm_dirq_assist: pirq %d, %d line(s) asserted", r.a(), r.b());
            case HvEvent.INTX_ASSERT:
                return String.format("hvm_pci_intx_assert: dev %d INT%c -> guest GSI %d", r.a() >> 2,
                    (char) ('A' + (r.a() & 3)), r.b());
            case HvEvent.INTX_DEASSERT:
                return String.format("hvm_pci_intx_deassert: dev %d INT%c -> guest GSI %d", r.a() >> 2,
                    (char) ('A' + (r.a() & 3)), r.b());
            case HvEvent.GSI_ASSERT:
                return String.format("hvm_gsi_%sassert: GSI %d", r.b() != 0 ? "" : "de", r.a());
            case HvEvent.VCPU_INTERRUPT:
                return String.format("inject vector 0x%02x into vCPU %d", r.b(), r.a());
            case HvEvent.DPCI_EOI:
                return String.format("hvm_dpci_eoi: guest GSI %d, pirq %d, %d EOI(s) still pending", r.a(), r.b(), r.c());
            case HvEvent.PIRQ_GUEST_EOI:
                return String.format("pirq_guest_eoi: irq %d, %d guest(s) still in flight", r.a(), r.b());
            case HvEvent.PHYS_EOI:
                return String.format("physical EOI of irq %d (vector 0x%02x) by %s", r.a(), r.b(),
                    r.c() == HvEvent.EOI_IOAPIC_EOIR ? "the IO-APIC EOI register" : r.c() == HvEvent.EOI_LAPIC
                        ? "LAPIC EOI broadcast" : "unmask");
            case HvEvent.SPURIOUS_IRQ:
                return String.format("vector 0x%02x: no guest took it", r.a());
            default:
                return null;
        }
    }

    private static String trigPol(final long tp) {
        return ((tp & 2) != 0 ? "level" : "edge") + "/" + ((tp & 1) != 0 ? "low" : "high");
    }
}
