package io.irqsim.hw.ioapic;

import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static io.irqsim.hw.ioapic.IoApicRig.BASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The width of IOAPICID per profile: 4 bits (27:24) for the 82093AA, the ICH parts, QEMU and KVM;
 * 8 bits (31:24) for {@link IoApicModel#withIdBits}, the register as Linux's and Xen's
 * {@code union IO_APIC_reg_00} declare it; Xen's vIO-APIC reads and writes 4 bits
 * ({@code IO_APIC_reg_02}) of an ID that may start wider.
 */
class IoApicIdWidthTest {

    static Stream<IoApicModel> fourBitProfiles() {
        return Stream.of(IoApicModel.i82093aa(24), IoApicModel.ich(24), IoApicModel.qemu(24), IoApicModel.kvm(24));
    }

    // 82093AA 3.2.1: bits 27:24 only; an ID written with bits 31:28 set keeps its low 4 bits
    @ParameterizedTest
    @MethodSource("fourBitProfiles")
    void fourBitProfilesKeepBits27to24OfAWrite(final IoApicModel model) {
        final IoApicRig rig = new IoApicRig(model, 2, 1, false);
        rig.writeReg(IoApicRegisters.REG_ID, 0x1900_0000);
        assertEquals(0x0900_0000, rig.readReg(IoApicRegisters.REG_ID));
        assertEquals(9, rig.ioapic.id());
        rig.writeReg(IoApicRegisters.REG_ID, 0xFFFF_FFFF);
        assertEquals(0x0F00_0000, rig.readReg(IoApicRegisters.REG_ID));
        assertEquals(4, model.idBits());
    }

    // union IO_APIC_reg_00 (Linux arch/x86/include/asm/io_apic.h@v6.12, xen/arch/x86/include/asm/io_apic.h@RELEASE-4.20.0): ID:8
    @Test
    void eightBitProfileKeepsBits31to24OfAWrite() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(24).withIdBits(8), 2, 1, false);
        rig.writeReg(IoApicRegisters.REG_ID, 0x1900_0000);
        assertEquals(0x1900_0000, rig.readReg(IoApicRegisters.REG_ID));
        assertEquals(25, rig.ioapic.id());
        rig.writeReg(IoApicRegisters.REG_ID, 0xFFFF_FFFF);
        assertEquals(0xFF00_0000, rig.readReg(IoApicRegisters.REG_ID), "bits 23:0 stay reserved, reading 0");
        assertEquals(255, rig.ioapic.id());
        rig.writeReg(IoApicRegisters.REG_ID, 0x00FF_FFFF);
        assertEquals(0, rig.readReg(IoApicRegisters.REG_ID));
    }

    // the MADT's id (ASRock X570 Taichi: 25) is what the 8-bit part reads back, and what a reset restores
    @Test
    void eightBitProfileReadsTheIdItWasGivenAndResetsToIt() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(24).withIdBits(8), 25, 1, false);
        assertEquals(0x1900_0000, rig.readReg(IoApicRegisters.REG_ID));
        rig.writeReg(IoApicRegisters.REG_ID, 0x4200_0000);
        assertEquals(0x42, rig.ioapic.id());
        rig.ioapic.reset();
        assertEquals(25, rig.ioapic.id());
    }

    // union IO_APIC_reg_02's arbitration field is 4 bits (27:24) in both headers: an 8-bit ID shows its low nibble
    @Test
    void arbitrationReadsTheLowFourBitsOfAnEightBitId() {
        final IoApicRig rig = new IoApicRig(IoApicModel.ich(24).withIdBits(8), 26, 1, false);
        assertEquals(0x0A00_0000, rig.readReg(IoApicRegisters.REG_ARB));
        rig.writeReg(IoApicRegisters.REG_ARB, 0);
        assertEquals(0x0A00_0000, rig.readReg(IoApicRegisters.REG_ARB), "read-only");
        assertEquals(0x1A00_0000, rig.readReg(IoApicRegisters.REG_ID));
    }

    // byte lanes: a byte write to IOWIN's top byte (0x13) replaces bits 31:24 of IOAPICID
    @Test
    void byteWriteToTheTopLaneSetsTheWholeEightBitId() {
        final IoApicRig wide = new IoApicRig(IoApicModel.ich(24).withIdBits(8), 0, 1, false);
        wide.bus.write(BASE + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_ID);
        wide.bus.write(BASE + IoApicRegisters.IOWIN + 3, 1, 0xAB);
        assertEquals(0xAB, wide.ioapic.id());
        assertEquals(0xAB, wide.bus.read(BASE + IoApicRegisters.IOWIN + 3, 1));
        final IoApicRig narrow = new IoApicRig(IoApicModel.ich(24), 0, 1, false);
        narrow.bus.write(BASE + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_ID);
        narrow.bus.write(BASE + IoApicRegisters.IOWIN + 3, 1, 0xAB);
        assertEquals(0x0B, narrow.ioapic.id());
    }

    // vioapic_reset@RELEASE-4.20.0: a hardware domain's vIO-APIC takes mpc_apicid (8 bits) whole; vioapic_read_indirect
    // reads VIOAPIC_REG_APIC_ID and VIOAPIC_REG_ARB_ID through IO_APIC_reg_02's 4-bit arbitration field
    @Test
    void xenVioapicStartsWithAnEightBitIdAndReadsItsLowFourBits() {
        final IoApicRig rig = new IoApicRig(IoApicModel.xenVioapic(24), 25, 1, false);
        assertEquals(25, rig.ioapic.id(), "vioapic->id, which pvh_setup_acpi_madt copies into dom0's MADT");
        assertEquals(0x0900_0000, rig.readReg(IoApicRegisters.REG_ID));
        assertEquals(0x0900_0000, rig.readReg(IoApicRegisters.REG_ARB));
        assertEquals(4, IoApicModel.xenVioapic(24).idBits());
    }

    // vioapic_write_indirect@RELEASE-4.20.0: VIOAPIC_REG_APIC_ID keeps IO_APIC_reg_02's arbitration bits 27:24;
    // VIOAPIC_REG_ARB_ID writes are dropped
    @Test
    void xenVioapicWriteKeepsBits27to24() {
        final IoApicRig rig = new IoApicRig(IoApicModel.xenVioapic(24), 25, 1, false);
        rig.writeReg(IoApicRegisters.REG_ID, 0x1A00_0000);
        assertEquals(10, rig.ioapic.id());
        assertEquals(0x0A00_0000, rig.readReg(IoApicRegisters.REG_ID));
        rig.writeReg(IoApicRegisters.REG_ARB, 0x0300_0000);
        assertEquals(0x0A00_0000, rig.readReg(IoApicRegisters.REG_ARB));
    }

    // IoApic constructor: the ID must fit the register (the Xen vIO-APIC: 8 bits, mpc_apicid's width)
    @Test
    void constructorChecksTheIdAgainstTheProfilesWidth() {
        final IllegalArgumentException four = assertThrows(IllegalArgumentException.class,
            () -> create(IoApicModel.ich(24), 25));
        assertEquals("IO-APIC id 25 does not fit in 4 bits", four.getMessage());
        assertEquals(255, create(IoApicModel.ich(24).withIdBits(8), 255).id());
        final IllegalArgumentException eight = assertThrows(IllegalArgumentException.class,
            () -> create(IoApicModel.ich(24).withIdBits(8), 256));
        assertEquals("IO-APIC id 256 does not fit in 8 bits", eight.getMessage());
        assertEquals(255, create(IoApicModel.xenVioapic(48), 255).id());
        assertThrows(IllegalArgumentException.class, () -> create(IoApicModel.xenVioapic(48), 256));
    }

    // IoApicModel: every named profile has the 4-bit ID; withIdBits changes only the width; 4 and 8 only
    @Test
    void profilesDefaultToFourBitsAndTheWidthIsFourOrEight() {
        assertTrue(Stream.of(IoApicModel.ich(24), IoApicModel.i82093aa(24), IoApicModel.xenVioapic(48),
            IoApicModel.qemu(24), IoApicModel.kvm(24)).allMatch(m -> m.idBits() == 4 && m.idMask() == 0xF));
        final IoApicModel wide = IoApicModel.ich(24).withIdBits(8);
        assertEquals(new IoApicModel(0x20, 24, 8, true, IoApicModel.Implementation.HARDWARE, 8), wide);
        assertEquals(0xFF, wide.idMask());
        assertEquals(IoApicModel.ich(24), wide.withIdBits(4));
        assertThrows(IllegalArgumentException.class, () -> IoApicModel.ich(24).withIdBits(5));
        assertThrows(IllegalArgumentException.class, () -> IoApicModel.ich(24).withIdBits(32));
        // the 82093AA (version 0x11) keeps bits 27:24 only; so do KVM's model of it and Xen's vIO-APIC
        assertThrows(IllegalArgumentException.class, () -> IoApicModel.i82093aa(24).withIdBits(8));
        assertThrows(IllegalArgumentException.class, () -> IoApicModel.kvm(24).withIdBits(8));
        assertEquals(IoApicModel.i82093aa(24), IoApicModel.i82093aa(24).withIdBits(4));
        // Xen's vIO-APIC reads its ID through the 4-bit arbitration field (vioapic_read_indirect, 4.20)
        assertThrows(IllegalArgumentException.class, () -> IoApicModel.xenVioapic(48).withIdBits(8));
        assertEquals(IoApicModel.xenVioapic(48), IoApicModel.xenVioapic(48).withIdBits(4));
    }

    private static IoApic create(final IoApicModel model, final int id) {
        return new IoApic("x", model, id, 0, (v, d, l, dst, lv) -> 0, new io.irqsim.hw.time.VirtualClock(),
            HwTrace.NONE);
    }
}
