package io.irqsim.hw.ioapic;

import org.junit.jupiter.api.Test;

import static io.irqsim.hw.ioapic.IoApicRig.level;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An EOI message reaches every redirection entry that holds its vector, whatever the pin and
 * whatever the vector: the IO-APIC compares the vector against each entry (82093AA datasheet 3.2.4,
 * Remote IRR, cleared by an EOI message carrying the entry's vector; Xen
 * {@code vioapic_update_EOI}, {@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0}, walks every pin and
 * skips only entries whose vector differs). Level lowest-priority entries are level messages like
 * fixed ones (Intel SDM vol. 3 10.8.4: TMR is set for level-triggered fixed and lowest-priority
 * interrupts), so they set Remote IRR and are completed by the broadcast EOI.
 */
class IoApicEoiVectorMatchTest {

    // 82093AA 3.2.4 / vioapic_update_EOI@RELEASE-4.20.0: every pin is compared, so an entry past pin
    // 63 of a 120-entry IO-APIC (IoApicModel.MAX_PINS), with a vector above 0x7F, is completed too
    @Test
    void eoiClearsRemoteIrrOfAnEntryPastPin63WithAHighVector() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(IoApicModel.MAX_PINS));
        rig.writeEntry(100, level(0x91));
        rig.writeEntry(7, level(0x92));
        rig.line(100, true);
        rig.line(7, true);
        assertTrue(rig.remoteIrr(100));
        assertTrue(rig.remoteIrr(7));
        rig.line(100, false);
        rig.line(7, false);
        assertEquals(0x92, rig.ack(0));
        rig.eoi(0);
        assertTrue(rig.remoteIrr(100), "an EOI for 0x92 leaves the 0x91 entry in service");
        assertFalse(rig.remoteIrr(7));
        assertEquals(0x91, rig.ack(0));
        rig.eoi(0);
        assertFalse(rig.remoteIrr(100), "the broadcast EOI for 0x91 reached pin 100");
    }

    // 82093AA 3.2.4: when the entry of one of two pins sharing a vector is reprogrammed to another
    // vector, an EOI for the shared vector still completes the pin that kept it
    @Test
    void eoiStillReachesAPinWhoseVectorSharerWasReprogrammed() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));
        rig.writeEntry(3, level(0x60));
        rig.writeEntry(5, level(0x60));
        rig.line(3, true);
        rig.line(5, true);
        assertTrue(rig.remoteIrr(3));
        assertTrue(rig.remoteIrr(5));
        rig.writeLow(3, level(0x61)); // Remote IRR is read-only: pin 3 stays in service
        rig.line(5, false);
        rig.ioapicEoiRegister(0x60);
        assertFalse(rig.remoteIrr(5), "pin 5 still holds 0x60");
        assertTrue(rig.remoteIrr(3), "pin 3 moved to 0x61");
        rig.line(3, false);
        rig.ioapicEoiRegister(0x61);
        assertFalse(rig.remoteIrr(3));
    }

    // SDM vol. 3 10.8.4 (TMR set for level-triggered fixed and lowest-priority interrupts); 82093AA
    // 3.2.4 (Remote IRR for level entries): a level lowest-priority entry waits for the EOI
    @Test
    void levelLowestPriorityEntrySetsTmrAndRemoteIrrUntilTheEoi() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(24));
        rig.writeEntry(9, Rte.of(0x70, Rte.DM_LOWEST_PRIORITY, false, false, true, false, 0x00));
        rig.line(9, true);
        assertTrue(rig.tmrBit(0, 0x70), "accepted as a level interrupt");
        assertTrue(rig.remoteIrr(9));
        rig.line(9, false);
        assertEquals(0x70, rig.ack(0));
        rig.eoi(0);
        assertFalse(rig.remoteIrr(9), "the LAPIC broadcast the EOI of a TMR vector");
    }

    // 82093AA 3.2.4 (Remote IRR is cleared by an EOI carrying the entry's vector): on a 120-entry
    // IO-APIC (IoApicModel.MAX_PINS, two 64-pin words per vector), moving pin 0 from vector 0xC2 to
    // 0x31 must not touch pin 64, which holds 0x30: the EOI for 0x30 still completes pin 64
    @Test
    void reprogrammingPin0OfA120PinIoApicLeavesPin64ReachableByItsEoi() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(IoApicModel.MAX_PINS));
        rig.writeEntry(64, level(0x30));
        rig.line(64, true);
        assertTrue(rig.remoteIrr(64));
        rig.writeEntry(0, IoApicRig.edge(0xC2));
        rig.writeEntry(0, IoApicRig.edge(0x31));
        rig.line(64, false);
        rig.ioapicEoiRegister(0x30);
        assertFalse(rig.remoteIrr(64), "the EOI for 0x30 reached pin 64");
    }
}
