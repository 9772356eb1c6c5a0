package io.irqsim.guest.linux;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PVH dom0's Linux finds no 8259 and runs with {@code null_legacy_pic}: {@code nr_legacy_irqs()}
 * is 0. {@code probe_8259A} (arch/x86/kernel/i8259.c@v6.12) probes because the MADT Xen crafts for it
 * has flags 0 ({@code pvh_setup_acpi_madt}, xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0, so no
 * {@code PCAT_COMPAT}), and the mask port reads as all ones: Xen creates a PVH dom0 without
 * {@code XEN_X86_EMU_PIC} (xen/arch/x86/setup.c@RELEASE-4.20.0) and denies it the PIC ports. The
 * default platform has IRQ0&rarr;GSI2 and the SCI on GSI 9 (level / low).
 */
class PvhNoLegacyPicTest {

    private static TestRig pvh() {
        return TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_20, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            List.of());
    }

    // xen/arch/x86/hvm/dom0_build.c:pvh_setup_acpi_madt@RELEASE-4.20.0 (flags 0);
    // arch/x86/kernel/acpi/boot.c:acpi_parse_madt@0141978ae75b, arch/x86/kernel/i8259.c:probe_8259A@0177cfb2a2db
    @Test
    void pvhDom0LinuxParsesTheMadtXenCraftedForItWhichLacksPcatCompat() {
        final TestRig r = pvh();
        assertTrue(r.xen.platform().firmware().madt().pcatCompat(), "the host's MADT says PCAT_COMPAT");
        assertSame(r.d0.firmware(), r.dom0.firmware(), "the tables Xen handed dom0");
        assertFalse(r.dom0.firmware().madt().pcatCompat());
        assertEquals(0, r.dom0.irqs().nrLegacyIrqs());
    }

    // arch/x86/kernel/acpi/boot.c:acpi_parse_madt@0141978ae75b -> legacy_pic_pcat_compat;
    // arch/x86/kernel/i8259.c:probe_8259A@0177cfb2a2db
    @Test
    void pvhDom0LinuxTakesNrLegacyIrqsFromItsMadtFlagNotFromBeingPvh() {
        // not what Xen 4.20 builds: dom0 handed a MADT that says PCAT_COMPAT, so probe_8259A returns 16 unprobed
        final TestRig r = TestRig.xenOnly(DefaultPlatform.spec(), XenConfig.XEN_4_20);
        final Domain d0 = r.xen.createDomain(DomainConfig.dom0(DomainType.PVH, 2));
        final Madt crafted = d0.firmware().madt();
        d0.setFirmware(d0.firmware().withMadt(new Madt(true, crafted.localApics(), crafted.ioApics(),
            crafted.overrides())));
        final LinuxDom0 dom0 = new LinuxDom0(r.xen, d0, r.log, PcistubVariants.ENABLE_ONLY);
        dom0.boot(List.of());
        assertEquals(16, dom0.irqs().nrLegacyIrqs());
    }

    // dom0_construct_pvh -> pvh_setup_acpi (xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0): only the hardware
    // domain is handed the host's tables; a domU's come from its toolstack
    @Test
    void aDom0KernelOnADomainXenGaveNoTablesIsRefusedWithAClearError() {
        final TestRig r = TestRig.xenOnly(DefaultPlatform.spec(), XenConfig.XEN_4_20);
        final Domain domu = r.xen.createDomain(DomainConfig.hvmGuest("guest", 1));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new LinuxDom0(r.xen, domu, r.log, PcistubVariants.ENABLE_ONLY));
        assertTrue(e.getMessage().contains("is not the hardware domain"), e.getMessage());
    }

    // drivers/acpi/pci_irq.c:acpi_isa_register_gsi; arch/x86/kernel/acpi/boot.c:acpi_isa_irq_to_gsi@v6.12
    @Test
    void pvhDom0HasNoIsaFallbackGsiForADeviceWithoutPrtEntry() {
        // the host MADT's PCAT_COMPAT (the default platform has it) does not reach a PVH dom0
        // acpi_isa_irq_to_gsi needs isa_irq < nr_legacy_irqs(), 0 here: "PCI INT A: no GSI"
        final PlatformSpec spec = Specs.withPrt(DefaultPlatform.spec(), Map.of(0,
            List.of(PrtEntry.toGsi(4, 0, DefaultPlatform.SHARED_GSI))));
        final TestRig r = TestRig.booted(spec, XenConfig.XEN_4_20, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            List.of());
        r.xen.platform().pci().function(DefaultPlatform.NIC).configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 11);
        assertEquals(0, r.dom0.pciEnableDevice(DefaultPlatform.NIC));
        assertEquals(0, r.dom0.sysfsIrq(DefaultPlatform.NIC));
        assertEquals(1, r.dom0.irqs().byGsi(11).mapCount(), "only setup_IO_APIC_irqs' reference");
        assertEquals(1, r.linesContaining("00:03.0: PCI INTA: no GSI"));
    }

    // arch/x86/kernel/apic/io_apic.c:mp_map_pin_to_irq (mp_is_legacy_irq), alloc_irq_from_domain@v6.12
    @Test
    void withoutLegacyIrqsAnIsaEntryIsNumberedLikeItsGsi() {
        // IRQ0 -> GSI 2: mp_is_legacy_irq(0) is false with nr_legacy_irqs() 0, so the legacy domain gives irq = GSI
        final TestRig r = pvh();
        assertEquals(2, r.dom0.backend().registerGsi(2, false, false));
        assertEquals(2, r.dom0.irqs().byGsi(2).irq());
    }

    // arch/x86/kernel/apic/io_apic.c:setup_IO_APIC_irqs, mp_check_pin_attr@v6.12
    @Test
    void setupIoApicIrqsMapsTheMpEntriesSoAnotherTriggerOnALegacyGsiIsBusy() {
        // the first IO-APIC's pins with an MP entry are mapped at boot with its attributes (count 1); without
        // legacy irqs mp_check_pin_attr lets no first user reprogram them: GSI 10's ISA entry is edge / high
        final TestRig r = pvh();
        final IrqBackend b = r.dom0.backend();
        assertEquals(-Errno.EBUSY, b.registerGsi(10, true, true));
        assertEquals(10, b.registerGsi(10, false, false));
        assertEquals(2, r.dom0.irqs().byGsi(10).mapCount(), "setup_IO_APIC_irqs' reference and this one");
    }
}
