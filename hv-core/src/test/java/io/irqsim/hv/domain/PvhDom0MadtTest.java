package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.MadtLocalApic;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ACPI tables Xen hands the hardware domain: a PVH one gets the MADT
 * {@code pvh_setup_acpi_madt} writes ({@code xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0}) in place of
 * the host's, a PV one the host's tables as they are.
 */
class PvhDom0MadtTest {

    /** Two IO-APICs (ids 2 and 3, GSI bases 0 and 24), two CPUs, a host MADT that says PCAT_COMPAT. */
    private static final PlatformSpec HOST = Rig.defaultPlatformWithSecondIoApic(24);

    // pvh_setup_acpi_madt: xzalloc_bytes then only the header is copied, so madt->flags stays 0
    @Test
    void pvhDom0MadtHasNoPcatCompatEvenWhenTheHostsHasIt() {
        final Rig rig = Rig.boot(HOST, XenConfig.XEN_4_20);
        assertTrue(rig.xen.platform().firmware().madt().pcatCompat(), "the host's MADT says PCAT_COMPAT");
        final Domain dom0 = rig.pvhDom0();
        assertFalse(dom0.firmware().madt().pcatCompat());
    }

    // pvh_setup_acpi_madt: an IO-APIC entry per vIO-APIC with its id, base_address and base_gsi, which
    // vioapic_init / vioapic_reset (xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0) take from mp_ioapics[i]
    // and io_apic_gsi_base(i)
    @Test
    void pvhDom0MadtHasOneIoApicEntryPerPhysicalIoApicWithItsIdAddressAndGsiBase() {
        final Domain dom0 = Rig.boot(HOST, XenConfig.XEN_4_20).pvhDom0();
        assertEquals(List.of(new MadtIoApic(2, 0xFEC0_0000L, 0), new MadtIoApic(3, 0xFEC2_0000L, 24)),
            dom0.firmware().madt().ioApics());
    }

    // pvh_setup_acpi_madt: acpi_set_intr_ovr copies every interrupt source override of the host's MADT
    @Test
    void pvhDom0MadtCopiesTheHostsInterruptSourceOverrides() {
        final Domain dom0 = Rig.boot(HOST, XenConfig.XEN_4_20).pvhDom0();
        assertEquals(List.of(InterruptSourceOverride.of(0, 2, null, null),
                InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)),
            dom0.firmware().madt().overrides());
    }

    // pvh_setup_acpi_madt: one enabled local x2APIC entry per dom0 vCPU (dom0_max_vcpus), uid n, APIC id 2n,
    // whatever the host's processors
    @Test
    void pvhDom0MadtHasAnEnabledX2apicEntryPerVcpuWithApicIdTwiceItsUid() {
        final Rig rig = Rig.boot(HOST, XenConfig.XEN_4_20);
        final Domain dom0 = rig.xen.createDomain(DomainConfig.dom0(DomainType.PVH, 3));
        assertEquals(List.of(new MadtLocalApic(0, 0, true), new MadtLocalApic(1, 2, true),
            new MadtLocalApic(2, 4, true)), dom0.firmware().madt().localApics());
    }

    // pvh_setup_acpi_madt writes no override when the host's MADT has none (acpi_count_intr_ovr finds 0)
    @Test
    void pvhDom0MadtHasNoOverrideWhenTheHostsHasNone() {
        final PlatformSpec d = DefaultPlatform.spec();
        final PlatformSpec.FirmwareSpec fw = d.firmware();
        final PlatformSpec bare = new PlatformSpec(d.ioapics(), d.cpus(), d.pci(), d.intxWiring(), d.isaWiring(),
            new PlatformSpec.FirmwareSpec(List.of(), fw.prt(), fw.links(), fw.sciGsi(), true), d.directedEoi());
        assertEquals(List.of(), Rig.boot(bare, XenConfig.XEN_4_20).pvhDom0().firmware().madt().overrides());
    }

    // pvh_setup_acpi_xsdt / pvh_acpi_table_allowed: the MADT is Xen's, the DSDT (_PRT, link devices) and FADT
    // (the SCI) the host's
    @Test
    void pvhDom0KeepsTheHostsPrtLinkDevicesAndSci() {
        final Rig rig = Rig.boot(HOST, XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final var host = rig.xen.platform().firmware();
        assertEquals(host.prtByBus(), dom0.firmware().prtByBus());
        assertSame(host.link("LNKA"), dom0.firmware().link("LNKA"));
        assertEquals(host.sciGsi(), dom0.firmware().sciGsi());
    }

    // a PV dom0 reads the host's ACPI tables: Xen writes no MADT for it (dom0_construct_pv builds none)
    @Test
    void pvDom0SeesTheHostsTablesAsTheyAre() {
        final Rig rig = Rig.boot(HOST, XenConfig.XEN_4_20);
        assertSame(rig.xen.platform().firmware(), rig.pvDom0().firmware());
    }

    // only the hardware domain is given tables by Xen; a domU's come from its toolstack (hvmloader)
    @Test
    void aDomUIsGivenNoTablesByXenAndCraftingForItIsRefused() {
        final Rig rig = Rig.boot(HOST, XenConfig.XEN_4_20);
        final Domain domu = rig.hvmGuest("guest");
        assertNull(domu.firmware());
        final Madt host = rig.xen.platform().firmware().madt();
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> PvhDom0Madt.craft(domu, host));
        assertTrue(e.getMessage().contains("only for a PVH hardware domain"), e.getMessage());
    }

    // xen/arch/x86/hvm/dom0_build.c:pvh_setup_acpi_madt@RELEASE-4.20.0 runs only from dom0_construct_pvh: a PV
    // hardware domain reads the host's tables and is given no crafted MADT
    @Test
    void craftingForAPvHardwareDomainIsRefused() {
        final Rig rig = Rig.boot(HOST, XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvDom0();
        final Madt host = rig.xen.platform().firmware().madt();
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> PvhDom0Madt.craft(dom0, host));
        assertTrue(e.getMessage().contains("only for a PVH hardware domain"), e.getMessage());
    }
}
