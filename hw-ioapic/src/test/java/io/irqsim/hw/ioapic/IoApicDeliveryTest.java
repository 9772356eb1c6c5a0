package io.irqsim.hw.ioapic;

import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.hw.ioapic.IoApicRig.edge;
import static io.irqsim.hw.ioapic.IoApicRig.fixed;
import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Edge and level semantics of the redirection table (82093AA 3.2.4; QEMU ioapic_set_irq / ioapic_service). */
class IoApicDeliveryTest {

    private final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));

    // ---------------------------------------------------------------- edge

    // 82093AA 3.2.4 trigger mode: an edge entry sends one message per inactive->active transition
    @Test
    void edgeDeliversOncePerInactiveToActiveTransition() {
        rig.writeEntry(2, edge(0x30));
        rig.line(2, true);
        assertEquals(1, rig.ioapic.deliveredCount());
        assertTrue(rig.lapic(0).irr(0x30));
        rig.line(2, true); // no transition
        assertEquals(1, rig.ioapic.deliveredCount());
        rig.line(2, false);
        assertEquals(1, rig.ioapic.deliveredCount(), "the falling edge of an active-high input sends nothing");
        rig.line(2, true);
        assertEquals(2, rig.ioapic.deliveredCount());
        assertEquals(2, rig.lapic(0).acceptedCount());
        assertFalse(rig.remoteIrr(2), "Remote IRR is never set for edge entries");
    }

    // 82093AA 3.2.4 mask bit; QEMU ioapic_set_irq ("we must ignore edge requests if the input pin is masked")
    @Test
    void edgeOnMaskedPinIsDroppedNotLatched() {
        rig.writeEntry(3, edge(0x31) | Rte.MASKED);
        rig.line(3, true);
        assertEquals(0, rig.ioapic.deliveredCount());
        assertEquals(1, rig.ioapic.maskedEdgesDropped());
        final RecordingHwTrace.Event e = rig.trace.last(HwEvent.IOAPIC_MASKED_EDGE);
        assertEquals(3, e.a() & 0xFF);
        assertFalse(rig.deliveryStatus(3), "not held pending");
    }

    // QEMU/KVM/crosvm edge_trigger_unmask_test: unmasking does not deliver an edge dropped while masked
    @Test
    void unmaskDoesNotDeliverADroppedEdge() {
        rig.writeEntry(3, edge(0x31) | Rte.MASKED);
        rig.line(3, true);
        rig.writeLow(3, edge(0x31));
        assertEquals(0, rig.ioapic.deliveredCount());
        assertFalse(rig.lapic(0).irr(0x31));
        rig.line(3, false);
        rig.line(3, true);
        assertEquals(1, rig.ioapic.deliveredCount(), "the next real edge is delivered");
    }

    // 82093AA 3.2.4: an edge entry delivers even if no LAPIC accepts; nothing is left pending
    @Test
    void edgeToAbsentDestinationIsCountedUndeliverable() {
        rig.writeEntry(4, fixed(0x32, false, 9));
        rig.line(4, true);
        assertEquals(1, rig.ioapic.deliveredCount());
        assertEquals(1, rig.apicBus.undeliverableCount());
        assertEquals(0, rig.trace.last(HwEvent.IOAPIC_DELIVER).c());
        assertEquals(1, rig.trace.count(HwEvent.APIC_BUS_NO_TARGET));
    }

    // ---------------------------------------------------------------- level

    // 82093AA 3.2.4 bit 14; KVM ioapic_service (ret > 0): Remote IRR is set when a LAPIC accepted
    @Test
    void levelDeliverySetsRemoteIrrWhenLapicAccepted() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        assertTrue(rig.remoteIrr(5));
        assertTrue(rig.lapic(0).irr(0x40));
        assertTrue(rig.lapic(0).tmr(0x40), "level message sets TMR");
        assertEquals(1, rig.trace.last(HwEvent.IOAPIC_DELIVER).c());
    }

    // KVM ioapic_service: Remote IRR stays clear when no LAPIC accepted (absent or software-disabled)
    @Test
    void remoteIrrStaysClearWhenNoLapicAccepted() {
        rig.writeEntry(5, fixed(0x40, true, 7));
        rig.line(5, true);
        assertEquals(1, rig.ioapic.deliveredCount());
        assertFalse(rig.remoteIrr(5));
        rig.lapicWrite(1, LocalApicRegisters.SVR, 0xFF); // software-disable cpu1
        rig.writeEntry(6, fixed(0x41, true, 1));
        rig.line(6, true);
        assertFalse(rig.remoteIrr(6));
        assertFalse(rig.lapic(1).irr(0x41));
        rig.lapicWrite(1, LocalApicRegisters.SVR, 0x1FF);
        rig.writeReg(IoApicRegisters.redtblHigh(6), 0x0100_0000); // any RTE write re-evaluates the pin
        assertTrue(rig.remoteIrr(6));
        assertTrue(rig.lapic(1).irr(0x41));
    }

    // 82093AA 3.2.4: while Remote IRR is set, the pin sends nothing more (coalescing)
    @Test
    void levelCoalescesWhileRemoteIrrSet() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        for (int i = 0; i < 5; i++) {
            rig.line(5, false);
            rig.line(5, true);
        }
        assertEquals(1, rig.ioapic.deliveredCount());
        assertEquals(1, rig.lapic(0).acceptedCount());
    }

    // SDM 10.8.5; QEMU ioapic_eoi_broadcast: a LAPIC EOI for a level vector clears Remote IRR via the APIC bus
    @Test
    void lapicEoiBroadcastClearsRemoteIrr() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        assertEquals(0x40, rig.ack(0));
        rig.line(5, false);
        rig.eoi(0);
        assertFalse(rig.remoteIrr(5));
        assertEquals(1, rig.ioapic.deliveredCount(), "line low: nothing re-delivered");
        assertEquals(1, rig.trace.count(HwEvent.APIC_BUS_EOI));
        assertEquals(0, rig.trace.last(HwEvent.IOAPIC_EOI).c());
    }

    // ICH2 9.5.5 EOIR note; KVM kvm_ioapic_update_eoi_one: EOI clears Remote IRR and re-delivers a still-asserted line
    @Test
    void eoiRedeliversStillAssertedLevelLine() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        assertEquals(0x40, rig.ack(0));
        rig.eoi(0);
        assertTrue(rig.remoteIrr(5), "re-delivered and accepted again");
        assertEquals(2, rig.ioapic.deliveredCount());
        assertTrue(rig.lapic(0).irr(0x40));
        assertEquals(1, rig.trace.last(HwEvent.IOAPIC_EOI).c());
    }

    // ICH2 9.5.5: a write of the vector to the EOI register (0x40) clears Remote IRR like an EOI message
    @Test
    void eoiRegisterClearsRemoteIrrAndRedeliversIfAsserted() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        rig.ioapicEoiRegister(0x40);
        assertEquals(2, rig.ioapic.deliveredCount(), "still asserted: delivered again");
        assertTrue(rig.remoteIrr(5));
        rig.line(5, false);
        rig.ioapicEoiRegister(0x40);
        assertFalse(rig.remoteIrr(5));
        assertEquals(2, rig.ioapic.deliveredCount());
    }

    // ICH2 9.5.5: an EOI for another vector leaves Remote IRR set
    @Test
    void eoiForAnotherVectorLeavesRemoteIrr() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        rig.ioapicEoiRegister(0x41);
        rig.apicBus.broadcastEoi(0x50);
        assertTrue(rig.remoteIrr(5));
        assertEquals(1, rig.ioapic.deliveredCount());
    }

    // ICH2 9.5.5 ("every RTE whose vector field equals V"): one EOI clears Remote IRR on every matching entry
    @Test
    void eoiClearsRemoteIrrOfEveryEntryWithThatVector() {
        rig.writeEntry(5, level(0x40));
        rig.writeEntry(6, fixed(0x40, true, 1));
        rig.writeEntry(7, level(0x41));
        rig.line(5, true);
        rig.line(6, true);
        rig.line(7, true);
        rig.line(5, false);
        rig.line(6, false);
        rig.line(7, false);
        rig.apicBus.broadcastEoi(0x40);
        assertFalse(rig.remoteIrr(5));
        assertFalse(rig.remoteIrr(6));
        assertTrue(rig.remoteIrr(7));
    }

    // KVM ioapic_write_indirect / QEMU ioapic_service: a masked level pin delivers when unmasked while asserted
    @Test
    void maskedLevelPinDeliversOnUnmaskWhileAsserted() {
        rig.writeEntry(5, level(0x40) | Rte.MASKED);
        rig.line(5, true);
        assertEquals(0, rig.ioapic.deliveredCount());
        assertEquals(0, rig.ioapic.maskedEdgesDropped(), "a level assertion is not an edge");
        rig.writeLow(5, level(0x40));
        assertEquals(1, rig.ioapic.deliveredCount());
        assertTrue(rig.remoteIrr(5));
    }

    // 82093AA 3.2.4 bit 16: a level pin that went low again while masked delivers nothing on unmask
    @Test
    void maskedLevelPinDeassertedBeforeUnmaskDeliversNothing() {
        rig.writeEntry(5, level(0x40) | Rte.MASKED);
        rig.line(5, true);
        rig.line(5, false);
        rig.writeLow(5, level(0x40));
        assertEquals(0, rig.ioapic.deliveredCount());
    }

    // QEMU/KVM/Xen (kvm-unit-tests level_retrigger_mask): EOI on a masked level pin clears Remote IRR without delivering
    @Test
    void eoiOnMaskedLevelPinClearsRemoteIrrWithoutDelivering() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        rig.writeLow(5, level(0x40) | Rte.MASKED);
        rig.apicBus.broadcastEoi(0x40);
        assertFalse(rig.remoteIrr(5));
        assertEquals(1, rig.ioapic.deliveredCount());
        rig.writeLow(5, level(0x40));
        assertEquals(2, rig.ioapic.deliveredCount(), "delivered at unmask");
    }

    // QEMU ioapic_service after every RTE write: writing the destination re-evaluates an asserted level pin
    @Test
    void rteWriteReevaluatesAssertedLevelPin() {
        rig.writeEntry(5, fixed(0x40, true, 5)); // nobody at APIC ID 5
        rig.line(5, true);
        assertFalse(rig.remoteIrr(5));
        rig.writeReg(IoApicRegisters.redtblHigh(5), 0x0100_0000);
        assertTrue(rig.lapic(1).irr(0x40));
        assertTrue(rig.remoteIrr(5));
    }

    // QEMU ioapic_fix_edge_remote_irr: an entry switched to edge loses Remote IRR; switching back re-evaluates
    @Test
    void levelToEdgeSwitchClearsRemoteIrrThenLevelAgainRedelivers() {
        rig.writeEntry(5, level(0x40));
        rig.line(5, true);
        rig.writeLow(5, edge(0x40));
        assertFalse(rig.remoteIrr(5));
        assertEquals(1, rig.ioapic.deliveredCount(), "becoming edge is not an edge");
        rig.writeLow(5, level(0x40));
        assertEquals(2, rig.ioapic.deliveredCount());
        assertTrue(rig.remoteIrr(5));
    }

    // ---------------------------------------------------------------- polarity

    // 82093AA 3.2.4 bit 13 (electrical inputs): an active-low level entry sees electrical low as asserted
    @Test
    void activeLowEntrySeesElectricalLowAsAsserted() {
        final long activeLowLevel = Rte.of(0x40, Rte.DM_FIXED, false, true, true, false, 0);
        assertFalse(rig.ioapic.input(5));
        rig.writeEntry(5, activeLowLevel); // line is electrically low: asserted
        assertTrue(rig.ioapic.isAsserted(5));
        assertEquals(1, rig.ioapic.deliveredCount());
        rig.line(5, true); // electrically high: deasserted
        assertFalse(rig.ioapic.isAsserted(5));
        rig.apicBus.broadcastEoi(0x40);
        assertFalse(rig.remoteIrr(5));
        assertEquals(1, rig.ioapic.deliveredCount());
        rig.line(5, false);
        assertEquals(2, rig.ioapic.deliveredCount());
    }

    // 82093AA 3.2.4 bit 13: an active-low edge entry fires on the falling edge only
    @Test
    void activeLowEdgeEntryFiresOnFallingEdge() {
        final long activeLowEdge = Rte.of(0x31, Rte.DM_FIXED, false, true, false, false, 0);
        rig.writeEntry(3, activeLowEdge);
        assertEquals(0, rig.ioapic.deliveredCount(), "programming the entry is not an edge");
        rig.line(3, true);
        assertEquals(0, rig.ioapic.deliveredCount());
        rig.line(3, false);
        assertEquals(1, rig.ioapic.deliveredCount());
        rig.line(3, true);
        assertEquals(1, rig.ioapic.deliveredCount());
    }

    // IoApicModel.xenVioapic (QEMU/KVM/Xen store polarity only): logical inputs ignore bit 13
    @Test
    void logicalInputProfileStoresPolarityOnly() {
        final IoApicRig xen = new IoApicRig(IoApicModel.xenVioapic(48));
        final long activeLowLevel = Rte.of(0x40, Rte.DM_FIXED, false, true, true, false, 0);
        xen.writeEntry(40, activeLowLevel);
        assertEquals(activeLowLevel, xen.readEntry(40), "polarity bit stored");
        assertFalse(xen.ioapic.isAsserted(40));
        assertEquals(0, xen.ioapic.deliveredCount());
        xen.line(40, true); // logical assert
        assertTrue(xen.ioapic.isAsserted(40));
        assertEquals(1, xen.ioapic.deliveredCount());
        assertTrue(xen.remoteIrr(40));
    }

    // ---------------------------------------------------------------- traces and hooks

    // HwEvent IOAPIC_RTE_WRITE / IOAPIC_PIN_LEVEL / IOAPIC_DELIVER: argument columns as documented
    @Test
    void rteWritePinLevelAndDeliveryAreTraced() {
        final IoApicRig r = new IoApicRig(IoApicModel.ich(24), 3, 1, false);
        r.writeEntry(5, level(0x40));
        final RecordingHwTrace.Event w = r.trace.last(HwEvent.IOAPIC_RTE_WRITE);
        assertEquals((3 << 8) | 5, w.a());
        assertEquals(level(0x40), w.c());
        r.line(5, true);
        assertEquals(new RecordingHwTrace.Event(HwEvent.IOAPIC_PIN_LEVEL, (3 << 8) | 5, 1, 1),
            r.trace.last(HwEvent.IOAPIC_PIN_LEVEL));
        final RecordingHwTrace.Event d = r.trace.last(HwEvent.IOAPIC_DELIVER);
        assertEquals((3 << 8) | 5, d.a());
        assertTrue(Rte.remoteIrr(d.b()));
        assertEquals(1, d.c());
    }

    // IoApicHooks: rteWritten sees the stored entry; eoiReceived runs before re-delivery and may deassert (Xen hvm_dpci_eoi)
    @Test
    void hooksSeeStoredEntryAndRunBeforeRedelivery() {
        final List<long[]> writes = new ArrayList<>();
        final int[] eois = new int[1];
        rig.ioapic.setHooks(new IoApicHooks() {
            @Override
            public void rteWritten(final IoApic ioapic, final int pin, final long oldRte, final long newRte,
                                   final boolean topWord) {
                writes.add(new long[] {pin, oldRte, newRte, topWord ? 1 : 0});
            }

            @Override
            public void eoiReceived(final IoApic ioapic, final int pin, final long oldRte) {
                eois[0]++;
                assertTrue(Rte.remoteIrr(oldRte));
                assertFalse(Rte.remoteIrr(ioapic.rte(pin)), "Remote IRR already cleared");
                ioapic.setInput(pin, false); // the passthrough device deasserted on EOI
            }
        });
        rig.writeEntry(5, level(0x40) | Rte.REMOTE_IRR);
        assertEquals(2, writes.size());
        assertEquals(1, writes.get(0)[3], "high dword first");
        assertEquals(level(0x40), writes.get(1)[2], "read-only bit dropped before the hook sees it");
        rig.line(5, true);
        rig.apicBus.broadcastEoi(0x40);
        assertEquals(1, eois[0]);
        assertEquals(1, rig.ioapic.deliveredCount(), "the hook deasserted the line: no re-delivery");
        rig.ioapic.setHooks(null); // back to NONE
        rig.writeEntry(5, level(0x40));
        assertEquals(2, writes.size());
    }

    // HwEvent.IOAPIC_PIN_LEVEL ("pin electrical level changed"); QEMU ioapic_set_irq / 82093AA: an
    // edge is an inactive-to-active transition. Driving the level a pin already has changes
    // nothing: no second level event, no second delivery
    @Test
    void drivingAPinToTheLevelItAlreadyHasIsNotAChange() {
        rig.writeEntry(4, edge(0x44));
        rig.line(4, true);
        assertEquals(1, rig.trace.count(HwEvent.IOAPIC_PIN_LEVEL));
        assertEquals(1, rig.ioapic.deliveredCount());
        rig.line(4, true);
        assertEquals(1, rig.trace.count(HwEvent.IOAPIC_PIN_LEVEL), "the level did not change");
        assertEquals(1, rig.ioapic.deliveredCount());
        rig.line(4, false);
        rig.line(4, false);
        assertEquals(2, rig.trace.count(HwEvent.IOAPIC_PIN_LEVEL));
    }
}
