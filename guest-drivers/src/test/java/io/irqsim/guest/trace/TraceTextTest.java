package io.irqsim.guest.trace;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.trace.HwEvent;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every event kind any layer defines decodes to a sentence, never to the raw
 * {@code name a=.. b=.. c=..} form; each sentence below is written out by hand from the event's
 * argument table in docs/trace.md.
 */
class TraceTextTest {

    private static final int XEN = 0x7FF2;
    private static final long D1 = HwEvent.emulatedFor(1);

    private static TraceRecord rec(final int event, final int domain, final long a, final long b, final long c) {
        return new TraceRecord(0, event, 0, domain, a, b, c);
    }

    /** One sample record per event kind and the sentence it must read as. */
    private static Map<TraceRecord, String> samples() {
        final Map<TraceRecord, String> m = new LinkedHashMap<>();
        m.put(rec(HwEvent.MMIO_UNMAPPED_READ, 0, 0xfed00000L, 4, 0xffffffffL),
            "MMIO read 0xfed00000 size 4: nothing there, reads 0xffffffff");
        m.put(rec(HwEvent.MMIO_UNMAPPED_WRITE, 0, 0xfed00000L, 4, 7), "MMIO write 0xfed00000 size 4 <- 0x7: nothing there, dropped");
        m.put(rec(HwEvent.MMIO_REJECTED, 0, 0xfec00001L, 0x104, 5),
            "MMIO write 0xfec00001 size 4 refused by the bus (size, alignment or range end), value 0x5");
        m.put(rec(HwEvent.IOAPIC_RTE_WRITE, 0, 0x210, 0x10000, 0xa040),
            "IO-APIC 2 pin 16 entry: vec=0x40 fixed phys dest=0 level low");
        m.put(rec(HwEvent.IOAPIC_PIN_LEVEL, 1, D1 | 36, 1, 1), "d1 vIO-APIC 0 pin 36: line high (asserted)");
        m.put(rec(HwEvent.IOAPIC_DELIVER, XEN, 0x210, 0xa040, 1), "IO-APIC 2 pin 16: message vector 0x40, accepted by 1");
        m.put(rec(HwEvent.IOAPIC_EOI, 1, D1 | 36, 0x41, 0), "d1 vIO-APIC 0 pin 36: EOI vector 0x41");
        m.put(rec(HwEvent.IOAPIC_STORM_DEFER, XEN, 0x210, 0x40, 1000),
            "IO-APIC 2 pin 16: re-delivery of vector 0x40 deferred 1000 ns (storm guard)");
        m.put(rec(HwEvent.IOAPIC_MASKED_EDGE, XEN, 0x204, 0x10030, 0),
            "IO-APIC 2 pin 4: edge dropped, the pin is masked (vec=0x30 fixed phys dest=0 edge high masked)");
        m.put(rec(HwEvent.IOAPIC_IGNORED_ACCESS, 0, 0x10 | (0x03L << 16), 0x104, 9),
            "IO-APIC: write of register offset 0x10 (IOREGSEL 0x03) size 4 ignored, value 0x9");
        m.put(rec(HwEvent.LAPIC_ACCEPT, 1, D1, 0x41, 1), "d1 vLAPIC 0: accept vector 0x41 (fixed, level)");
        m.put(rec(HwEvent.LAPIC_ACK, XEN, 0, 0x40, 0), "LAPIC 0: acknowledge vector 0x40");
        m.put(rec(HwEvent.LAPIC_EOI, 1, D1, 0x41, 1), "d1 vLAPIC 0: EOI vector 0x41, broadcast");
        m.put(rec(HwEvent.APIC_BUS_EOI, 1, D1 | 0x41, 0, 0), "d1 virtual APIC bus: EOI message for vector 0x41");
        m.put(rec(HwEvent.APIC_BUS_NO_TARGET, XEN, 5, 0x41, 0),
            "APIC bus: nobody accepted vector 0x41 (fixed) for physical destination 0x5");
        m.put(rec(HwEvent.APIC_BUS_MSI, XEN, 0xfee00000L, 0x4051, 1),
            "APIC bus: MSI address 0xfee00000 data 0x4051 (vector 0x51), accepted by 1");
        m.put(rec(HwEvent.PCI_INTX, XEN, 0x18, 1, 0), "PCI 00:03.0 INTx asserted");

        m.put(rec(HvEvent.MMIO_TRAP, 1, 0xfee000b0L, 0x104, 0), "MMIO write 0xfee000b0 size 4 <- 0x0");
        m.put(rec(HvEvent.PIO_TRAP, 1, 0xc004L, 0x102, 0xbeef), "port out 0xc004 size 2 <- 0xbeef");
        m.put(rec(HvEvent.PIO_TRAP, 1, 0xc000L, 0x004, 0x10abcdefL), "port in 0xc000 size 4 -> 0x10abcdef");
        m.put(rec(HvEvent.VIOAPIC_RTE_WRITE, 0, 16, 0x10000, 0xa040),
            "d0 vIO-APIC GSI 16: vec=0x40 fixed phys dest=0 level low");
        m.put(rec(HvEvent.HWDOM_MAP_GSI, 0, 16, 3, 0), "vioapic_hwdom_map_gsi(16, level/low) = 0");
        m.put(rec(HvEvent.GSI_REGISTER, 0, 16, 2, -22), "mp_register_gsi(16, level/high) = -EINVAL");
        m.put(rec(HvEvent.PIRQ_MAP, 1, 16, 16, 0), "map_domain_pirq(d1, pirq 16, irq 16) = 0");
        m.put(rec(HvEvent.PIRQ_UNMAP, 1, 16, 16, 0), "unmap_domain_pirq(d1, pirq 16) = 0");
        m.put(rec(HvEvent.IRQ_ACCESS, 1, 16, 1, 0), "irq_permit_access(d1, irq 16)");
        m.put(rec(HvEvent.PERMISSION_CHECK, 0, 16, HvEvent.CHECK_PIRQ_ACCESS, 0),
            "pirq_access_permitted(pirq 16) = 0 (the caller has no mapping for it)");
        m.put(rec(HvEvent.PT_BIND, 1, 16, 0x50000, -1), "pt_irq_create_bind(d1, pirq 16) = -EPERM");
        m.put(rec(HvEvent.PT_UNBIND, 1, 16, 0x50000, 0), "pt_irq_destroy_bind(d1, pirq 16) = 0");
        m.put(rec(HvEvent.PIRQ_GUEST_BIND, 1, 16, 1, 0), "pirq_guest_bind(d1, irq 16, shared) = 0");
        m.put(rec(HvEvent.DO_IRQ, XEN, 0x40, 16, 1), "do_IRQ: vector 0x40 -> irq 16, 1 guest(s)");
        m.put(rec(HvEvent.GUEST_IRQ, XEN, 16, 17, 1), "do_IRQ_guest: irq 16 -> d1 pirq 17");
        m.put(rec(HvEvent.DPCI_ASSIST, 1, 16, 1, 1), "hvm_dirq_assist: pirq 16, 1 line(s) asserted");
        m.put(rec(HvEvent.INTX_ASSERT, 1, 5 << 2, 36, 1), "hvm_pci_intx_assert: dev 5 INTA -> guest GSI 36");
        m.put(rec(HvEvent.INTX_DEASSERT, 1, (5 << 2) | 1, 37, 0), "hvm_pci_intx_deassert: dev 5 INTB -> guest GSI 37");
        m.put(rec(HvEvent.GSI_ASSERT, 0, 16, 0, 0), "hvm_gsi_deassert: GSI 16");
        m.put(rec(HvEvent.VCPU_INTERRUPT, 1, 0, 0x41, 0), "inject vector 0x41 into d1 vCPU 0");
        m.put(rec(HvEvent.DPCI_EOI, 1, 36, 16, 0), "hvm_dpci_eoi: guest GSI 36, pirq 16, 0 EOI(s) still pending");
        m.put(rec(HvEvent.PIRQ_GUEST_EOI, 1, 16, 0, 1), "pirq_guest_eoi: irq 16, 0 guest(s) still in flight");
        m.put(rec(HvEvent.PHYS_EOI, 1, 16, 0x40, HvEvent.EOI_IOAPIC_EOIR),
            "physical EOI of irq 16 (vector 0x40) by the IO-APIC EOI register");
        m.put(rec(HvEvent.IRQ_RATELIMIT, XEN, 16, 10_000, 2_500_000),
            "irq_ratelimit: irq 16 took 10000 interrupts in 2500000 ns, disabled until irq_ratelimit_timer_fn");
        m.put(rec(HvEvent.IRQ_RATELIMIT_END, XEN, 16, 0, 0), "irq_ratelimit_timer_fn: irq 16 enabled again");
        m.put(rec(HvEvent.EOI_TIMEOUT, XEN, 16, 1, 0),
            "irq 16: a guest did not EOI within 1 ms, forcing the physical EOI (1 guest(s) still in flight)");
        m.put(rec(HvEvent.HYPERCALL, 0, 16, 16, -1), "domctl_irq_permission(16) = -EPERM");
        m.put(rec(HvEvent.DOMAIN_CREATE, XEN, 1, 2, 1), "domain_create d1 (HVM, 1 vCPU(s))");
        m.put(rec(HvEvent.DOMAIN_DESTROY, XEN, 1, 0, 0), "domain_destroy d1");
        m.put(rec(HvEvent.EVTCHN_PIRQ, 0, 9, 9, 1), "send_guest_pirq: d0 pirq 9 (irq 9) -> its event channel");
        m.put(rec(HvEvent.SPURIOUS_IRQ, XEN, 0x40, 16, 0), "vector 0x40 (irq 16): no guest took it");
        m.put(rec(HvEvent.VIOAPIC_EDGE_EOI, 0, 16, 0, 0),
            "d0 vIO-APIC GSI 16: level entry switched to edge with Remote IRR set: an EOI");

        m.put(rec(GuestEvent.PCI_IRQ_ENABLE, 0, 0x20, 17, 24), "acpi_pci_irq_enable(00:04.0): GSI 17 -> Linux irq 24");
        m.put(rec(GuestEvent.REGISTER_GSI, 0, 17, 3, 24), "acpi_register_gsi(17, level/low) = irq 24");
        m.put(rec(GuestEvent.REQUEST_IRQ, 0, 24, 17, 0), "request_irq(24) for GSI 17 = 0");
        m.put(rec(GuestEvent.IRQ_HANDLED, 1, 48, 0x41, 1), "Linux irq 48 handled (vector 0x41)");
        m.put(rec(GuestEvent.IRQ_UNHANDLED, 1, 0x41, 48, 0), "Linux irq 48: nobody handled it");
        m.put(rec(GuestEvent.PCIBACK_SEIZE, 0, 0x18, 0, 0), "pciback seizes 00:03.0");
        m.put(rec(GuestEvent.TOOLSTACK_STEP, 0, 5, 16, -1), "libxl: irq_permission(pirq 16) = -EPERM");
        m.put(rec(GuestEvent.DEVICE_RAISE, XEN, 0x18, 1, 0), "device 00:03.0 raises an interrupt (coalesced: one is pending)");
        m.put(rec(GuestEvent.DEVICE_ACK, 1, 0x28, 48, 0), "driver acknowledges device 00:05.0 (irq 48)");
        m.put(rec(GuestEvent.PCIBACK_UNMASK, 0, 0x18, 26, 0), "pciback: unmask_irq(26) for 00:03.0");
        m.put(rec(GuestEvent.PRIVCMD_GET_GSI, 0, 0x18, 16, 1), "privcmd IOCTL_PRIVCMD_PCIDEV_GET_GSI(00:03.0) = 16");
        m.put(rec(GuestEvent.FREE_IRQ, 0, 16, 16, 1), "free_irq(16) for GSI 16: last action gone, irq shut down");
        return m;
    }

    @Test
    void everyEventKindDecodesToItsSentence() {
        final TreeSet<Integer> kinds = new TreeSet<>();
        for (int code = 0; code < 256; code++) {
            if (!TraceText.name(code).startsWith("event_")) {
                kinds.add(code);
            }
        }
        final TreeSet<Integer> sampled = new TreeSet<>();
        for (final Map.Entry<TraceRecord, String> e : samples().entrySet()) {
            sampled.add(e.getKey().event());
            assertEquals(e.getValue(), TraceText.describe(e.getKey()), TraceText.name(e.getKey().event()));
        }
        assertEquals(kinds, sampled, "every named event kind has a sample here");
    }

    @Test
    void noNamedEventFallsBackToRawArguments() {
        for (int code = 0; code < 256; code++) {
            final String name = TraceText.name(code);
            if (name.startsWith("event_")) {
                continue;
            }
            final String text = TraceText.describe(new TraceRecord(5, code, 0, 1, 3, 2, 1));
            assertFalse(text.contains(" a=3 b=2 c=1"), name + ": " + text);
        }
    }

    @Test
    void everyToolstackStepReadsAsACall() {
        assertEquals("libxl: assign_device(00:03.0) = 0", TraceText.describe(rec(GuestEvent.TOOLSTACK_STEP, 0, 1, 0x18, 0)));
        assertEquals("libxl: privcmd_gsi(00:03.0) = 16", TraceText.describe(rec(GuestEvent.TOOLSTACK_STEP, 0, 3, 0x18, 16)));
        assertEquals("libxl: map_pirq(16) = pirq 16", TraceText.describe(rec(GuestEvent.TOOLSTACK_STEP, 0, 4, 16, 16)));
        assertEquals("libxl: gsi_permission(gsi 17) = 0", TraceText.describe(rec(GuestEvent.TOOLSTACK_STEP, 0, 6, 17, 0)));
        assertEquals("device model: bind_pt_irq(pirq 16) = 0",
            TraceText.describe(rec(GuestEvent.TOOLSTACK_STEP, 0, 8, 16, 0)));
        assertEquals("toolstack: step_42(1) = 0", TraceText.describe(rec(GuestEvent.TOOLSTACK_STEP, 0, 42, 1, 0)));
    }

    @Test
    void guestControllersAreLabelledApartFromThePhysicalOnes() {
        final String physical = TraceText.describe(rec(HwEvent.LAPIC_ACK, 1, 0, 0x41, 0));
        final String virtual = TraceText.describe(rec(HwEvent.LAPIC_ACK, 1, HwEvent.emulatedFor(1), 0x41, 0));
        assertEquals("LAPIC 0: acknowledge vector 0x41", physical);
        assertEquals("d1 vLAPIC 0: acknowledge vector 0x41", virtual);
    }

    @Test
    void anUnchangedVioapicEntryIsNoTimelineDecisionButStillDecodes() {
        final TraceRecord same = rec(HvEvent.VIOAPIC_RTE_WRITE, 0, 16, 0x10000, 0x10000);
        assertNull(TraceText.decision(same));
        assertEquals("d0 vIO-APIC GSI 16: vec=0x00 fixed phys dest=0 edge high masked (unchanged)", TraceText.describe(same));
    }

    /** The other branch of each sentence that has one: failures, "none", flags, the other unit. */
    @Test
    void everySentenceSaysTheOtherCaseToo() {
        final Map<TraceRecord, String> m = new LinkedHashMap<>();
        m.put(rec(HwEvent.MMIO_REJECTED, 0, 0xfec00001L, 0x002, 0), "MMIO read 0xfec00001 size 2 refused by the bus (size, alignment or range end)");
        m.put(rec(HwEvent.IOAPIC_RTE_WRITE, 0, 0x210, 0xa040, 0xa040),
            "IO-APIC 2 pin 16 entry: vec=0x40 fixed phys dest=0 level low (unchanged)");
        m.put(rec(HwEvent.IOAPIC_PIN_LEVEL, XEN, 0x210, 0, 0), "IO-APIC 2 pin 16: line low (deasserted)");
        m.put(rec(HwEvent.IOAPIC_DELIVER, XEN, 0x301, 0x1a041, 2), "IO-APIC 3 pin 1: message vector 0x41, accepted by 2");
        m.put(rec(HwEvent.IOAPIC_EOI, XEN, 0x210, 0x40, 1), "IO-APIC 2 pin 16: EOI vector 0x40, still asserted: delivered again");
        m.put(rec(HwEvent.IOAPIC_IGNORED_ACCESS, 1, D1 | 0x40 | (0x12L << 16), 0x004, 7),
            "d1 vIO-APIC: read of register offset 0x40 (IOREGSEL 0x12) size 4 ignored, value 0x7");
        m.put(rec(HwEvent.LAPIC_ACCEPT, XEN, 2, 0x141, 0), "LAPIC 2: accept vector 0x41 (lowest, edge)");
        // vlapic_accept_irq (xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0): an NMI while nmi_pending is set changes nothing
        m.put(rec(HwEvent.LAPIC_ACCEPT, 1, D1, 0x400, 2),
            "d1 vLAPIC 0: accept vector 0x00 (nmi, edge), absorbed: an NMI was already pending");
        m.put(rec(HwEvent.LAPIC_ACK, XEN, 0, 0xff, 1), "LAPIC 0: acknowledge vector 0xff (spurious)");
        m.put(rec(HwEvent.LAPIC_EOI, XEN, 0, -1, 0), "LAPIC 0: EOI vector (none)");
        m.put(rec(HwEvent.APIC_BUS_EOI, XEN, 0x40, 0, 0), "APIC bus: EOI message for vector 0x40");
        m.put(rec(HwEvent.APIC_BUS_NO_TARGET, 1, D1 | 3, 0x441, 1),
            "d1 virtual APIC bus: nobody accepted vector 0x41 (nmi) for logical destination 0x3");
        m.put(rec(HwEvent.PCI_INTX, XEN, 0x109, 0, 1), "PCI 01:01.1 INTx released (masked by INTx disable)");
        m.put(rec(HvEvent.MMIO_TRAP, 1, 0xfe000000L, 0x304, 0), "MMIO write 0xfe000000 size 4 <- 0x0 (forwarded to a device model)");
        m.put(rec(HvEvent.MMIO_TRAP, 1, 0xfe000004L, 0x002, 0x55), "MMIO read 0xfe000004 size 2 -> 0x55");
        m.put(rec(HvEvent.PERMISSION_CHECK, 0, 16, HvEvent.CHECK_IRQ_ACCESS, 1), "irq_access_permitted(irq 16) = yes");
        m.put(rec(HvEvent.PERMISSION_CHECK, 0, 16, HvEvent.CHECK_IRQ_ACCESS, 0), "irq_access_permitted(irq 16) = no");
        m.put(rec(HvEvent.PERMISSION_CHECK, 0, 16, HvEvent.CHECK_XSM, -1), "XSM privilege check on 16 = -EPERM");
        m.put(rec(HvEvent.PERMISSION_CHECK, 0, 16, HvEvent.CHECK_PIRQ_ACCESS, 16), "pirq_access_permitted(pirq 16) = 16");
        m.put(rec(HvEvent.IRQ_ACCESS, 1, 16, 0, 0), "irq_deny_access(d1, irq 16)");
        m.put(rec(HvEvent.PIRQ_GUEST_BIND, 1, 16, 0, -16), "pirq_guest_bind(d1, irq 16, exclusive) = -EBUSY");
        m.put(rec(HvEvent.GSI_ASSERT, 0, 16, 1, 0), "hvm_gsi_assert: GSI 16");
        m.put(rec(HvEvent.PHYS_EOI, 1, 16, 0x40, HvEvent.EOI_LAPIC), "physical EOI of irq 16 (vector 0x40) by LAPIC EOI broadcast");
        m.put(rec(HvEvent.PHYS_EOI, 1, 16, 0x40, HvEvent.EOI_UNMASK), "physical EOI of irq 16 (vector 0x40) by unmask");
        m.put(rec(HvEvent.PHYS_EOI, 1, 16, 0x40, 7), "physical EOI of irq 16 (vector 0x40) by method 7");
        m.put(rec(HvEvent.SPURIOUS_IRQ, XEN, 0x40, -1, 0), "vector 0x40: no irq behind it, nobody took it");
        m.put(rec(HvEvent.HYPERCALL, 0, 99, 16, 0), "hypercall_99(16) = 0");
        m.put(rec(HvEvent.DOMAIN_CREATE, XEN, 0, 0, 2), "domain_create d0 (PV, 2 vCPU(s))");
        m.put(rec(HvEvent.DOMAIN_CREATE, XEN, 0, 1, 1), "domain_create d0 (PVH, 1 vCPU(s))");
        m.put(rec(HvEvent.DOMAIN_CREATE, XEN, 3, 9, 1), "domain_create d3 (type 9, 1 vCPU(s))");
        m.put(rec(HvEvent.EVTCHN_PIRQ, 0, 9, 9, 0), "send_guest_pirq: d0 pirq 9 (irq 9), no event channel bound: dropped");
        m.put(rec(HvEvent.GSI_REGISTER, 0, 4, 1, 0), "mp_register_gsi(4, edge/low) = 0");
        m.put(rec(HvEvent.HYPERCALL, 0, 16, 16, 1L << 40), "domctl_irq_permission(16) = 1099511627776");
        m.put(rec(GuestEvent.PCI_IRQ_ENABLE, 0, 0x20, -1, 0), "acpi_pci_irq_enable(00:04.0): no GSI, Linux irq 0");
        m.put(rec(GuestEvent.REGISTER_GSI, 0, 17, 3, -22), "acpi_register_gsi(17, level/low) = -EINVAL");
        m.put(rec(GuestEvent.REQUEST_IRQ, 0, 24, -1, -16), "request_irq(24) = -EBUSY");
        m.put(rec(GuestEvent.IRQ_HANDLED, 1, 48, -1, 1), "Linux irq 48 handled (event channel, no vector)");
        m.put(rec(GuestEvent.IRQ_UNHANDLED, 1, 0x41, -1, 0), "Linux: no irq for vector 0x41");
        m.put(rec(GuestEvent.DEVICE_RAISE, XEN, 0x18, 0, 0), "device 00:03.0 raises an interrupt");
        m.put(rec(GuestEvent.PRIVCMD_GET_GSI, 0, 0x18, -19, 0), "privcmd: the GSI behind dom0's irq for 00:03.0 = -ENODEV");
        m.put(rec(GuestEvent.FREE_IRQ, 0, 24, 17, 0), "free_irq(24) for GSI 17: other actions remain");
        m.put(rec(GuestEvent.FREE_IRQ, 0, 24, -1, -1), "free_irq(24): Trying to free already-free IRQ");
        m.put(rec(GuestEvent.TOOLSTACK_STEP, 0, 4, 16, -28), "libxl: map_pirq(16) = -ENOSPC");
        m.put(rec(GuestEvent.TOOLSTACK_STEP, 0, 7, 16, 17), "device model: dm_map_pirq(16) = pirq 17");
        m.put(rec(GuestEvent.TOOLSTACK_STEP, 0, 7, 16, -1), "device model: dm_map_pirq(16) = -EPERM");
        m.put(rec(GuestEvent.TOOLSTACK_STEP, 0, 0, -1, -19), "libxl: pci_assignable(-1) = -ENODEV");
        m.put(rec(GuestEvent.TOOLSTACK_STEP, 0, 2, 0x10000, 5), "libxl: sysfs_irq(65536) = 5");
        m.put(rec(GuestEvent.TOOLSTACK_STEP, 0, -1, 1, 0), "toolstack: step_-1(1) = 0");
        for (final Map.Entry<TraceRecord, String> e : m.entrySet()) {
            assertEquals(e.getValue(), TraceText.describe(e.getKey()), TraceText.name(e.getKey().event()));
        }
    }

    @Test
    void theTimelineShowsDecisionsAlwaysAndThePathOnlyInItsWindow() {
        final TraceRecord map = rec(HvEvent.PIRQ_MAP, 1, 16, 16, 0);
        final TraceRecord doIrq = rec(HvEvent.DO_IRQ, XEN, 0x40, 16, 1);
        final TraceRecord ack = rec(HwEvent.LAPIC_ACK, XEN, 0, 0x40, 0);
        final TraceRecord raise = rec(GuestEvent.DEVICE_RAISE, XEN, 0x18, 0, 0);
        assertEquals("map_domain_pirq(d1, pirq 16, irq 16) = 0", TraceText.decision(map));
        assertEquals("map_domain_pirq(d1, pirq 16, irq 16) = 0", TraceText.interruptPath(map));
        assertNull(TraceText.decision(doIrq));
        assertEquals("do_IRQ: vector 0x40 -> irq 16, 1 guest(s)", TraceText.interruptPath(doIrq));
        assertEquals("LAPIC 0: acknowledge vector 0x40", TraceText.interruptPath(ack));
        assertNull(TraceText.interruptPath(raise));
        assertEquals("event_200 a=1 b=-2 c=3", TraceText.raw(rec(200, 0, 1, -2, 3)));
        assertEquals("event_200 a=1 b=-2 c=3", TraceText.describe(rec(200, 0, 1, -2, 3)));
    }
}
