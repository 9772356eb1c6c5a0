package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.HwEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code __io_apic_eoi} ({@code xen/arch/x86/io_apic.c@RELEASE-4.18.0}, same at
 * {@code RELEASE-4.20.0}): an IO-APIC with an EOI register ({@code ioapic_has_eoi_reg}, version
 * 0x20 and later) gets the vector written to it and nothing else; an older one gets the entry
 * flipped to edge and back to level, each step a whole-entry write (high dword, then low), masked
 * meanwhile and unmasked again only if it was unmasked.
 */
class IoApicEoiTest {

    private static final int GSI = 16;

    private static Rig boot(final int ioapicVersion) {
        return Rig.boot(Rig.defaultPlatformWithIoApicVersion(ioapicVersion, true), XenConfig.XEN_4_20,
            clock -> TraceRecorder.inMemory(clock, 1 << 12));
    }

    /** The entries the IO-APIC held after each dword write to GSI {@value #GSI}'s pin, from record {@code from} on. */
    private static List<Long> entriesWritten(final Rig rig, final int from) {
        final List<Long> out = new ArrayList<>();
        final List<TraceRecord> all = rig.records();
        for (int i = from; i < all.size(); i++) {
            final TraceRecord r = all.get(i);
            if (r.event() == HwEvent.IOAPIC_RTE_WRITE && (r.a() & 0xFF) == GSI) {
                out.add(r.c());
            }
        }
        return out;
    }

    private static IrqDesc registered(final Rig rig) {
        assertEquals(0, rig.xen.ioapicRouting().mpRegisterGsi(GSI, true, true));
        return rig.xen.irqDescs().desc(GSI);
    }

    // ioapic_has_eoi_reg: "*(IO_APIC_BASE(apic)+16) = vector", no entry write
    @Test
    void anIoApicWithAnEoiRegisterGetsTheVectorWrittenThere() {
        final Rig rig = boot(IoApicRegisters.VERSION_20);
        final IrqDesc d = registered(rig);
        rig.xen.ioapicRouting().unmask(d);
        final long entry = rig.physRte(GSI);
        final int from = rig.records().size();
        rig.xen.ioapicRouting().ioapicEoi(d);
        assertEquals(List.of(), entriesWritten(rig, from), "no entry write");
        final List<TraceRecord> eois = new ArrayList<>();
        for (final TraceRecord r : rig.records().subList(from, rig.records().size())) {
            if (r.event() == HwEvent.IOAPIC_EOI) {
                eois.add(r);
            }
        }
        assertEquals(1, eois.size());
        assertEquals(d.vector(), eois.get(0).b());
        assertEquals(entry, rig.physRte(GSI));
    }

    // no EOI register, entry unmasked: mask, edge, level, unmask; four whole-entry writes
    @Test
    void withoutAnEoiRegisterAnUnmaskedEntryIsMaskedFlippedAndUnmaskedAgain() {
        final Rig rig = boot(IoApicRegisters.VERSION_11);
        final IrqDesc d = registered(rig);
        rig.xen.ioapicRouting().unmask(d);
        final long e = rig.physRte(GSI);
        assertTrue(Rte.isLevel(e));
        final long m = e | Rte.MASKED;
        final long edge = m & ~Rte.TRIGGER_LEVEL;
        final int from = rig.records().size();
        rig.xen.ioapicRouting().ioapicEoi(d);
        assertEquals(List.of(e, m, m, edge, edge, m, m, e), entriesWritten(rig, from));
        assertEquals(e, rig.physRte(GSI));
    }

    // no EOI register, entry masked: "if (!entry.mask)" is false: only the edge/level flip, and it stays masked
    @Test
    void withoutAnEoiRegisterAMaskedEntryIsFlippedAndStaysMasked() {
        final Rig rig = boot(IoApicRegisters.VERSION_11);
        final IrqDesc d = registered(rig);
        final long m = rig.physRte(GSI);
        assertTrue(Rte.isMasked(m));
        final long edge = m & ~Rte.TRIGGER_LEVEL;
        final int from = rig.records().size();
        rig.xen.ioapicRouting().ioapicEoi(d);
        assertEquals(List.of(m, edge, edge, m), entriesWritten(rig, from));
        assertEquals(m, rig.physRte(GSI));
    }

    // eoi_IO_APIC_irq walks the IRQ's irq_2_pin entries: an IRQ without an IO-APIC pin (MSI) EOIs nothing
    @Test
    void anIrqWithoutAnIoApicPinIsNotEoidAtAnyIoApic() {
        final Rig rig = boot(IoApicRegisters.VERSION_20);
        final IrqDesc msi = rig.xen.irqDescs().desc(rig.xen.irqDescs().nrIrqsGsi());
        assertEquals(-1, msi.pin());
        final int from = rig.records().size();
        rig.xen.ioapicRouting().ioapicEoi(msi);
        rig.xen.ioapicRouting().mask(msi);
        rig.xen.ioapicRouting().unmask(msi);
        for (final TraceRecord r : rig.records().subList(from, rig.records().size())) {
            assertTrue(r.event() != HwEvent.IOAPIC_EOI && r.event() != HwEvent.IOAPIC_RTE_WRITE, r.toString());
        }
    }
}
