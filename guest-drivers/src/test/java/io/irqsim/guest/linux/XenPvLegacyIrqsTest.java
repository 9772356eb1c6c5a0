package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.wire.WireKind;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PV dom0's boot-time pirqs for the legacy GSIs ({@code pci_xen_initial_domain},
 * arch/x86/pci/xen.c@v6.12) and what a later registration on such a GSI gets; the default platform
 * has IRQ0&rarr;GSI2 and the SCI on GSI 9 (level / low).
 */
class XenPvLegacyIrqsTest {

    private static final int SCI = 9;
    /** An ISA GSI with the conforming (edge / high) identity entry. */
    private static final int ISA_GSI = 10;

    private static TestRig pv() {
        return TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_20, DomainType.PV, PcistubVariants.ENABLE_ONLY,
            List.of());
    }

    private static long hypercalls(final TestRig r, final long mark, final HypercallOp op) {
        return r.recordsSince(mark, HvEvent.HYPERCALL).stream().filter(t -> t.a() == op.code()).count();
    }

    // arch/x86/pci/xen.c:pci_xen_initial_domain, xen_register_pirq@v6.12;
    // arch/x86/kernel/apic/io_apic.c:acpi_get_override_irq@v6.12
    @Test
    void pciXenInitialDomainMapsAPirqForEachLegacyGsiWithAnMpEntry() {
        // the loop runs to NR_IRQS_LEGACY, not nr_legacy_irqs() (0): GSI 1, 4, 10 and 15 have identity entries,
        // GSI 2 the timer's override; GSI 0 has none once IRQ0 moved to GSI 2, so acpi_get_override_irq skips it
        final TestRig r = pv();
        for (final int gsi : new int[] {1, 4, ISA_GSI, 15}) {
            final LinuxIrq d = r.dom0.irqs().byGsi(gsi);
            assertNotNull(d, "GSI " + gsi);
            assertEquals(gsi, d.irq());
            assertEquals(gsi, d.pirq());
            assertEquals(gsi, r.d0.pirqs().pirqToIrq(gsi), "PHYSDEVOP_map_pirq with pirq = GSI");
        }
        assertEquals(1, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 2, pirq 2)"));
        assertNull(r.dom0.irqs().byGsi(0));
        assertEquals(0, r.linesContaining("gsi 0,"));
    }

    // arch/x86/pci/xen.c:xen_register_gsi@v6.12 on GSI 0: xen_register_pirq's PHYSDEVOP_map_pirq names IRQ 0, which
    // dom0_setup_permissions leaves out (xen/arch/x86/irq.c:map_domain_pirq@RELEASE-4.20.0, -EPERM: irq -1); then
    // PHYSDEVOP_setup_gsi reaches mp_register_gsi, which finds IRQ 0 live with Xen's timer
    // (xen/arch/x86/time.c:early_time_init setup_irq(0, ...)): -EEXIST, "Already setup the GSI", pin 0 untouched.
    // Before, irqsim's setup_gsi programmed pin 0 and returned 0.
    @Test
    void aRegistrationOfGsiZeroIsRefusedItsPirqAndFindsTheTimersIrqAlreadySetUp() {
        final TestRig r = pv();
        final long mark = r.mark();
        assertEquals(-1, r.dom0.backend().registerGsi(0, true, true));
        assertEquals(1, hypercalls(r, mark, HypercallOp.PHYSDEVOP_MAP_PIRQ));
        assertEquals(1, hypercalls(r, mark, HypercallOp.PHYSDEVOP_SETUP_GSI));
        assertEquals(1, r.linesContaining("xen_register_gsi: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 0, pirq 0) = -EPERM"));
        assertEquals(1, r.linesContaining(
            "PHYSDEVOP_setup_gsi(gsi 0, level, low) = -EEXIST (\"Already setup the GSI\")"));
        assertEquals(Rte.RESET, r.physicalRte(0), "pin 0 keeps its reset value");
        assertNull(r.dom0.irqs().byGsi(0));
    }

    // arch/x86/pci/xen.c:pci_xen_initial_domain, xen_register_pirq@v6.12 (no PHYSDEVOP_setup_gsi)
    @Test
    void xenRegisterPirqAtBootTakesTheMpEntrysTriggerAndSetsUpNoGsi() {
        final TestRig r = pv();
        assertFalse(r.dom0.irqs().byGsi(ISA_GSI).isLevel(), "ISA conforming entry: edge");
        assertTrue(r.dom0.irqs().byGsi(SCI).isLevel(), "acpi_sci_ioapic_setup's entry: level");
        // only the SCI's own xen_register_gsi sets a GSI up
        assertEquals(1, hypercalls(r, 0, HypercallOp.PHYSDEVOP_SETUP_GSI));
        assertEquals(0, r.linesContaining("PHYSDEVOP_setup_gsi(gsi " + ISA_GSI));
    }

    // arch/x86/pci/xen.c:xen_register_gsi, xen_register_pirq (xen_irq_from_gsi > 0)@v6.12;
    // drivers/xen/events/events_base.c:__startup_pirq (BIND_PIRQ__WILL_SHARE from PIRQ_SHAREABLE)@v6.12
    @Test
    void aDeviceOnALegacyGsiGetsTheBootBindingEdgeAndUnshared() {
        final TestRig r = pv();
        final long mark = r.mark();
        // a PCI device routed to GSI 10, level / low
        assertEquals(ISA_GSI, r.dom0.backend().registerGsi(ISA_GSI, true, true));
        assertEquals(0, hypercalls(r, mark, HypercallOp.PHYSDEVOP_MAP_PIRQ), "the boot irq is reused");
        assertEquals(1, hypercalls(r, mark, HypercallOp.PHYSDEVOP_SETUP_GSI), "setup_gsi with the device's trigger");
        final LinuxIrq d = r.dom0.irqs().byGsi(ISA_GSI);
        assertFalse(d.isLevel(), "still the boot binding's ioapic-edge");
        assertEquals(0, r.dom0.requestIrq(ISA_GSI, "dev", IrqHandler.sync(i -> true)));
        assertEquals(1, r.linesContaining("EVTCHNOP_bind_pirq(pirq 10, exclusive) = 0"));
        assertFalse(r.xen.irqDescs().desc(ISA_GSI).isShareable(), "bound without BIND_PIRQ__WILL_SHARE");
    }

    // drivers/xen/events/events_base.c:eoi_pirq, pirq_check_eoi_map@v6.12;
    // xen/arch/x86/irq.c:pirq_guest_bind (set_pirq_eoi / clear_pirq_eoi)@RELEASE-4.20.0
    @Test
    void eoiPirqFollowsXensEoiMapNotTheLinuxTrigger() {
        final TestRig r = pv();
        final IrqBackend b = r.dom0.backend();
        // GSI 10: the device's setup_gsi made Xen's pin level, so the bind sets the EOI bit; Linux's irq is edge
        // (active-high: nothing drives the line, so it stays deasserted)
        b.registerGsi(ISA_GSI, true, false);
        assertEquals(0, r.dom0.requestIrq(ISA_GSI, "dev", IrqHandler.sync(i -> true)));
        final LinuxIrq level = r.dom0.irqs().byGsi(ISA_GSI);
        assertFalse(level.isLevel());
        long mark = r.mark();
        b.eoi(level, -1);
        assertEquals(1, hypercalls(r, mark, HypercallOp.PHYSDEVOP_EOI));
        // GSI 4: nobody set it up, Xen's pin is edge, the bind clears the bit
        assertEquals(0, r.dom0.requestIrq(4, "isa", IrqHandler.sync(i -> true)));
        mark = r.mark();
        b.eoi(r.dom0.irqs().byGsi(4), -1);
        assertEquals(0, hypercalls(r, mark, HypercallOp.PHYSDEVOP_EOI));
    }

    // arch/x86/kernel/i8259.c:probe_8259A (pcat_compat), acpi/boot.c:acpi_parse_madt@v6.12;
    // drivers/acpi/pci_irq.c:acpi_isa_register_gsi@v6.12
    @Test
    void withPcatCompatAPvDom0KeepsSixteenLegacyIrqsAndItsIsaFallbackReusesTheBootPirq() {
        // the default platform's MADT says PCAT_COMPAT: probe_8259A keeps the PIC without probing, so a device
        // without a _PRT entry falls back to its interrupt line (11) as an ISA IRQ; xen_register_gsi finds the
        // boot irq of GSI 11 and maps nothing, then sets the GSI up level / low
        final TestRig r = TestRig.booted(Specs.withPrt(DefaultPlatform.spec(), Map.of()), XenConfig.XEN_4_20,
            DomainType.PV, PcistubVariants.ENABLE_ONLY, List.of());
        assertSame(r.xen.platform().firmware(), r.dom0.firmware(), "a PV dom0 parses the host's MADT");
        assertEquals(16, r.dom0.irqs().nrLegacyIrqs());
        r.xen.platform().pci().function(DefaultPlatform.NIC).configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 11);
        final long mark = r.mark();
        assertEquals(0, r.dom0.pciEnableDevice(DefaultPlatform.NIC));
        assertEquals(1, r.linesContaining("no _PRT entry, using the ISA IRQ 11"));
        assertEquals(0, hypercalls(r, mark, HypercallOp.PHYSDEVOP_MAP_PIRQ));
        assertEquals(1, r.linesContaining("PHYSDEVOP_setup_gsi(gsi 11, level, low)"));
        assertFalse(r.dom0.irqs().byGsi(11).isLevel(), "the boot binding's edge");
    }

    // arch/x86/kernel/i8259.c:probe_8259A; xen/arch/x86/pv/emul-priv-op.c:guest_io_read@RELEASE-4.20.0
    @Test
    void withoutPcatCompatAPvDom0ProbesNoPic() {
        final TestRig r = TestRig.booted(Specs.withoutPcatCompat(DefaultPlatform.spec()), XenConfig.XEN_4_20,
            DomainType.PV, PcistubVariants.ENABLE_ONLY, List.of());
        assertSame(r.xen.platform().firmware(), r.dom0.firmware(), "a PV dom0 parses the host's MADT");
        assertEquals(0, r.dom0.irqs().nrLegacyIrqs());
        // the boot loop runs to NR_IRQS_LEGACY all the same
        assertNotNull(r.dom0.irqs().byGsi(ISA_GSI));
    }

    // arch/x86/pci/xen.c:pci_xen_initial_domain@v6.12: "for (irq = 0; irq < NR_IRQS_LEGACY; irq++)" -- a pin
    // past GSI 15 is not pre-allocated even when an MP entry (here ISA IRQ 10 moved to GSI 16) names it
    @Test
    void pciXenInitialDomainStopsAtNrIrqsLegacyEvenForAnOverriddenIsaIrq() {
        final TestRig r = TestRig.booted(Specs.withOverrides(DefaultPlatform.spec(), List.of(
                InterruptSourceOverride.of(0, 2, null, null),
                InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW),
                InterruptSourceOverride.of(ISA_GSI, 16, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW))),
            XenConfig.XEN_4_20, DomainType.PV, PcistubVariants.ENABLE_ONLY, List.of());
        assertEquals(0, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 16,"));
        assertNull(r.dom0.irqs().byGsi(16));
        assertNotNull(r.dom0.irqs().byGsi(15), "GSI 15 still is");
    }

    // arch/x86/pci/xen.c:pci_xen_initial_domain, xen_register_pirq@v6.12: a failed PHYSDEVOP_map_pirq at boot is
    // only reported ("xen map irq failed"). Without an IRQ0 override GSI 0 has the ISA identity entry, and Xen
    // refuses IRQ 0 (map_domain_pirq, xen/arch/x86/irq.c@RELEASE-4.20.0: -EPERM)
    @Test
    void aRefusedBootMapIsOnlyReported() {
        final TestRig r = TestRig.booted(Specs.withOverrides(DefaultPlatform.spec(), List.of(
                InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW))),
            XenConfig.XEN_4_20, DomainType.PV, PcistubVariants.ENABLE_ONLY, List.of());
        assertEquals(1, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 0, pirq 0) = -EPERM"));
        assertEquals(1, r.linesContaining("pci_xen_initial_domain: xen map irq failed for GSI 0"));
        assertNull(r.dom0.irqs().byGsi(0));
        assertNotNull(r.dom0.irqs().byGsi(1), "the loop goes on");
    }

    // acpi_register_gsi (arch/x86/kernel/acpi/boot.c@v6.12) -> xen_register_gsi: irqsim traces each registration
    // as (GSI, level << 1 | active-low, irq or -1); GuestText prints it as "acpi_register_gsi(gsi, trigger/polarity)"
    @Test
    void xenRegisterGsiIsTracedWithTheGsiItsAttributesAndTheIrq() {
        final TestRig r = pv();
        long mark = r.mark();
        assertEquals(ISA_GSI, r.dom0.backend().registerGsi(ISA_GSI, true, false));
        List<TraceRecord> t = r.recordsSince(mark, GuestEvent.REGISTER_GSI);
        assertEquals(1, t.size());
        assertEquals(List.of((long) ISA_GSI, 2L, (long) ISA_GSI), List.of(t.get(0).a(), t.get(0).b(), t.get(0).c()));
        mark = r.mark();
        assertEquals(-1, r.dom0.backend().registerGsi(0, false, true));
        t = r.recordsSince(mark, GuestEvent.REGISTER_GSI);
        assertEquals(1, t.size());
        assertEquals(List.of(0L, 1L, -1L), List.of(t.get(0).a(), t.get(0).b(), t.get(0).c()));
    }

    // mp_register_ioapic on a PV dom0 reads IOAPICVER through PHYSDEVOP_apic_read (xen_io_apic_read,
    // arch/x86/xen/apic.c): an IO-APIC of 8 pins covers GSIs 0-7 only
    @Test
    void aPvDom0LearnsEachIoApicsPinsFromXen() {
        final TestRig r = pvDom0On(
            List.of(new PlatformSpec.IoApicSpec(2, IoApicRegisters.DEFAULT_BASE, 0, 8, IoApicRegisters.VERSION_20)),
            isaBelowEight(), sciOnFive());
        assertTrue(r.dom0.irqs().hasIoApicPin(7));
        assertFalse(r.dom0.irqs().hasIoApicPin(8));
        assertEquals(1, r.linesContaining("IOAPIC[0]: apic_id 2, version 32, address 0xfec00000, GSI 0-7"));
        assertEquals(1, r.recordsSince(0, HvEvent.HYPERCALL).stream()
            .filter(t -> t.a() == HypercallOp.PHYSDEVOP_APIC_READ.code() && t.c() == 0).count());
    }

    // xen_io_apic_read's fallback: when Xen refuses (here: no IO-APIC at that address, -EINVAL, or a caller that is
    // not the control domain, -EPERM), Linux takes 0x00170020, 24 entries
    @Test
    void whenXenRefusesTheReadLinuxAssumesTwentyFourEntries() {
        final TestRig r = pv();
        assertEquals(0x0017_0020, LinuxDom0.pvIoApicVersion(r.xen, r.d0, 0xFEC0_1000L));
        final Domain guest = r.xen.createDomain(new DomainConfig("pv", DomainType.PV, 1, false, false, false, true));
        assertEquals(0x0017_0020, LinuxDom0.pvIoApicVersion(r.xen, guest, IoApicRegisters.DEFAULT_BASE));
    }

    // A PV dom0 registers the host's IO-APICs (mp_register_ioapic, arch/x86/kernel/apic/io_apic.c@v6.12, reading
    // them through PHYSDEVOP_apic_read), so mp_override_legacy_irq (arch/x86/kernel/acpi/boot.c@v6.12) finds no
    // IO-APIC for an override to GSI 40 and leaves ISA IRQ 5 on GSI 5: a device whose Interrupt Line says 5 falls
    // back to GSI 5, as on a PVH dom0, not to GSI 40
    @Test
    void anOverrideToAGsiNoIoApicHasDoesNotMoveThePvDom0sIsaFallback() {
        final TestRig r = TestRig.booted(Specs.withOverrides(DefaultPlatform.spec(), List.of(
                InterruptSourceOverride.of(0, 2, null, null),
                InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW),
                InterruptSourceOverride.of(5, 40, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW))),
            XenConfig.XEN_4_20, DomainType.PV, PcistubVariants.ENABLE_ONLY, List.of());
        assertEquals(16, r.dom0.irqs().nrLegacyIrqs(), "the host MADT is PCAT_COMPAT");
        assertTrue(r.dom0.irqs().hasIoApicPin(23));
        assertFalse(r.dom0.irqs().hasIoApicPin(40));
        final var f = r.xen.platform().pci().function(DefaultPlatform.NIC);
        f.configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 5);
        assertEquals(5, r.dom0.acpi().isaFallbackGsi(f, r.dom0.irqs().nrLegacyIrqs()));
    }

    // arch/x86/kernel/apic/io_apic.c:acpi_get_override_irq@v6.12 starts with mp_find_ioapic(gsi), which fails for a GSI
    // no IO-APIC has (-1: pci_xen_initial_domain skips it). On a machine whose only IO-APIC has 8 pins, GSIs 8 to 15
    // keep their ISA identity entries' numbers but have no pin, so the boot loop maps only GSIs below 8
    @Test
    void pciXenInitialDomainSkipsLegacyGsisNoIoApicHas() {
        final TestRig r = pvDom0On(
            List.of(new PlatformSpec.IoApicSpec(2, IoApicRegisters.DEFAULT_BASE, 0, 8, IoApicRegisters.VERSION_20)),
            isaBelowEight(), sciOnFive());
        assertEquals(8, r.xen.platform().gsiCount());
        assertNotNull(r.dom0.irqs().byGsi(7));
        assertEquals(1, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 7, pirq 7)"));
        assertEquals(0, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 8,"));
        assertNull(r.dom0.irqs().byGsi(8));
    }

    // the same mp_find_ioapic test for GSIs below the first IO-APIC's GSI base: with the only IO-APIC at GSI 8, GSIs
    // 0 to 7 have no pin and are skipped, GSIs 8 to 15 are mapped
    @Test
    void pciXenInitialDomainSkipsLegacyGsisBelowTheFirstIoApic() {
        final List<PlatformSpec.IsaRoute> isa = new ArrayList<>();
        for (int irq = 8; irq < 16; irq++) {
            isa.add(new PlatformSpec.IsaRoute(irq, irq, irq == 9 ? WireKind.PCI_INTX : WireKind.ISA));
        }
        final TestRig r = pvDom0On(
            List.of(new PlatformSpec.IoApicSpec(2, IoApicRegisters.DEFAULT_BASE, 8, IoApicRegisters.DEFAULT_PINS,
                IoApicRegisters.VERSION_20)),
            isa, new PlatformSpec.FirmwareSpec(List.of(InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL,
                IrqPolarity.ACTIVE_LOW)), Map.of(), List.of(), 9, true));
        assertEquals(0, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 7,"));
        assertNull(r.dom0.irqs().byGsi(7));
        assertEquals(1, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 8, pirq 8)"));
        assertNotNull(r.dom0.irqs().byGsi(8));
    }

    // the same mp_find_ioapic test for a gap: IO-APICs with GSIs 0-7 and 16-39 leave GSIs 8 to 15 without a pin, so
    // they are skipped although a GSI past them has an IO-APIC. Before, irqsim took "an IO-APIC at or below the GSI"
    // for mp_find_ioapic and mapped pirqs 8 to 15 at boot
    @Test
    void pciXenInitialDomainSkipsLegacyGsisInAGapBetweenIoApics() {
        final TestRig r = pvDom0On(
            List.of(new PlatformSpec.IoApicSpec(2, IoApicRegisters.DEFAULT_BASE, 0, 8, IoApicRegisters.VERSION_20),
                new PlatformSpec.IoApicSpec(3, IoApicRegisters.DEFAULT_BASE + 0x1000, 16, IoApicRegisters.DEFAULT_PINS,
                    IoApicRegisters.VERSION_20)),
            isaBelowEight(), sciOnFive());
        assertNotNull(r.dom0.irqs().byGsi(7));
        for (int gsi = 8; gsi < 16; gsi++) {
            assertEquals(0, r.linesContaining("pci_xen_initial_domain: PHYSDEVOP_map_pirq(DOMID_SELF, gsi " + gsi + ","),
                "GSI " + gsi);
            assertNull(r.dom0.irqs().byGsi(gsi), "GSI " + gsi);
        }
    }

    /** ISA IRQs 0..7 on GSIs 0..7 (IRQ 0 on GSI 2, IRQ 5 the level/low SCI), none past 7. */
    private static List<PlatformSpec.IsaRoute> isaBelowEight() {
        final List<PlatformSpec.IsaRoute> isa = new ArrayList<>();
        isa.add(new PlatformSpec.IsaRoute(0, 2, WireKind.ISA));
        for (final int irq : new int[] {1, 3, 4, 5, 6, 7}) {
            isa.add(new PlatformSpec.IsaRoute(irq, irq, irq == 5 ? WireKind.PCI_INTX : WireKind.ISA));
        }
        return isa;
    }

    /** The IRQ0 -> GSI 2 override and the SCI (IRQ 5) level/low: the firmware of {@link #isaBelowEight}. */
    private static PlatformSpec.FirmwareSpec sciOnFive() {
        return new PlatformSpec.FirmwareSpec(List.of(InterruptSourceOverride.of(0, 2, null, null),
            InterruptSourceOverride.of(5, 5, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)), Map.of(), List.of(), 5, true);
    }

    /** A PV dom0 booted on a machine with the given IO-APICs, ISA routes and firmware and only a host bridge. */
    private static TestRig pvDom0On(final List<PlatformSpec.IoApicSpec> ioapics, final List<PlatformSpec.IsaRoute> isa,
                                    final PlatformSpec.FirmwareSpec firmware) {
        final PlatformSpec spec = new PlatformSpec(ioapics, DefaultPlatform.spec().cpus(),
            List.of(new PlatformSpec.PciDeviceSpec("host", new Bdf(0, 0, 0), 0x8086, 0x1237, 0x060000, 0, -1)),
            List.of(), isa, firmware, true);
        return TestRig.booted(spec, XenConfig.XEN_4_20, DomainType.PV, PcistubVariants.ENABLE_ONLY, List.of());
    }
}
