package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.PvhPhysdevAccess;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xen-pciback's {@code pcistub_init_device} under each design ({@link PcistubVariants}), and the
 * GSI queries built on it ({@code pcistub_get_gsi_from_sbdf}, privcmd).
 */
class PcistubVariantsTest {

    private static final Bdf NIC = DefaultPlatform.NIC;
    private static final int GSI = DefaultPlatform.NIC_GSI;

    private static TestRig pvh(final XenConfig config, final PcistubVariant variant) {
        return TestRig.defaults(config, DomainType.PVH, variant);
    }

    private static XenConfig rfcWithSelfMapAndSetupGsi() {
        return XenConfig.RFC_BASELINE.withPvhPhysdev(PvhPhysdevAccess.XEN_4_20);
    }

    // ------------------------------------------------------------------ ENABLE_ONLY (Linux at the time)

    @Test
    void enableOnlyWritesNothingToDom0sPinAndTheResetReleasesTheIrq() {
        // pcistub_init_device -> pci_enable_device -> acpi_register_gsi_ioapic (entry prepared in memory only),
        // then xen_pcibk_reset_device -> pci_disable_device -> acpi_pci_irq_disable -> mp_unmap_irq frees it
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.ENABLE_ONLY);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertEquals(Rte.MASKED, r.dom0Rte(GSI), "the boot mask, nothing more");
        assertEquals(GSI, r.dom0.sysfsIrq(NIC), "dev->irq keeps the number; legacy domain: IRQ 16 = GSI 16");
        assertNull(r.dom0.irqs().byGsi(GSI), "the reset freed the irq");
        assertEquals(1, r.linesContaining("00:03.0: reset device: pci_disable_device"));
    }

    @Test
    void enableOnlyLeavesTheGsiUnknownToXen() {
        // vioapic_hwdom_map_gsi only runs on an unmask: mp_register_gsi never happened, no dom0 pirq, no binding
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.ENABLE_ONLY);
        r.dom0.pciback().seize(NIC);
        assertFalse(r.xen.ioapicRouting().isPinProgrammed(GSI));
        assertEquals(0, r.d0.pirqs().pirqToIrq(GSI));
        assertFalse(r.xen.irqDescs().desc(GSI).isGuest());
        assertEquals(Rte.MASKED, r.physicalRte(GSI) & (Rte.MASKED | Rte.TRIGGER_LEVEL | Rte.VECTOR_MASK));
    }

    @Test
    void seizeResetsTheDeviceAndKeepsIt() {
        // pcistub_init_device -> xen_pcibk_reset_device -> pci_disable_device: bus mastering off, device disabled
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.ENABLE_ONLY);
        r.dom0.pciback().seize(NIC);
        assertEquals(0, r.xen.platform().pci().function(NIC).configRead(PciConfigRegisters.COMMAND, 2)
            & PciConfigRegisters.COMMAND_MASTER);
        assertFalse(r.dom0.dev(NIC).isEnabled());
        assertFalse(r.dom0.dev(NIC).isIrqManaged());
        assertNotNull(r.dom0.pciback().psdev(NIC));
        assertEquals(-1, r.dom0.pciback().psdev(NIC).gsi(), "no GSI recorded without the upstream change");
        assertEquals(PcistubVariants.ENABLE_ONLY, r.dom0.pciback().variant());
    }

    @Test
    void seizeTracesAndLogsTheSeizedDevice() {
        // pcistub_seize: "seizing device" (the PCIBACK_SEIZE trace record carries the SBDF)
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.ENABLE_ONLY);
        final long mark = r.mark();
        r.dom0.pciback().seize(NIC);
        final List<TraceRecord> seized = r.recordsSince(mark, GuestEvent.PCIBACK_SEIZE);
        assertEquals(1, seized.size());
        assertEquals(NIC.sbdf(), seized.get(0).a());
        assertEquals(1, r.linesContaining("pciback: seizing device 00:03.0"));
        assertEquals(NIC, r.dom0.pciback().psdev(NIC).bdf());
    }

    @Test
    void theResetLeavesABridgeEnabled() {
        // xen_pcibk_reset_device: only a PCI_HEADER_TYPE_NORMAL device is pci_disable_device'd
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.ENABLE_ONLY);
        assertEquals(0, r.dom0.pciback().seize(DefaultPlatform.BRIDGE));
        assertTrue(r.dom0.dev(DefaultPlatform.BRIDGE).isEnabled());
        assertEquals(0, r.linesContaining("reset device"));
    }

    @Test
    void aFailedInitLeavesTheDeviceEnabledAndItsIrqAllocated() {
        // pcistub_init_device: an error after pci_enable_device goes to config_release, no reset
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.SETUP_GSI);
        assertEquals(-Errno.ENOSYS, r.dom0.pciback().seize(NIC));
        assertTrue(r.dom0.dev(NIC).isEnabled());
        assertNotNull(r.dom0.irqs().byGsi(GSI));
        assertEquals(0, r.linesContaining("reset device"));
    }

    @Test
    void enableOnlyIsAlsoWhatAPvDom0DoesAndThereXenKnowsTheGsi() {
        // PV dom0: pci_enable_device -> xen_register_gsi does map_pirq + setup_gsi
        final TestRig r = TestRig.defaults(XenConfig.XEN_4_18, DomainType.PV, PcistubVariants.ENABLE_ONLY);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertTrue(r.xen.ioapicRouting().isPinProgrammed(GSI));
        assertEquals(GSI, r.d0.pirqs().pirqToIrq(GSI));
        assertEquals(GSI, r.dom0.sysfsIrq(NIC));
        assertFalse(r.xen.irqDescs().desc(GSI).isGuest(), "mapped for dom0 but no event channel bound");
    }

    @Test
    void seizeOfAMissingDeviceIsNoDevice() {
        // pcistub_seize: no pci_dev at that address
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.ENABLE_ONLY);
        final long mark = r.mark();
        assertEquals(-Errno.ENODEV, r.dom0.pciback().seize(new Bdf(0, 9, 0)));
        assertNull(r.dom0.pciback().psdev(new Bdf(0, 9, 0)));
        assertTrue(r.recordsSince(mark, GuestEvent.PCIBACK_SEIZE).isEmpty(), "nothing was seized");
        assertEquals(0, r.linesContaining("00:09.0"));
    }

    // ------------------------------------------------------------------ PCIBIOS_ENABLE_DEVICE (Roger's question)

    @Test
    void pcibiosEnableDeviceAgainChangesNothing() {
        // "why not simply call pcibios_enable_device()?": acpi_pci_irq_enable finds dev->irq set up and returns
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.PCIBIOS_ENABLE_DEVICE);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertTrue(Rte.isMasked(r.dom0Rte(GSI)));
        assertFalse(r.xen.ioapicRouting().isPinProgrammed(GSI));
        assertEquals(0, r.d0.pirqs().pirqToIrq(GSI));
        assertEquals(1, r.linesContaining("pciback: 00:03.0: pcibios_enable_device"));
        assertEquals(1, r.linesContaining("IRQ 16 already set up, nothing to do"));
        assertEquals(1, r.dom0.acpi().links().refcount("LNKA"), "the second call did not reach the link");
    }

    // ------------------------------------------------------------------ UNMASK_IRQ (the RFC patch)

    @Test
    void unmaskIrqUnmasksThePinWithNoHandler() {
        // RFC v2 2/3: unmask_irq(irq_to_desc(dev->irq)) in pcistub_init_device
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.UNMASK_IRQ);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertFalse(Rte.isMasked(r.dom0Rte(GSI)));
        assertEquals(0, Rte.vector(r.dom0Rte(GSI)), "never activated: the preconfigured vector 0");
        assertNull(r.dom0.irqs().byGsi(GSI), "nobody requested it, and the reset then freed it");
    }

    @Test
    void unmaskIrqIsTracedAndLogged() {
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.UNMASK_IRQ);
        final long mark = r.mark();
        r.dom0.pciback().seize(NIC);
        final List<TraceRecord> unmasks = r.recordsSince(mark, GuestEvent.PCIBACK_UNMASK);
        assertEquals(1, unmasks.size());
        assertEquals(NIC.sbdf(), unmasks.get(0).a());
        assertEquals(GSI, unmasks.get(0).b(), "dev->irq");
        assertEquals(1, r.linesContaining("pciback: 00:03.0: unmask_irq(irq_to_desc(16)) (RFC patch)"));
    }

    @Test
    void unmaskIrqSkipsADeviceAcpiGaveNoIrq() {
        // the RFC patch unmasks dev->irq only if there is one (dev->irq 0: no GSI, no ISA line)
        final TestRig r = TestRig.booted(Specs.withPrt(DefaultPlatform.spec(), java.util.Map.of()),
            XenConfig.RFC_BASELINE, DomainType.PVH, PcistubVariants.UNMASK_IRQ, List.of());
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertEquals(0, r.dom0.sysfsIrq(NIC));
        assertEquals(0, r.linesContaining("unmask_irq"));
        assertEquals(Rte.MASKED, r.dom0Rte(GSI));
    }

    @Test
    void unmaskIrqMakesXenRegisterMapAndBindTheGsiToDom0() {
        // vioapic_write_redirent (unmasked) -> vioapic_hwdom_map_gsi with dom0's RTE trigger/polarity
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.UNMASK_IRQ);
        r.dom0.pciback().seize(NIC);
        assertTrue(r.xen.ioapicRouting().isPinProgrammed(GSI));
        assertEquals(GSI, r.d0.pirqs().pirqToIrq(GSI));
        assertTrue(r.boundTo(GSI, r.d0), "the side effect the thread objected to");
        assertTrue(Rte.isLevel(r.physicalRte(GSI)));
        assertTrue(Rte.isActiveLow(r.physicalRte(GSI)));
    }

    @Test
    void unmaskIrqDoesNothingInAPvDom0() {
        // the RFC patch is for a PVH dom0 only (xen_pvh_domain())
        final TestRig r = TestRig.defaults(XenConfig.XEN_4_18, DomainType.PV, PcistubVariants.UNMASK_IRQ);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertFalse(r.dom0.irqs().byGsi(GSI).isStarted());
        assertEquals(0, r.linesContaining("unmask_irq"));
    }

    // ------------------------------------------------------------------ MAP_PIRQ_AND_SETUP_GSI (Jiqian's alternative)

    @Test
    void mapPirqAndSetupGsiMapsDom0PirqEqualToGsiAndRegistersIt() {
        // xen_pvh_map_pirq: PHYSDEVOP_map_pirq(DOMID_SELF, gsi) + xen_pvh_setup_gsi: PHYSDEVOP_setup_gsi
        final TestRig r = pvh(rfcWithSelfMapAndSetupGsi(), PcistubVariants.MAP_PIRQ_AND_SETUP_GSI);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertEquals(GSI, r.d0.pirqs().pirqToIrq(GSI));
        assertTrue(r.xen.ioapicRouting().isPinProgrammed(GSI));
        assertTrue(Rte.isLevel(r.physicalRte(GSI)));
        assertTrue(Rte.isActiveLow(r.physicalRte(GSI)));
        assertFalse(r.xen.irqDescs().desc(GSI).isGuest(), "mapped, not bound");
        assertEquals(GSI, r.dom0.pciback().gsiFromSbdf(NIC));
        assertTrue(Rte.isMasked(r.dom0Rte(GSI)), "dom0's own pin stays masked");
    }

    @Test
    void mapPirqAndSetupGsiLogsTheSelfMap() {
        final TestRig r = pvh(rfcWithSelfMapAndSetupGsi(), PcistubVariants.MAP_PIRQ_AND_SETUP_GSI);
        r.dom0.pciback().seize(NIC);
        assertEquals(1, r.linesContaining("xen_pvh_map_pirq: PHYSDEVOP_map_pirq(DOMID_SELF, gsi 16) = 0"));
    }

    @Test
    void mapPirqAndSetupGsiDoesNothingInAPvDom0() {
        // xen_pvh_*: PVH dom0 only; a PV dom0 already mapped and set the GSI up in xen_register_gsi
        final TestRig r = TestRig.defaults(rfcWithSelfMapAndSetupGsi(), DomainType.PV,
            PcistubVariants.MAP_PIRQ_AND_SETUP_GSI);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertEquals(0, r.linesContaining("xen_pvh_"));
        assertEquals(-1, r.dom0.pciback().psdev(NIC).gsi());
    }

    @Test
    void mapPirqAndSetupGsiWithoutAcpiRoutingFailsTheProbe() {
        // xen_pvh_get_gsi_info: no _PRT entry -> -EINVAL
        final TestRig r = TestRig.booted(Specs.withPrt(DefaultPlatform.spec(), java.util.Map.of()),
            rfcWithSelfMapAndSetupGsi(), DomainType.PVH, PcistubVariants.MAP_PIRQ_AND_SETUP_GSI, List.of());
        assertEquals(-Errno.EINVAL, r.dom0.pciback().seize(NIC));
        assertEquals(1, r.linesContaining("Fail to get gsi info!"));
    }

    @Test
    void mapPirqAndSetupGsiStopsAtAFailedMap() {
        // the RFC: a failed PHYSDEVOP_map_pirq returns before setup_gsi
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.MAP_PIRQ_AND_SETUP_GSI);
        final long mark = r.mark();
        r.dom0.pciback().seize(NIC);
        assertTrue(r.recordsSince(mark, HvEvent.HYPERCALL).stream()
            .noneMatch(t -> t.a() == HypercallOp.PHYSDEVOP_SETUP_GSI.code()));
        assertEquals(0, r.linesContaining("xen_pvh_setup_gsi"));
    }

    @Test
    void mapPirqAndSetupGsiFailsWithEnosysWhereAPvhDom0MayNotMapItself() {
        // hvm_physdev_op (RFC baseline): map_pirq for itself is refused -> probe fails, device not kept
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.MAP_PIRQ_AND_SETUP_GSI);
        assertEquals(-Errno.ENOSYS, r.dom0.pciback().seize(NIC));
        assertNull(r.dom0.pciback().psdev(NIC));
        assertEquals(-Errno.ENODEV, r.dom0.pciback().gsiFromSbdf(NIC));
        assertFalse(r.xen.ioapicRouting().isPinProgrammed(GSI));
        assertEquals(1, r.linesContaining("pcistub_init_device failed: -ENOSYS"));
    }

    // ------------------------------------------------------------------ SETUP_GSI (upstream)

    @Test
    void setupGsiRegistersTheGsiAndRecordsItWithoutMappingForDom0() {
        // pcistub_init_device (6.12): xen_acpi_get_gsi_info + xen_pvh_setup_gsi; psdev->gsi = gsi
        final TestRig r = pvh(XenConfig.XEN_4_20, PcistubVariants.SETUP_GSI);
        final long mark = r.mark();
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertEquals(GSI, r.dom0.pciback().psdev(NIC).gsi());
        assertTrue(r.xen.ioapicRouting().isPinProgrammed(GSI));
        assertTrue(Rte.isLevel(r.physicalRte(GSI)));
        assertTrue(Rte.isActiveLow(r.physicalRte(GSI)));
        assertEquals(0, r.d0.pirqs().pirqToIrq(GSI), "no dom0 pirq");
        assertFalse(r.xen.irqDescs().desc(GSI).isGuest(), "nothing bound to dom0");
        assertEquals(1, r.recordsSince(mark, HvEvent.HYPERCALL).stream()
            .filter(t -> t.a() == HypercallOp.PHYSDEVOP_SETUP_GSI.code() && t.b() == GSI && t.c() == 0).count());
        // acpi_pci_irq_enable and xen_acpi_get_gsi_info each call acpi_pci_link_allocate_irq (refcnt++, never freed)
        assertEquals(2, r.dom0.acpi().links().refcount("LNKA"));
    }

    @Test
    void setupGsiCountsEexistAsSuccess() {
        // xen_pvh_setup_gsi: -EEXIST -> "Already setup the GSI", return 0; 00:05.0 shares GSI 17 with
        // 00:04.0, whose dom0 driver's unmask already registered it
        final TestRig r = TestRig.booted(DefaultPlatform.spec(), XenConfig.XEN_4_20, DomainType.PVH,
            PcistubVariants.SETUP_GSI, List.of(DefaultPlatform.SHARED_A));
        assertTrue(r.xen.ioapicRouting().isPinProgrammed(DefaultPlatform.SHARED_GSI));
        assertEquals(0, r.dom0.pciback().seize(DefaultPlatform.SHARED_B));
        assertEquals(DefaultPlatform.SHARED_GSI, r.dom0.pciback().gsiFromSbdf(DefaultPlatform.SHARED_B));
        assertEquals(1, r.linesContaining("= -EEXIST (\"Already setup the GSI\")"));
    }

    @Test
    void setupGsiFailsTheProbeWhereAPvhDom0HasNoSetupGsi() {
        // hvm_physdev_op (Xen 4.18): setup_gsi -> -ENOSYS, "Fail to setup GSI", probe fails
        final TestRig r = pvh(XenConfig.XEN_4_18, PcistubVariants.SETUP_GSI);
        assertEquals(-Errno.ENOSYS, r.dom0.pciback().seize(NIC));
        assertNull(r.dom0.pciback().psdev(NIC));
    }

    @Test
    void setupGsiDoesNothingMoreInAPvDom0() {
        // pcistub_init_device: "if (xen_initial_domain() && xen_pvh_domain())"; a PV dom0 records no GSI
        final TestRig r = TestRig.defaults(XenConfig.XEN_4_20, DomainType.PV, PcistubVariants.SETUP_GSI);
        assertEquals(0, r.dom0.pciback().seize(NIC));
        assertEquals(-1, r.dom0.pciback().psdev(NIC).gsi());
        assertEquals(0, r.linesContaining("xen_pvh_setup_gsi"));
        assertEquals(-Errno.EPERM, r.dom0.privcmd().pcidevGetGsi(NIC));
    }

    @Test
    void setupGsiWithoutAcpiRoutingFailsTheProbe() {
        // xen_acpi_get_gsi_info: no _PRT entry -> gsi -1 -> -EINVAL, "Fail to get gsi info!"
        final TestRig r = TestRig.booted(Specs.withPrt(DefaultPlatform.spec(), java.util.Map.of()), XenConfig.XEN_4_20,
            DomainType.PVH, PcistubVariants.SETUP_GSI, List.of());
        assertEquals(-Errno.EINVAL, r.dom0.pciback().seize(NIC));
        assertEquals(1, r.linesContaining("Fail to get gsi info!"));
    }

    // ------------------------------------------------------------------ GSI queries

    @Test
    void gsiFromSbdfIsEnodevForADevicePcibackDoesNotHold() {
        // pcistub_get_gsi_from_sbdf: no initialised pciback device -> -ENODEV
        final TestRig r = pvh(XenConfig.XEN_4_20, PcistubVariants.SETUP_GSI);
        assertEquals(-Errno.ENODEV, r.dom0.pciback().gsiFromSbdf(NIC));
        assertEquals(-Errno.ENODEV, r.dom0.privcmd().pcidevGetGsi(NIC));
    }

    @Test
    void pcidevGetGsiFailsWithEpermForAHeldDeviceWithoutGsi() {
        // 6.12 pcistub_get_gsi_from_sbdf returns psdev->gsi, still -1 (pcistub_device_alloc); privcmd passes
        // it on as the error: -1 is -EPERM (a later kernel returns -ENOENT)
        final TestRig r = pvh(XenConfig.XEN_4_20, PcistubVariants.ENABLE_ONLY);
        r.dom0.pciback().seize(NIC);
        assertEquals(-Errno.EPERM, r.dom0.pciback().gsiFromSbdf(NIC));
        assertEquals(-Errno.EPERM, r.dom0.privcmd().pcidevGetGsi(NIC));
    }

    @Test
    void pcidevGetGsiReturnsTheGsiPcibackRecorded() {
        // IOCTL_PRIVCMD_PCIDEV_GET_GSI -> xen_acpi_get_gsi_from_sbdf -> pcistub_get_gsi_from_sbdf
        final TestRig r = pvh(XenConfig.XEN_4_20, PcistubVariants.SETUP_GSI);
        r.dom0.pciback().seize(NIC);
        assertEquals(GSI, r.dom0.privcmd().pcidevGetGsi(NIC));
    }

    @Test
    void gsiFromIrqTranslatesDom0sLinuxIrqBackToTheGsi() {
        // the seed series' privcmd "gsi from irq": dev->irq 16 -> GSI 16, also after the reset released the irq
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.ENABLE_ONLY);
        r.dom0.pciback().seize(NIC);
        assertEquals(GSI, r.dom0.sysfsIrq(NIC));
        assertEquals(GSI, r.dom0.privcmd().gsiFromIrq(NIC));
    }

    @Test
    void gsiFromIrqIsEinvalWithoutAnIrq() {
        final TestRig r = pvh(XenConfig.RFC_BASELINE, PcistubVariants.ENABLE_ONLY);
        assertEquals(-Errno.EINVAL, r.dom0.privcmd().gsiFromIrq(new Bdf(0, 0, 0)), "no interrupt pin");
        assertEquals(-Errno.EINVAL, r.dom0.privcmd().gsiFromIrq(new Bdf(0, 9, 0)), "no such device");
    }

    @Test
    void everyVariantDescribesItself() {
        for (final PcistubVariant v : List.of(PcistubVariants.ENABLE_ONLY, PcistubVariants.PCIBIOS_ENABLE_DEVICE,
            PcistubVariants.UNMASK_IRQ, PcistubVariants.MAP_PIRQ_AND_SETUP_GSI, PcistubVariants.SETUP_GSI)) {
            assertFalse(v.describe().isBlank());
        }
        assertEquals(5, java.util.stream.Stream.of(PcistubVariants.ENABLE_ONLY, PcistubVariants.PCIBIOS_ENABLE_DEVICE,
            PcistubVariants.UNMASK_IRQ, PcistubVariants.MAP_PIRQ_AND_SETUP_GSI, PcistubVariants.SETUP_GSI)
            .map(PcistubVariant::describe).distinct().count());
    }
}
