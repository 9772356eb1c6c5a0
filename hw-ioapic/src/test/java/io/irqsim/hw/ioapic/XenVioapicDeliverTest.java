package io.irqsim.hw.ioapic;

import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's {@code vioapic_deliver} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, identical at
 * RELEASE-4.18.0) as the vIO-APIC profile models it: fixed, lowest priority and NMI reach vLAPICs;
 * every other delivery mode is the {@code default:} case ("Unsupported delivery mode") and reaches
 * nobody, while {@code vioapic_irq_positive_edge} has already set Remote IRR for a level entry.
 */
class XenVioapicDeliverTest {

    private final IoApicRig rig = new IoApicRig(IoApicModel.xenVioapic(IoApicRegisters.HVM_GUEST_PINS), 0, 3, false);

    private static long entry(final int vector, final int mode, final boolean level) {
        return Rte.of(vector, mode, false, false, level, false, 0xFF);
    }

    private void pulse(final int pin) {
        rig.line(pin, true);
        rig.line(pin, false);
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_deliver@RELEASE-4.20.0: SMI, INIT and ExtINT fall in the
    // default case: a warning, no vlapic touched
    @Test
    void vioapicDeliverDropsSmiInitAndExtint() {
        rig.writeEntry(1, entry(0x00, Rte.DM_SMI, false));
        rig.writeEntry(2, entry(0x00, Rte.DM_INIT, false));
        rig.writeEntry(3, entry(0x30, Rte.DM_EXTINT, false));
        pulse(1);
        pulse(2);
        pulse(3);
        for (int cpu = 0; cpu < 3; cpu++) {
            final LocalApic l = rig.lapic(cpu);
            assertEquals(0, l.smiPending(), "cpu" + cpu + " SMI");
            assertEquals(0, l.initPending(), "cpu" + cpu + " INIT");
            assertEquals(0, l.extIntPending(), "cpu" + cpu + " ExtINT");
        }
        assertEquals(3, rig.trace.count(HwEvent.IOAPIC_DELIVER), "vioapic_deliver ran three times");
        assertEquals(0, rig.trace.last(HwEvent.IOAPIC_DELIVER).c(), "accepted by nobody");
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_irq_positive_edge@RELEASE-4.20.0: a level entry gets Remote IRR
    // before vioapic_deliver, whose default case then drops the ExtINT message
    @Test
    void vioapicIrqPositiveEdgeSetsRemoteIrrForALevelEntryThatVioapicDeliverDrops() {
        rig.writeEntry(4, entry(0x31, Rte.DM_EXTINT, true));
        rig.line(4, true);
        assertTrue(rig.remoteIrr(4));
        assertEquals(0, rig.lapic(0).extIntPending());
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_deliver@RELEASE-4.20.0: dest_NMI sets nmi_pending on every
    // vCPU vlapic_match_dest selects, without the vlapic_enabled test fixed delivery makes
    @Test
    void vioapicDeliverSendsNmiToAMatchingButSoftwareDisabledVlapic() {
        rig.lapicWrite(1, LocalApicRegisters.SVR, 0xFF);
        rig.writeEntry(5, entry(0x00, Rte.DM_NMI, false));
        pulse(5);
        for (int cpu = 0; cpu < 3; cpu++) {
            assertTrue(rig.lapic(cpu).isNmiPending(), "cpu" + cpu);
        }
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_deliver@RELEASE-4.20.0: dest_NMI does
    // test_and_set_bool(nmi_pending): two edges before the vCPU takes the NMI leave one pending
    @Test
    void vioapicDeliverNmiTwiceLeavesOneNmiPendingPerVcpu() {
        rig.writeEntry(5, entry(0x00, Rte.DM_NMI, false));
        pulse(5);
        pulse(5);
        assertEquals(2, rig.trace.count(HwEvent.IOAPIC_DELIVER), "vioapic_deliver ran twice");
        for (int cpu = 0; cpu < 3; cpu++) {
            assertTrue(rig.lapic(cpu).takeNmi(), "cpu" + cpu);
            assertFalse(rig.lapic(cpu).takeNmi(), "cpu" + cpu + ": the second NMI was absorbed");
        }
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_deliver@RELEASE-4.20.0: dest_Fixed injects only into enabled vlapics
    @Test
    void vioapicDeliverFixedSkipsASoftwareDisabledVlapic() {
        rig.lapicWrite(1, LocalApicRegisters.SVR, 0xFF);
        rig.writeEntry(6, entry(0x46, Rte.DM_FIXED, false));
        pulse(6);
        assertTrue(rig.lapic(0).irr(0x46));
        assertFalse(rig.lapic(1).irr(0x46));
        assertTrue(rig.lapic(2).irr(0x46));
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_irq_positive_edge@RELEASE-4.20.0: called on every edge
    // assertion (hvm_gsi_assert), with no input level to change: an unmasked edge entry delivers each
    // time, a masked one nothing
    @Test
    void vioapicIrqPositiveEdgeWithoutALevelChangeDeliversEachTimeUnlessMasked() {
        rig.writeEntry(7, entry(0x47, Rte.DM_FIXED, false));
        rig.line(7, true);
        rig.ioapic.positiveEdge(7);
        assertEquals(2, rig.trace.count(HwEvent.IOAPIC_DELIVER));
        rig.writeEntry(7, entry(0x47, Rte.DM_FIXED, false) | Rte.MASKED);
        rig.ioapic.positiveEdge(7);
        assertEquals(2, rig.trace.count(HwEvent.IOAPIC_DELIVER));
        assertEquals(1, rig.ioapic.maskedEdgesDropped());
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_write_redirent@RELEASE-4.20.0: an unmask delivers a level entry
    // whose gsi_assert_count is non-zero, even though no vioapic_irq_positive_edge came with the count
    @Test
    void vioapicWriteRedirentDeliversALineRaisedWithoutAnEdge() {
        rig.writeEntry(8, entry(0x48, Rte.DM_FIXED, true) | Rte.MASKED);
        rig.ioapic.setInputWithoutEdge(8, true);
        assertEquals(0, rig.trace.count(HwEvent.IOAPIC_DELIVER), "no edge: nothing sent");
        rig.writeLow(8, entry(0x48, Rte.DM_FIXED, true));
        assertEquals(1, rig.trace.count(HwEvent.IOAPIC_DELIVER));
        assertTrue(rig.remoteIrr(8));
        assertTrue(rig.lapic(0).irr(0x48));
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_irq_positive_edge@RELEASE-4.20.0: a level entry is sent only
    // "else if ( !ent->fields.remote_irr )", setting Remote IRR first; while it is set nothing is sent
    @Test
    void vioapicIrqPositiveEdgeSendsALevelEntryOnlyWhileRemoteIrrIsClear() {
        rig.writeEntry(9, entry(0x49, Rte.DM_FIXED, true));
        rig.ioapic.setInputWithoutEdge(9, true);
        assertEquals(0, rig.trace.count(HwEvent.IOAPIC_DELIVER));
        rig.ioapic.positiveEdge(9);
        assertEquals(1, rig.trace.count(HwEvent.IOAPIC_DELIVER));
        assertTrue(rig.remoteIrr(9));
        rig.ioapic.positiveEdge(9);
        assertEquals(1, rig.trace.count(HwEvent.IOAPIC_DELIVER), "Remote IRR set: not sent again");
    }

    // xen/arch/x86/hvm/vioapic.c:vioapic_irq_positive_edge@RELEASE-4.20.0: "if ( ent->fields.mask )
    // return": a masked edge entry's edge is dropped (counted and traced as one), a masked level
    // entry's is not an edge dropped
    @Test
    void vioapicIrqPositiveEdgeOnAMaskedEntryIsDropped() {
        final long masked = entry(0x4A, Rte.DM_FIXED, false) | Rte.MASKED;
        rig.writeEntry(10, masked);
        rig.ioapic.positiveEdge(10);
        assertEquals(1, rig.ioapic.maskedEdgesDropped());
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_MASKED_EDGE, 10, masked, 0),
            rig.trace.last(HwEvent.IOAPIC_MASKED_EDGE));
        rig.writeEntry(11, entry(0x4B, Rte.DM_FIXED, true) | Rte.MASKED);
        rig.ioapic.positiveEdge(11);
        assertEquals(1, rig.ioapic.maskedEdgesDropped(), "a masked level entry: no edge counted");
        assertEquals(0, rig.trace.count(HwEvent.IOAPIC_DELIVER));
    }

    // xen/arch/x86/hvm/irq.c:assert_gsi@RELEASE-4.20.0 (gsi_assert_count counts an assertion that
    // went to a pirq event): the level changes, is traced, and nothing is delivered; the same
    // level again changes nothing
    @Test
    void levelSetWithoutAnEdgeIsTracedButNotDelivered() {
        rig.writeEntry(12, entry(0x4C, Rte.DM_FIXED, false));
        rig.ioapic.setInputWithoutEdge(12, true);
        rig.ioapic.setInputWithoutEdge(12, true);
        assertEquals(1, rig.trace.count(HwEvent.IOAPIC_PIN_LEVEL));
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_PIN_LEVEL, 12, 1, 1),
            rig.trace.last(HwEvent.IOAPIC_PIN_LEVEL));
        assertTrue(rig.ioapic.input(12));
        rig.ioapic.setInputWithoutEdge(12, false);
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_PIN_LEVEL, 12, 0, 0),
            rig.trace.last(HwEvent.IOAPIC_PIN_LEVEL));
        assertEquals(0, rig.trace.count(HwEvent.IOAPIC_DELIVER));
        assertEquals(0, rig.ioapic.maskedEdgesDropped());
    }
}
