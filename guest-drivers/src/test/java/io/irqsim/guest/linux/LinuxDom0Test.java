package io.irqsim.guest.linux;

import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dom0 Linux model, PVH and PV: boot, the ACPI SCI, {@code pci_enable_device} of its own devices. */
class LinuxDom0Test {

    private static final int SCI = 9;

    private static TestRig pvh(final List<Bdf> own) {
        return TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            own);
    }

    private static TestRig pv(final List<Bdf> own) {
        return TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_18, DomainType.PV, PcistubVariants.ENABLE_ONLY,
            own);
    }

    // ------------------------------------------------------------------ PVH boot

    @Test
    void pvhBootMasksEveryPinButTheSci() {
        // setup_IO_APIC + clear_IO_APICs: every pin masked; only the SCI is requested at boot
        final TestRig r = pvh(List.of());
        assertTrue(r.dom0.isPvh());
        for (int gsi = 0; gsi < 24; gsi++) {
            if (gsi != SCI) {
                assertEquals(Rte.MASKED, r.dom0Rte(gsi), "GSI " + gsi);
            }
        }
    }

    @Test
    void pvhBootRegistersTheSciLevelLowFromItsOverrideAndUnmasksIt() {
        // acpi_sci_ioapic_setup (ISO 9 -> 9 level/low) -> acpi_register_gsi_ioapic, then request_irq unmasks
        final TestRig r = pvh(List.of());
        final long rte = r.dom0Rte(SCI);
        assertTrue(Rte.isLevel(rte));
        assertTrue(Rte.isActiveLow(rte));
        assertFalse(Rte.isMasked(rte));
        // no PIC (nr_legacy_irqs() 0): irq 9 is not an ISA irq and gets a dynamic vector, not ISA_IRQ_VECTOR(9)
        assertEquals(LinuxIrqTable.FIRST_DYNAMIC_VECTOR, Rte.vector(rte));
        final LinuxIrq sci = r.dom0.irqs().byGsi(SCI);
        assertEquals(SCI, sci.irq(), "a legacy domain numbers the GSI like itself");
        assertEquals(List.of("acpi"), sci.names());
        assertTrue(sci.isStarted());
    }

    @Test
    void pvhSciUnmaskMakesXenRegisterMapAndBindGsi9ForDom0() {
        // vioapic_write_redirent (unmasked) -> vioapic_hwdom_map_gsi: mp_register_gsi,
        // allocate_and_map_gsi_pirq(dom0, pirq = gsi), pt_irq_create_bind
        final TestRig r = pvh(List.of());
        assertTrue(r.xen.ioapicRouting().isPinProgrammed(SCI));
        assertEquals(SCI, r.d0.pirqs().pirqToIrq(SCI), "dom0 pirq 9 <-> irq 9");
        assertTrue(r.xen.irqDescs().desc(SCI).isGuest());
        assertTrue(r.boundTo(SCI, r.d0));
        final long phys = r.physicalRte(SCI);
        assertTrue(Rte.isLevel(phys));
        assertTrue(Rte.isActiveLow(phys));
        assertEquals(1, r.recordsSince(0, HvEvent.HWDOM_MAP_GSI).stream().filter(t -> t.a() == SCI).count());
    }

    @Test
    void pvhBootMapsNoPciGsiInXen() {
        // a PVH dom0 makes no hypercall for its GSIs; Xen acts on unmasks only
        final TestRig r = pvh(List.of());
        for (int gsi = 16; gsi < 24; gsi++) {
            assertFalse(r.xen.ioapicRouting().isPinProgrammed(gsi), "GSI " + gsi);
        }
        assertEquals(0, r.recordsSince(0, HvEvent.HYPERCALL).stream()
            .filter(t -> t.a() == HypercallOp.PHYSDEVOP_MAP_PIRQ.code() || t.a() == HypercallOp.PHYSDEVOP_SETUP_GSI.code())
            .count());
    }

    @Test
    void sciOverrideThatConformsToTheBusIsLevelLow() {
        // acpi_sci_ioapic_setup: "if (trigger == 0) trigger = 3; if (polarity == 0) polarity = 3"
        final PlatformSpec spec = Specs.withOverrides(DefaultPlatform.spec(), List.of(
            InterruptSourceOverride.of(0, 2, null, null), InterruptSourceOverride.of(SCI, SCI, null, null)));
        final TestRig r = TestRig.booted(spec, XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            List.of());
        assertTrue(Rte.isLevel(r.dom0Rte(SCI)));
        assertTrue(Rte.isActiveLow(r.dom0Rte(SCI)));
        assertTrue(Rte.isLevel(r.physicalRte(SCI)), "Xen registers what dom0 wrote");
    }

    // ------------------------------------------------------------------ PV boot

    @Test
    void pvBootMapsThePirqForItselfThenSetsUpTheGsi() {
        // xen_register_gsi: PHYSDEVOP_map_pirq(DOMID_SELF, GSI 9, pirq 9); xen_bind_pirq_gsi_to_irq names the initial
        // domain's irq 9 to Xen (PHYSDEVOP_alloc_irq_vector, events_base.c@v6.12) and queries the pirq (its flags
        // make c non-zero); then PHYSDEVOP_setup_gsi(9, level, low)
        final TestRig r = pv(List.of());
        assertFalse(r.dom0.isPvh());
        final List<TraceRecord> calls = r.recordsSince(0, HvEvent.HYPERCALL).stream()
            .filter(t -> t.c() == 0 && t.b() == SCI).toList();
        assertEquals(HypercallOp.PHYSDEVOP_MAP_PIRQ.code(), calls.get(0).a());
        assertEquals(HypercallOp.PHYSDEVOP_ALLOC_IRQ_VECTOR.code(), calls.get(1).a());
        assertEquals(HypercallOp.PHYSDEVOP_SETUP_GSI.code(), calls.get(2).a());
        assertEquals(SCI, r.d0.pirqs().pirqToIrq(SCI));
        assertTrue(r.xen.ioapicRouting().isPinProgrammed(SCI));
        assertTrue(Rte.isLevel(r.physicalRte(SCI)));
        assertTrue(Rte.isActiveLow(r.physicalRte(SCI)));
        assertTrue(r.d0.vioapics().isEmpty(), "a PV dom0 has no emulated IO-APIC");
    }

    @Test
    void pvBootBindsAnEventChannelToTheSciPirq() {
        // request_irq -> startup_pirq: EVTCHNOP_bind_pirq, shareable for a level irq
        final TestRig r = pv(List.of());
        final LinuxIrq sci = r.dom0.irqs().byGsi(SCI);
        assertEquals(SCI, sci.irq());
        assertEquals(SCI, sci.pirq());
        assertTrue(sci.isStarted());
        assertTrue(r.d0.pirqs().get(SCI).isEvtchnBound());
        assertTrue(r.boundTo(SCI, r.d0));
        assertTrue(r.xen.irqDescs().desc(SCI).isShareable());
        assertEquals(1, r.linesContaining("EVTCHNOP_bind_pirq(pirq 9, shareable) = 0"));
    }

    // ------------------------------------------------------------------ own devices

    @Test
    void pciEnableDeviceTurnsOnMemoryDecode() {
        // pci_enable_device -> pci_enable_resources: PCI_COMMAND_MEMORY
        final TestRig r = pvh(List.of());
        final int cmd = r.xen.platform().pci().function(DefaultPlatform.SHARED_A).configRead(PciConfigRegisters.COMMAND, 2);
        assertEquals(0, cmd & PciConfigRegisters.COMMAND_MEMORY);
        assertEquals(0, r.dom0.pciEnableDevice(DefaultPlatform.SHARED_A));
        assertTrue(r.dom0.dev(DefaultPlatform.SHARED_A).isEnabled());
        assertEquals(PciConfigRegisters.COMMAND_MEMORY, r.xen.platform().pci().function(DefaultPlatform.SHARED_A)
            .configRead(PciConfigRegisters.COMMAND, 2) & PciConfigRegisters.COMMAND_MEMORY);
    }

    @Test
    void pvhSysfsIrqOfAGsiOnTheFirstIoApicIsTheGsi() {
        // acpi_parse_ioapic: the IO-APIC at GSI 0 gets IOAPIC_DOMAIN_LEGACY; alloc_irq_from_domain: irq = gsi
        final TestRig r = pvh(List.of(DefaultPlatform.SHARED_A));
        assertEquals(DefaultPlatform.SHARED_GSI, r.dom0.sysfsIrq(DefaultPlatform.SHARED_A));
        assertEquals(DefaultPlatform.SHARED_GSI, r.dom0.dev(DefaultPlatform.SHARED_A).gsi());
    }

    @Test
    void pvSysfsIrqEqualsTheGsi() {
        // xen_register_gsi -> xen_bind_pirq_gsi_to_irq: the irq is numbered like the GSI on a PV dom0
        final TestRig r = pv(List.of(DefaultPlatform.SHARED_A));
        assertEquals(DefaultPlatform.SHARED_GSI, r.dom0.sysfsIrq(DefaultPlatform.SHARED_A));
        assertEquals(DefaultPlatform.SHARED_GSI, r.d0.pirqs().pirqToIrq(DefaultPlatform.SHARED_GSI));
        assertTrue(r.d0.pirqs().get(DefaultPlatform.SHARED_GSI).isEvtchnBound());
    }

    @Test
    void pvhOwnDriverRequestUnmasksThePinSoXenBindsTheGsiToDom0() {
        // request_irq -> unmask -> vioapic_hwdom_map_gsi with the trigger/polarity dom0 wrote (level/low from _PRT)
        final TestRig r = pvh(List.of(DefaultPlatform.SHARED_A));
        final long rte = r.dom0Rte(DefaultPlatform.SHARED_GSI);
        assertFalse(Rte.isMasked(rte));
        assertTrue(Rte.isLevel(rte));
        assertTrue(Rte.isActiveLow(rte));
        assertEquals(LinuxIrqTable.FIRST_DYNAMIC_VECTOR + 1, Rte.vector(rte), "the SCI, requested first, has 0x41");
        assertTrue(r.boundTo(DefaultPlatform.SHARED_GSI, r.d0));
        assertEquals(DefaultPlatform.SHARED_GSI, r.dom0.drivers().get(0).irq());
    }

    @Test
    void twoDevicesOnOneGsiShareOneLinuxIrq() {
        // mp_map_gsi_to_irq: the GSI is already mapped, both devices get its irq (a shared line)
        final TestRig r = pvh(List.of(DefaultPlatform.SHARED_A, DefaultPlatform.SHARED_B));
        assertEquals(r.dom0.sysfsIrq(DefaultPlatform.SHARED_A), r.dom0.sysfsIrq(DefaultPlatform.SHARED_B));
        assertEquals(2, r.dom0.irqs().byGsi(DefaultPlatform.SHARED_GSI).handlers().size());
    }

    @Test
    void deviceBehindTheBridgeIsEnabledWithTheSwizzledGsi() {
        // acpi_pci_irq_enable -> acpi_pci_irq_lookup through the bridge: 01:02.0 INTA -> 00:1e INTC -> GSI 22
        final TestRig r = pvh(List.of(DefaultPlatform.BEHIND_BRIDGE));
        assertEquals(DefaultPlatform.BEHIND_BRIDGE_GSI, r.dom0.dev(DefaultPlatform.BEHIND_BRIDGE).gsi());
        assertEquals(1, r.linesContaining("(swizzled to 00:1e INTC) -> GSI 22 (level, low) -> IRQ 22"));
    }

    @Test
    void acpiPciIrqEnableIsIdempotent() {
        // acpi_pci_irq_enable: "dev->irq_managed && dev->irq > 0" -> already done, return 0
        final TestRig r = pvh(List.of(DefaultPlatform.NIC));
        final LinuxKernel.PciDev dev = r.dom0.dev(DefaultPlatform.NIC);
        final int irqs = r.dom0.irqs().all().size();
        final int refcnt = r.dom0.acpi().links().refcount("LNKA");
        final long rte = r.dom0Rte(DefaultPlatform.NIC_GSI);
        assertEquals(0, r.dom0.acpiPciIrqEnable(dev));
        assertEquals(DefaultPlatform.NIC_GSI, dev.irq());
        assertEquals(irqs, r.dom0.irqs().all().size());
        assertEquals(refcnt, r.dom0.acpi().links().refcount("LNKA"), "the link was not allocated again");
        assertEquals(rte, r.dom0Rte(DefaultPlatform.NIC_GSI));
        assertEquals(1, r.linesContaining("IRQ 16 already set up, nothing to do"));
    }

    @Test
    void deviceWithoutInterruptPinGetsNoIrq() {
        // acpi_pci_irq_enable: pin == 0 -> return 0 (no INTx)
        final TestRig r = pvh(List.of());
        final Bdf host = new Bdf(0, 0, 0);
        final int irqs = r.dom0.irqs().all().size();
        assertEquals(0, r.dom0.pciEnableDevice(host));
        assertEquals(0, r.dom0.sysfsIrq(host));
        assertEquals(-1, r.dom0.dev(host).gsi());
        assertTrue(r.dom0.dev(host).isEnabled());
        assertEquals(irqs, r.dom0.irqs().all().size());
    }

    @Test
    void unknownDeviceIsNoDevice() {
        // pci_get_domain_bus_and_slot finds nothing
        final TestRig r = pvh(List.of());
        assertEquals(-Errno.ENODEV, r.dom0.pciEnableDevice(new Bdf(0, 9, 0)));
        assertNull(r.dom0.dev(new Bdf(0, 9, 0)));
        assertEquals(0, r.dom0.sysfsIrq(new Bdf(0, 9, 0)));
    }

    @Test
    void noPrtEntryAndNoUsableLineMeansNoGsi() {
        // acpi_pci_irq_enable: "PCI INT %c: no GSI"
        final PlatformSpec spec = Specs.withPrt(DefaultPlatform.spec(), Map.of(0,
            List.of(PrtEntry.toGsi(4, 0, DefaultPlatform.SHARED_GSI))));
        final TestRig r = TestRig.booted(spec, XenConfig.XEN_4_18, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            List.of());
        assertEquals(0, r.dom0.pciEnableDevice(DefaultPlatform.NIC));
        assertEquals(0, r.dom0.sysfsIrq(DefaultPlatform.NIC));
        assertEquals(1, r.linesContaining("00:03.0: PCI INTA: no GSI"));
    }

    @Test
    void bootMapsOwnDevicesBarsIntoDom0() {
        // dom0's identity p2m: the BAR is reachable at its physical address
        final TestRig r = pvh(List.of(DefaultPlatform.SHARED_A));
        final long bar = r.xen.platform().pci().function(DefaultPlatform.SHARED_A).barAddress(0);
        assertEquals(NicTestDevice.ID & 0xFFFF_FFFFL, r.d0.vcpu(0).mmioRead(bar + NicTestDevice.REG_ID, 4));
        assertEquals(DefaultPlatform.SHARED_A, r.dom0.drivers().get(0).bdf());
    }

    // ------------------------------------------------------------------ acpi_register_gsi's back ends

    // arch/x86/kernel/apic/io_apic.c:mp_map_pin_to_irq, mp_check_pin_attr@v6.12
    @Test
    void pvhRegisteringAMappedGsiWithOtherTriggerOrPolarityIsBusy() {
        // an irq already mapped keeps its attributes: a registration that disagrees gets -EBUSY and takes no
        // reference (data->count++ only for irq >= 0); one that agrees gets the same irq
        final TestRig r = pvh(List.of());
        final IrqBackend b = r.dom0.backend();
        final int irq = b.registerGsi(20, true, true);
        assertEquals(20, irq);
        assertEquals(-Errno.EBUSY, b.registerGsi(20, false, false));
        assertEquals(-Errno.EBUSY, b.registerGsi(20, true, false));
        assertEquals(1, r.dom0.irqs().byGsi(20).mapCount());
        assertEquals(irq, b.registerGsi(20, true, true));
        assertEquals(2, r.dom0.irqs().byGsi(20).mapCount());
        // the SCI's ISA irq 9 was set level/low at boot: its first user is gone, an edge registration is refused
        assertEquals(-Errno.EBUSY, b.registerGsi(SCI, false, false));
    }

    // arch/x86/kernel/apic/io_apic.c:mp_map_gsi_to_irq@v6.12
    @Test
    void pvhRegisteringAGsiNoIoApicHasIsNoDevice() {
        // mp_find_ioapic(gsi) < 0 -> -ENODEV
        final TestRig r = pvh(List.of());
        assertEquals(-Errno.ENODEV, r.dom0.backend().registerGsi(200, true, true));
    }

    // drivers/acpi/pci_irq.c:acpi_isa_register_gsi; arch/x86/kernel/i8259.c:probe_8259A@v6.12
    @Test
    void pvDom0WithoutPcatCompatRegistersNoIsaFallbackGsiForADeviceWithoutPrtEntry() {
        // without PCAT_COMPAT in the MADT, probe_8259A finds no PIC (nr_legacy_irqs() == 0), so
        // acpi_isa_irq_to_gsi fails and the device gets "no GSI": its interrupt line is neither registered nor
        // set up (GSI 11's pirq is the one pci_xen_initial_domain mapped at boot, with no setup_gsi)
        final TestRig r = TestRig.booted(Specs.withoutPcatCompat(Specs.withPrt(DefaultPlatform.spec(), Map.of())),
            XenConfig.XEN_4_18, DomainType.PV, PcistubVariants.ENABLE_ONLY, List.of());
        r.xen.platform().pci().function(DefaultPlatform.NIC).configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 11);
        assertEquals(0, r.dom0.pciEnableDevice(DefaultPlatform.NIC));
        assertEquals(1, r.linesContaining("00:03.0: PCI INTA: no GSI"));
        assertEquals(0, r.dom0.sysfsIrq(DefaultPlatform.NIC));
        assertEquals(0, r.linesContaining("PHYSDEVOP_setup_gsi(gsi 11,"));
    }
}
