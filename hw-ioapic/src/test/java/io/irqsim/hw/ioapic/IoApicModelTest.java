package io.irqsim.hw.ioapic;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IoApicModel: the profiles where parts and implementations differ (82093AA, ICH, Xen vioapic.c). */
class IoApicModelTest {

    // IoApicModel.ich: version 0x20 with the EOI register, 8-bit IOREGSEL, electrical inputs
    @Test
    void ichProfileHasEoiRegisterAndElectricalInputs() {
        final IoApicModel m = IoApicModel.ich(24);
        assertEquals(new IoApicModel(0x20, 24, 8, true), m);
        assertTrue(m.hasEoiRegister());
    }

    // IoApicModel.i82093aa: version 0x11, no EOI register
    @Test
    void i82093aaProfileHasNoEoiRegister() {
        final IoApicModel m = IoApicModel.i82093aa(24);
        assertEquals(new IoApicModel(0x11, 24, 8, true), m);
        assertFalse(m.hasEoiRegister());
    }

    // Xen VIOAPIC_VERSION_ID 0x11, vioapic_write keeps 32 IOREGSEL bits, logical (assert-count) inputs
    @Test
    void xenProfileHas32BitIoregselAndLogicalInputs() {
        final IoApicModel m = IoApicModel.xenVioapic(IoApicRegisters.HVM_GUEST_PINS);
        assertEquals(new IoApicModel(0x11, 48, 32, false, IoApicModel.Implementation.XEN), m);
        assertFalse(m.hasEoiRegister());
        assertTrue(m.xenAccessDecode());
        assertFalse(m.hasStormGuard(), "vioapic_update_EOI re-delivers without a guard");
    }

    // QEMU hw/intc/ioapic.c@v9.2.0: IOAPIC_VER_DEF 0x20, uint8_t ioregsel, SUCCESSIVE_IRQ_MAX_COUNT guard
    @Test
    void qemuProfileIsVersion20WithAnEightBitIoregselAndTheStormGuard() {
        final IoApicModel m = IoApicModel.qemu(24);
        assertEquals(new IoApicModel(0x20, 24, 8, false, IoApicModel.Implementation.QEMU), m);
        assertTrue(m.hasStormGuard());
        assertFalse(m.xenAccessDecode());
    }

    // KVM arch/x86/kvm/ioapic.c@v6.12: IOAPIC_VERSION_ID 0x11, "data & 0xFF" IOREGSEL, IOAPIC_SUCCESSIVE_IRQ_MAX_COUNT guard
    @Test
    void kvmProfileIsVersion11WithAnEightBitIoregselAndTheStormGuard() {
        final IoApicModel m = IoApicModel.kvm(24);
        assertEquals(new IoApicModel(0x11, 24, 8, false, IoApicModel.Implementation.KVM), m);
        assertTrue(m.hasStormGuard());
        assertFalse(m.xenAccessDecode());
    }

    // 82093AA/ICH datasheets: a physical part has neither the guard nor Xen's decode
    @Test
    void physicalPartsHaveNoStormGuard() {
        assertFalse(IoApicModel.ich(24).hasStormGuard());
        assertFalse(IoApicModel.i82093aa(24).hasStormGuard());
        assertFalse(IoApicModel.ich(24).xenAccessDecode());
        assertEquals(IoApicModel.Implementation.HARDWARE, new IoApicModel(0x20, 24, 8, true).implementation());
        assertThrows(NullPointerException.class, () -> new IoApicModel(0x20, 24, 8, true, null));
    }

    // QEMU ioapic_realize: only versions 0x11 and 0x20 are modelled
    @Test
    void unknownVersionIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new IoApicModel(0x12, 24, 8, true));
        assertThrows(IllegalArgumentException.class, () -> new IoApicModel(0x02, 24, 8, true));
    }

    // IoApicModel: an 8-bit IOREGSEL can address indexes 0x10..0xFF, i.e. 1..120 pins
    @Test
    void pinCountMustFitAnEightBitIndex() {
        assertEquals(120, IoApicModel.MAX_PINS);
        assertEquals(120, IoApicModel.ich(120).pins());
        assertThrows(IllegalArgumentException.class, () -> IoApicModel.ich(0));
        assertThrows(IllegalArgumentException.class, () -> IoApicModel.ich(121));
    }

    // IoApicModel: IOREGSEL width is 8 (82093AA, KVM) or 32 (Xen)
    @Test
    void ioregselWidthIsEightOrThirtyTwo() {
        assertThrows(IllegalArgumentException.class, () -> new IoApicModel(0x20, 24, 16, true));
    }

    // IoApicRegisters: index arithmetic of the redirection table (82093AA 3.2)
    @Test
    void redirectionTableIndexes() {
        assertEquals(0x10, IoApicRegisters.redtblLow(0));
        assertEquals(0x11, IoApicRegisters.redtblHigh(0));
        assertEquals(0x3E, IoApicRegisters.redtblLow(23));
        assertEquals(0x3F, IoApicRegisters.redtblHigh(23));
        assertEquals(0xFEC0_0000L, IoApicRegisters.DEFAULT_BASE);
        assertEquals(0x100, IoApicRegisters.WINDOW_SIZE);
    }
}
