package io.irqsim.guest.trace;

import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.trace.HwEvent;

import static io.irqsim.guest.trace.TraceText.f;

/**
 * Sentences for the hardware layer's records ({@link HwEvent}): MMIO bus, IO-APIC, local APIC,
 * APIC bus, PCI; the physical devices and a guest's emulated ones, told apart by
 * {@link HwEvent#EMULATED}.
 */
final class HardwareText {

    private HardwareText() {
    }

    static String describe(final TraceRecord r) {
        final long a = HwEvent.device(r.a());
        switch (r.event()) {
            case HwEvent.MMIO_UNMAPPED_READ:
                return f("MMIO read 0x%x size %d: nothing there, reads 0x%x", r.a(), r.b(), r.c());
            case HwEvent.MMIO_UNMAPPED_WRITE:
                return f("MMIO write 0x%x size %d <- 0x%x: nothing there, dropped", r.a(), r.b(), r.c());
            case HwEvent.MMIO_REJECTED:
                return f("MMIO %s 0x%x size %d refused by the bus (size, alignment or range end)%s",
                    (r.b() & 0x100) != 0 ? "write" : "read", r.a(), r.b() & 0xFF,
                    (r.b() & 0x100) != 0 ? f(", value 0x%x", r.c()) : "");
            case HwEvent.IOAPIC_RTE_WRITE:
                return f("%s entry: %s%s", ioapicPin(r), Rte.toString(r.c()), r.b() == r.c() ? " (unchanged)" : "");
            case HwEvent.IOAPIC_PIN_LEVEL:
                return f("%s: line %s (%s)", ioapicPin(r), r.b() != 0 ? "high" : "low",
                    r.c() != 0 ? "asserted" : "deasserted");
            case HwEvent.IOAPIC_DELIVER:
                return f("%s: message vector 0x%02x, accepted by %d", ioapicPin(r), Rte.vector(r.b()), r.c());
            case HwEvent.IOAPIC_EOI:
                return f("%s: EOI vector 0x%02x%s", ioapicPin(r), r.b(),
                    r.c() != 0 ? ", still asserted: delivered again" : "");
            case HwEvent.IOAPIC_STORM_DEFER:
                return f("%s: re-delivery of vector 0x%02x deferred %d ns (storm guard)", ioapicPin(r), r.b(), r.c());
            case HwEvent.IOAPIC_MASKED_EDGE:
                return f("%s: edge dropped, the pin is masked (%s)", ioapicPin(r), Rte.toString(r.b()));
            case HwEvent.IOAPIC_IGNORED_ACCESS:
                return f("%s: %s of register offset 0x%x (IOREGSEL 0x%02x) size %d ignored, value 0x%x",
                    ioapic(r), (r.b() & 0x100) != 0 ? "write" : "read", a & 0xFFFF, (a >> 16) & 0xFFFF,
                    r.b() & 0xFF, r.c());
            case HwEvent.LAPIC_ACCEPT:
                return f("%s: accept vector 0x%02x (%s, %s)%s", lapic(r), r.b() & 0xFF,
                    Rte.deliveryModeName((int) ((r.b() >> 8) & 7)), (r.c() & 1) != 0 ? "level" : "edge",
                    (r.c() & HwEvent.LAPIC_ACCEPT_NMI_ABSORBED) != 0 ? ", absorbed: an NMI was already pending" : "");
            case HwEvent.LAPIC_ACK:
                return f("%s: acknowledge vector 0x%02x%s", lapic(r), r.b(), r.c() != 0 ? " (spurious)" : "");
            case HwEvent.LAPIC_EOI:
                return f("%s: EOI vector %s%s", lapic(r), r.b() < 0 ? "(none)" : f("0x%02x", r.b()),
                    r.c() != 0 ? ", broadcast" : "");
            case HwEvent.APIC_BUS_EOI:
                return f("%s: EOI message for vector 0x%02x", apicBus(r), a);
            case HwEvent.APIC_BUS_NO_TARGET:
                return f("%s: nobody accepted vector 0x%02x (%s) for %s destination 0x%x", apicBus(r), r.b() & 0xFF,
                    Rte.deliveryModeName((int) ((r.b() >> 8) & 7)), r.c() != 0 ? "logical" : "physical", a);
            case HwEvent.APIC_BUS_MSI:
                return f("%s: MSI address 0x%x data 0x%x (vector 0x%02x), accepted by %d", apicBus(r), a, r.b(),
                    r.b() & 0xFF, r.c());
            case HwEvent.PCI_INTX:
                return f("PCI %s INTx %s%s", Bdf.fromSbdf((int) r.a()), r.b() != 0 ? "asserted" : "released",
                    r.c() != 0 ? " (masked by INTx disable)" : "");
            default:
                return null;
        }
    }

    /**
     * @param r an IO-APIC record
     * @return {@code IO-APIC 2 pin 16} or, for a guest's emulated one, {@code d1 vIO-APIC 0 pin 36}
     */
    static String ioapicPin(final TraceRecord r) {
        final long a = HwEvent.device(r.a());
        return f("%s %d pin %d", ioapic(r), a >> 8, a & 0xFF);
    }

    private static String ioapic(final TraceRecord r) {
        return HwEvent.isEmulated(r.a()) ? f("d%d vIO-APIC", HwEvent.emulatedDomain(r.a())) : "IO-APIC";
    }

    /**
     * @param r a LAPIC record
     * @return {@code LAPIC 0} or, for a guest's emulated one, {@code d1 vLAPIC 0} (APIC ids)
     */
    static String lapic(final TraceRecord r) {
        final long id = HwEvent.device(r.a());
        return HwEvent.isEmulated(r.a()) ? f("d%d vLAPIC %d", HwEvent.emulatedDomain(r.a()), id) : "LAPIC " + id;
    }

    private static String apicBus(final TraceRecord r) {
        return HwEvent.isEmulated(r.a()) ? f("d%d virtual APIC bus", HwEvent.emulatedDomain(r.a())) : "APIC bus";
    }
}
