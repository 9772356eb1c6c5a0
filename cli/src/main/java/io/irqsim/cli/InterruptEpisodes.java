package io.irqsim.cli;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceReader;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.trace.HwEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups a trace's interrupt-path records into episodes, one per physical interrupt Xen takes:
 * the device's line and the physical IO-APIC and LAPIC ({@code pci_intx} .. {@code lapic_ack}),
 * {@code do_IRQ}, {@code do_IRQ_guest}, the dpci softirq ({@code hvm_pci_intx_assert},
 * {@code hvm_dirq_assist}), the guest's vIO-APIC and vLAPIC, the injection into a vCPU, the
 * guest's handler and driver, then back through every EOI (vLAPIC, vIO-APIC,
 * {@code hvm_dpci_eoi}, {@code pirq_guest_eoi}, the 1 ms timer if it fired, the physical IO-APIC
 * and {@code physical_eoi}). The Perfetto export draws each episode as one flow.
 *
 * <p>Records are matched by what they carry (irq, a domain's pirq, a domain's guest vector) where
 * they carry it, and otherwise belong to the episode the last matched record belonged to: the
 * model runs an interrupt's path synchronously, so its unkeyed steps (a vIO-APIC pin, the driver's
 * acknowledgement) follow the keyed step that caused them. A new assertion of a device's line
 * starts a new interrupt.
 */
final class InterruptEpisodes {

    /** One interrupt: the physical irq and the indexes of its records, in trace order. */
    static final class Episode {
        final int irq;
        final List<Long> records = new ArrayList<>();

        Episode(final int irq) {
            this.irq = irq;
        }
    }

    private final List<Episode> episodes = new ArrayList<>();
    private final List<Long> wire = new ArrayList<>();
    private final Map<Integer, Episode> byIrq = new HashMap<>();
    private final Map<Long, Episode> byPirq = new HashMap<>();
    private final Map<Long, Episode> byGuestVector = new HashMap<>();
    private Episode current;

    private InterruptEpisodes() {
    }

    /**
     * @param trace a decoded trace
     * @return its interrupt episodes, in the order Xen took them
     */
    static List<Episode> of(final TraceReader trace) {
        final InterruptEpisodes e = new InterruptEpisodes();
        for (long i = 0; i < trace.count(); i++) {
            e.add(i, trace.get(i));
        }
        return e.episodes;
    }

    private static long key(final int domain, final long value) {
        return ((long) domain << 32) | (value & 0xFFFF_FFFFL);
    }

    private void add(final long i, final TraceRecord r) {
        final boolean emulated = r.event() <= HwEvent.LAST_HW_EVENT && HwEvent.isEmulated(r.a());
        switch (r.event()) {
            case HwEvent.PCI_INTX:
                if (r.b() != 0) {
                    startWire(i);
                } else {
                    join(i);
                }
                break;
            case GuestEvent.DEVICE_RAISE:
                if (current == null) {
                    wire.add(i);
                }
                break;
            case HwEvent.IOAPIC_PIN_LEVEL:
            case HwEvent.IOAPIC_DELIVER:
            case HwEvent.LAPIC_ACCEPT:
            case HwEvent.LAPIC_ACK:
                if (emulated) {
                    join(i);
                    if (current != null && r.event() == HwEvent.LAPIC_ACCEPT) {
                        byGuestVector.put(key(HwEvent.emulatedDomain(r.a()), r.b() & 0xFF), current);
                    }
                } else if (current == null) {
                    wire.add(i);
                } else {
                    join(i);
                }
                break;
            case HvEvent.DO_IRQ:
                if (r.b() < 0) {
                    wire.add(i);
                    break;
                }
                Episode ep = byIrq.get((int) r.b());
                if (ep == null) {
                    ep = new Episode((int) r.b());
                    episodes.add(ep);
                    byIrq.put(ep.irq, ep);
                    ep.records.addAll(wire);
                }
                wire.clear();
                ep.records.add(i);
                current = ep;
                break;
            case HvEvent.GUEST_IRQ:
                follow(i, byIrq.get((int) r.a()));
                if (current != null) {
                    byPirq.put(key((int) r.c(), r.b()), current);
                }
                break;
            case HvEvent.DPCI_ASSIST:
                follow(i, byPirq.get(key(r.domain(), r.a())));
                break;
            case HvEvent.VCPU_INTERRUPT:
                follow(i, byGuestVector.get(key(r.domain(), r.b())));
                break;
            case HwEvent.LAPIC_EOI:
                if (emulated) {
                    follow(i, byGuestVector.remove(key(HwEvent.emulatedDomain(r.a()), r.b())));
                } else {
                    join(i);
                }
                break;
            case HvEvent.DPCI_EOI:
                follow(i, byPirq.get(key(r.domain(), r.b())));
                break;
            case HvEvent.PIRQ_GUEST_EOI:
            case HvEvent.EOI_TIMEOUT:
                follow(i, byIrq.get((int) r.a()));
                break;
            case HvEvent.PHYS_EOI:
                follow(i, byIrq.remove((int) r.a()));
                break;
            case HwEvent.IOAPIC_EOI:
                join(i);
                if (!emulated && r.c() != 0) {
                    current = null; // delivered again: the next do_IRQ is a new interrupt
                }
                break;
            case HwEvent.APIC_BUS_EOI:
            case HvEvent.INTX_ASSERT:
            case HvEvent.INTX_DEASSERT:
            case HvEvent.GSI_ASSERT:
            case HvEvent.SPURIOUS_IRQ:
            case HvEvent.EVTCHN_PIRQ:
            case GuestEvent.IRQ_HANDLED:
            case GuestEvent.IRQ_UNHANDLED:
            case GuestEvent.DEVICE_ACK:
                join(i);
                break;
            default:
                break;
        }
    }

    private void startWire(final long i) {
        current = null;
        wire.clear();
        wire.add(i);
    }

    private void join(final long i) {
        if (current != null) {
            current.records.add(i);
        }
    }

    private void follow(final long i, final Episode matched) {
        if (matched != null) {
            current = matched;
        }
        join(i);
    }
}
