package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRig;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.HwEvent;
import org.junit.jupiter.api.Test;

import static io.irqsim.hw.apic.LocalApicRegisters.SVR;
import static io.irqsim.hw.apic.LocalApicRegisters.VERSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Directed EOI / EOI-broadcast suppression (SDM 10.8.5 and 10.9; KVM kvm_apic_set_version): LVR
 * bit 24 advertises it, SVR bit 12 turns it on, and then only the IO-APIC EOI register (0x40)
 * clears Remote IRR.
 */
class DirectedEoiTest {

    private static final int PIN = 16;
    private static final int VEC = 0x90;

    private IoApicRig rigWithSuppression(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model, 0, 1, true);
        rig.lapicWrite(0, SVR, 0x11FF);
        assertEquals(0x11FF, rig.lapicRead(0, SVR));
        rig.writeEntry(PIN, IoApicRig.level(VEC));
        rig.line(PIN, true);
        assertEquals(VEC, rig.ack(0));
        rig.line(PIN, false);
        return rig;
    }

    // SDM figure 10-7 (LVR bit 24); KVM kvm_apic_set_version: advertised only when supported
    @Test
    void versionBit24AdvertisedOnlyWithDirectedEoiSupport() {
        final IoApicRig with = new IoApicRig(IoApicModel.ich(24), 0, 1, true);
        final IoApicRig without = new IoApicRig(IoApicModel.ich(24), 0, 1, false);
        assertEquals(1, with.lapicRead(0, VERSION) >>> 24 & 1);
        assertEquals(0, without.lapicRead(0, VERSION) >>> 24 & 1);
    }

    // SDM 10.9 (SVR bit 12 reserved unless LVR bit 24); KVM APIC_SPIV write mask
    @Test
    void svrBit12WritableOnlyWhenSupported() {
        final IoApicRig without = new IoApicRig(IoApicModel.ich(24), 0, 1, false);
        without.lapicWrite(0, SVR, 0x11FF);
        assertEquals(0x01FF, without.lapicRead(0, SVR));
        assertFalse(without.lapic(0).isEoiBroadcastSuppressed());
    }

    // SDM 10.8.5: with SVR bit 12 set the LAPIC EOI is not broadcast; Remote IRR stays until the EOI register
    @Test
    void suppressedEoiLeavesRemoteIrrUntilIoApicEoiRegisterIsWritten() {
        final IoApicRig rig = rigWithSuppression(IoApicModel.ich(24));
        rig.eoi(0);
        assertFalse(rig.lapic(0).isr(VEC), "the LAPIC side is done");
        assertEquals(0, rig.lapic(0).eoiBroadcastCount());
        assertEquals(0, rig.trace.count(HwEvent.APIC_BUS_EOI));
        assertTrue(rig.remoteIrr(PIN));
        rig.line(PIN, true);
        assertEquals(1, rig.ioapic.deliveredCount(), "blocked by Remote IRR");
        rig.line(PIN, false);
        rig.ioapicEoiRegister(VEC);
        assertFalse(rig.remoteIrr(PIN));
    }

    // ICH 9.5.5 + SDM 10.8.5: the EOI register re-delivers a line still asserted when it is written
    @Test
    void ioApicEoiRegisterRedeliversStillAssertedLine() {
        final IoApicRig rig = rigWithSuppression(IoApicModel.ich(24));
        rig.line(PIN, true);
        rig.eoi(0);
        rig.ioapicEoiRegister(VEC);
        assertEquals(2, rig.ioapic.deliveredCount());
        assertTrue(rig.remoteIrr(PIN));
        assertTrue(rig.lapic(0).irr(VEC));
    }

    // SDM 10.8.5: a LAPIC that supports directed EOI but has bit 12 clear still broadcasts
    @Test
    void supportWithoutSvrBit12StillBroadcasts() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(24), 0, 1, true);
        rig.writeEntry(PIN, IoApicRig.level(VEC));
        rig.line(PIN, true);
        rig.ack(0);
        rig.line(PIN, false);
        rig.eoi(0);
        assertEquals(1, rig.lapic(0).eoiBroadcastCount());
        assertFalse(rig.remoteIrr(PIN));
    }

    // Linux __eoi_ioapic_pin: a 0x11 part has no EOI register, so suppression leaves only the edge/level toggle
    @Test
    void on82093aaOnlyTheTriggerToggleCompletesASuppressedEoi() {
        final IoApicRig rig = rigWithSuppression(IoApicModel.i82093aa(24));
        rig.eoi(0);
        rig.ioapicEoiRegister(VEC);
        assertTrue(rig.remoteIrr(PIN), "no EOI register on version 0x11");
        rig.writeLow(PIN, IoApicRig.level(VEC) | Rte.MASKED);
        rig.writeLow(PIN, IoApicRig.edge(VEC) | Rte.MASKED);
        rig.writeLow(PIN, IoApicRig.level(VEC));
        assertFalse(rig.remoteIrr(PIN));
    }
}
