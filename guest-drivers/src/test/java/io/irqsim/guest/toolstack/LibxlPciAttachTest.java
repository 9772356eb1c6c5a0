package io.irqsim.guest.toolstack;

import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.guest.linux.PcistubVariants;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libxl's {@code libxl__device_pci_add} / {@code pci_add_dm_done} and the device model's
 * {@code xen_pt_realize} ({@link Libxl}, {@link IrqFlows}, {@link DeviceModel}).
 */
class LibxlPciAttachTest {

    private static final Bdf NIC = LibxlAttachSetup.NIC;
    private static final int SLOT = LibxlAttachSetup.SLOT;
    private static final Bdf GUEST_BDF = new Bdf(0, SLOT, 0);

    private static LibxlAttachSetup upstream() {
        return LibxlAttachSetup.upstream();
    }

    private static LibxlAttachSetup scripted(final Strategy s, final ScriptedFlow flow) {
        return LibxlAttachSetup.scripted(s, flow);
    }

    // ------------------------------------------------------------------ the order and its failure rules

    @Test
    void unreadableSysfsIrqFailsTheDeviceModelsDeviceAddBeforeLibxlDoesAnything() {
        // xen_host_pci_device_get cannot read the irq: xen_pt_realize errors out, device_add fails, and
        // pci_add_dm_done gets the error: nothing presented, nothing assigned
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.SYSFS_IRQ);
        flow.sources.put(1, -Errno.ENOENT);
        final LibxlAttachSetup s = scripted(Strategies.byName("pv-dom0"), flow);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("device_add:-ENOENT", r.label());
        assertEquals(List.of("test_assign_device:0", "device_add:-ENOENT"), s.steps(mark));
        assertNull(r.guestBdf());
        assertNull(s.guest.pci().function(GUEST_BDF));
        assertNull(s.guest.driver(GUEST_BDF));
        assertSame(s.rig.d0, s.rig.xen.deviceOwner(NIC));
    }

    @Test
    void libxlSkipsTheInterruptPartWhenItCannotReadTheSysfsIrq() {
        // pci_add_dm_done: fopen(".../irq") fails -> goto out_no_irq: no map, no permission, assign anyway
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.SYSFS_IRQ);
        flow.sources.put(2, -Errno.ENOENT);
        final LibxlAttachSetup s = scripted(Strategies.byName("pv-dom0"), flow);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("ok", r.label());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:16", "bind_pt_irq:0", "sysfs_irq:-ENOENT",
            "assign_device:0"), s.steps(mark));
        assertSame(s.guest.domain(), s.rig.xen.deviceOwner(NIC));
        assertEquals(16, r.pirq(), "QEMU's binding");
    }

    @Test
    void privcmdGsiFailureInLibxlIsFatalEvenAfterTheDeviceModelBound() {
        // libxl__arch_hvm_map_gsi: xc_pcidev_get_gsi < 0 -> ERROR_FAIL
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_PERMISSION);
        flow.sources.put(2, -Errno.ENOENT);
        final LibxlAttachSetup s = scripted(Strategies.byName("pciback-setup-gsi"), flow);
        final AttachResult r = s.attach();
        assertEquals("privcmd_gsi:-ENOENT", r.label());
        assertFalse(r.intxDisabled(), "QEMU had bound INTx");
        assertEquals(GUEST_BDF, r.guestBdf());
        assertSame(s.rig.d0, s.rig.xen.deviceOwner(NIC));
    }

    @Test
    void libxlsPirqIsReportedWhenTheDeviceModelBoundNone() {
        // QEMU's map fails (INTx disabled, no pirq); libxl maps pirq 16, then irq_permission fails
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_IRQ_PERMISSION);
        flow.maps.put(1, -Errno.ENOSPC);
        final LibxlAttachSetup s = scripted(Strategies.byName("status-quo"), flow);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("irq_permission:-EPERM", r.label());
        assertEquals(16, r.pirq(), "libxl's pirq");
        assertEquals(-1, r.guestGsi());
        assertEquals(AttachStep.DM_MAP_PIRQ, r.dmFailedStep());
        assertEquals(-Errno.ENOSPC, r.dmRc());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:-ENOSPC", "privcmd_gsi:16", "map_pirq:16",
            "irq_permission:-EPERM"), s.steps(mark));
    }

    @Test
    void libxlMapFailureIsFatal() {
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_PERMISSION);
        flow.maps.put(2, -Errno.ENOSPC);
        final LibxlAttachSetup s = scripted(Strategies.byName("pciback-setup-gsi"), flow);
        final AttachResult r = s.attach();
        assertEquals("map_pirq:-ENOSPC", r.label());
        assertEquals(16, r.gsi());
        assertSame(s.rig.d0, s.rig.xen.deviceOwner(NIC), "xc_assign_device never ran");
        assertEquals(1, s.rig.linesContaining("pci-attach 00:03.0 to d1 FAILED at map_pirq: -ENOSPC"));
    }

    @Test
    void assignDeviceLastFailsWhenTheDeviceWasTakenMeanwhile() {
        // xc_test_assign_device passed, but by xc_assign_device another guest holds the device: libxl fails
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_PERMISSION);
        final LibxlAttachSetup s = scripted(Strategies.byName("pciback-setup-gsi"), flow);
        final LinuxDomU other = s.libxl.createHvmGuest("other", 1);
        flow.onPermit = () -> assertEquals(0, s.rig.xen.domctl().assignDevice(s.rig.d0, other.domain().id(), NIC));
        final AttachResult r = s.attach();
        assertEquals("assign_device:-EBUSY", r.label());
        assertEquals(16, r.gsi());
        assertSame(other.domain(), s.rig.xen.deviceOwner(NIC));
    }

    @Test
    void deviceWithAPinButNoIrqGetsNoIntxAndIsNotDisabled() {
        // sysfs irq 0: xen_pt_realize maps nothing (modelled as "no machine irq"), pci_add_dm_done skips
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.SYSFS_IRQ);
        flow.sources.put(1, 0);
        flow.sources.put(2, 0);
        final LibxlAttachSetup s = scripted(Strategies.byName("pv-dom0"), flow);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("ok", r.label());
        assertFalse(r.intxDisabled());
        assertEquals(-1, r.gsi());
        assertEquals(-1, r.pirq());
        assertEquals(List.of("test_assign_device:0", "sysfs_irq:0", "assign_device:0"), s.steps(mark));
        assertFalse(s.rig.xen.platform().pci().function(NIC).isIntxDisabled());
    }

    // tools/libs/light/libxl_x86.c:libxl__arch_hvm_map_gsi@RELEASE-4.20.0: only gsi < 0 fails; GSI 0 goes on to
    // xc_physdev_map_pirq_gsi, where xen/arch/x86/irq.c:allocate_and_map_gsi_pirq@RELEASE-4.20.0 names IRQ 0 for
    // the hardware domain and map_domain_pirq refuses it (dom0 holds IRQs 1 .. nr_irqs_gsi - 1 only): -EPERM.
    // Before, irqsim skipped the interrupt part on 0 as the sysfs path does for irq 0, and the attach succeeded.
    @Test
    void hvmMapGsiMapsGsiZeroAndXenRefusesIt() {
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_PERMISSION);
        flow.sources.put(2, 0);
        final LibxlAttachSetup s = scripted(Strategies.byName("pciback-setup-gsi"), flow);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("map_pirq:-EPERM", r.label());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:16", "bind_pt_irq:0", "privcmd_gsi:0",
            "map_pirq:-EPERM"), s.steps(mark));
    }

    // QEMU hw/xen/xen_pt.c:xen_pt_realize, xen_pt_map_pirq_for_gsi (commit cfcacbab38e, "use gsi to map pirq when
    // dom0 is PVH"): the sysfs irq decides "no pin interrupt"; a GSI >= 0 from xc_pcidev_get_gsi is mapped, GSI 0
    // included, and xen/arch/x86/irq.c:map_domain_pirq@RELEASE-4.20.0 refuses IRQ 0 (-EPERM): INTx disabled.
    // Before, irqsim's device model read GSI 0 as "no pin interrupt".
    @Test
    void qemuMapsGsiZeroForAPvhDom0AndXenRefusesIt() {
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_PERMISSION);
        flow.sources.put(1, 0);
        flow.sources.put(2, 0);
        final LibxlAttachSetup s = scripted(Strategies.byName("pciback-setup-gsi"), flow);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("map_pirq:-EPERM", r.label());
        assertTrue(r.intxDisabled());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:-EPERM", "privcmd_gsi:0", "map_pirq:-EPERM"),
            s.steps(mark));
    }

    @Test
    void onlyANegativeMapResultIsAnError() {
        // libxl and xen_pt_realize both test rc < 0: a map answering pirq 0 goes on (and bind_pt_irq refuses it)
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_PERMISSION);
        flow.maps.put(1, 0);
        flow.maps.put(2, 0);
        final LibxlAttachSetup s = scripted(Strategies.byName("pciback-setup-gsi"), flow);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("attached, INTx disabled by QEMU (bind_pt_irq:-EPERM)", r.label());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:0", "bind_pt_irq:-EPERM", "dm_unmap_pirq:-EINVAL",
            "privcmd_gsi:16", "map_pirq:0", "gsi_permission:0", "assign_device:0"), s.steps(mark));
        assertEquals(1, s.rig.linesContaining("device model: map_pirq(d1, 16) = pirq 0"));
        assertEquals(1, s.rig.linesContaining("libxl: map_pirq(d1, 16) = pirq 0"));
    }

    @Test
    void theDeviceModelsPirqIsReportedWhenLibxlFailsLater() {
        // QEMU bound pirq 16; libxl's own map answers another pirq and its irq_permission fails
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.GSI_IRQ_PERMISSION);
        flow.maps.put(2, 40);
        final LibxlAttachSetup s = scripted(Strategies.byName("status-quo"), flow);
        final AttachResult r = s.attach();
        assertEquals("irq_permission:-EPERM", r.label());
        assertEquals(16, r.pirq(), "the pirq QEMU bound, not libxl's");
        assertEquals(1, s.rig.linesContaining("irq_permission(d1, pirq 40) = -EPERM"));
    }

    @Test
    void aDeviceWithoutPinIsNotAskedForItsIrqByTheDeviceModel() {
        // xen_pt_realize: "no pin interrupt" before xen_host_pci_device_get's irq matters; only libxl reads sysfs
        final ScriptedFlow flow = new ScriptedFlow(IrqFlows.SYSFS_IRQ);
        final LibxlAttachSetup s = new LibxlAttachSetup(XenConfig.XEN_4_18, DomainType.PV, PcistubVariants.ENABLE_ONLY,
            flow, false);
        final Bdf host = new Bdf(0, 0, 0);
        assertEquals(0, s.rig.dom0.pciback().seize(host));
        assertEquals("ok", s.libxl.pciAttach(s.guest, host, SLOT).label());
        assertEquals(1, flow.sourceCalls);
    }

    @Test
    void theAttachIsAnnouncedAndTheLogNamesEachCallAndItsArguments() {
        final LibxlAttachSetup s = upstream();
        final AttachResult r = s.attach();
        assertEquals(1, s.rig.linesContaining("pci-attach 00:03.0 to d1 (guest) at guest slot 5"));
        assertEquals(1, s.rig.linesContaining("device model: bind_pt_irq(d1, pirq " + r.pirq() + ", 00:05 INTA) = 0"));
        assertEquals(1, s.rig.linesContaining("gsi_permission(d1, gsi 16) = 0"));
        final LibxlAttachSetup q = new LibxlAttachSetup(Strategies.byName("status-quo"));
        q.attach();
        assertEquals(1, q.rig.linesContaining("irq_permission(d1, pirq 16) = -EPERM"));
    }

    @Test
    void theDeviceModelsBusHasTheHostBridge() {
        // QEMU's i440fx machine: 00:00.0 is the host bridge
        final LibxlAttachSetup s = upstream();
        final PciFunction host = s.libxl.deviceModel(s.guest.domain()).bus().function(new Bdf(0, 0, 0));
        assertNotNull(host);
        assertEquals("i440fx", host.name());
        assertEquals(0x1237, host.deviceId());
    }

    @Test
    void deviceModelCallsAreLoggedAsQemuAndLibxlsAsLibxl() {
        final LibxlAttachSetup s = new LibxlAttachSetup(Strategies.byName("hwdom-map-any-write"));
        s.attach();
        final List<io.irqsim.guest.Timeline.Entry> e = s.rig.log.entries();
        assertTrue(e.stream().anyMatch(x -> x.actor().equals("qemu") && x.text().startsWith("device model: bind_pt_irq")));
        assertTrue(e.stream().anyMatch(x -> x.actor().equals("qemu") && x.text().startsWith("device model: unmap_pirq")));
        assertTrue(e.stream().anyMatch(x -> x.actor().equals("qemu")
            && x.text().equals("00:03.0: interrupt binding failed, PCI_COMMAND_INTX_DISABLE set; the device stays "
            + "without INTx")));
        assertTrue(e.stream().anyMatch(x -> x.actor().equals("libxl") && x.text().startsWith("xc_assign_device")));
        assertTrue(e.stream().noneMatch(x -> x.actor().equals("libxl") && x.text().startsWith("device model")));
    }

    @Test
    void onlyTheDeviceModelsCallsAreItsOwn() {
        for (final AttachStep st : AttachStep.values()) {
            final boolean dm = st == AttachStep.DM_MAP_PIRQ || st == AttachStep.BIND_PT_IRQ
                || st == AttachStep.DM_UNMAP_PIRQ || st == AttachStep.DEVICE_ADD;
            assertEquals(dm, st.byDeviceModel(), st.label());
        }
    }

    @Test
    void mapPirqAsksForPirqEqualToIndexWhileMapPirqGsiLetsXenPick() {
        // xc_physdev_map_pirq: map.pirq = *pirq < 0 ? index : *pirq; xc_physdev_map_pirq_gsi passes -1 through
        final LibxlAttachSetup s = upstream();
        assertEquals(17, IrqFlows.SYSFS_IRQ.map(s.libxl, s.guest.domain(), 17));
        final LinuxDomU second = s.libxl.createHvmGuest("second", 1);
        assertEquals(16, IrqFlows.GSI_PERMISSION.map(s.libxl, second.domain(), 17), "Xen's first free GSI pirq");
    }

    // ------------------------------------------------------------------ failures before anything is assigned

    @Test
    void deviceNotSeizedByPcibackIsNotAssignable() {
        // libxl__device_pci_add: xc_test_assign_device passes, then libxl_pci_assignable: not bound to pciback
        final LibxlAttachSetup s = new LibxlAttachSetup(XenConfig.XEN_4_20, DomainType.PVH, PcistubVariants.SETUP_GSI,
            IrqFlows.GSI_PERMISSION, false);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("pci_assignable:-ENODEV", r.label());
        assertFalse(r.ok());
        assertEquals(AttachStep.PCI_ASSIGNABLE, r.failedStep());
        assertEquals(-Errno.ENODEV, r.rc());
        assertEquals(List.of("test_assign_device:0"), s.steps(mark), "nothing after the test");
        assertSame(s.rig.d0, s.rig.xen.deviceOwner(NIC));
        assertNull(s.guest.pci().function(GUEST_BDF));
        assertEquals(new AttachResult(NIC, "guest", AttachStep.PCI_ASSIGNABLE, -Errno.ENODEV, -1, -1, null, -1), r);
    }

    @Test
    void deviceAlreadyAssignedToAnotherGuestFailsTheAssignTest() {
        // libxl__device_pci_add: XEN_DOMCTL_test_assign_device -> device_assigned -EBUSY, reported as -EINVAL,
        // before the device model is asked for anything; the device stays with the first guest
        final LibxlAttachSetup s = upstream();
        assertTrue(s.attach().ok());
        final LinuxDomU second = s.libxl.createHvmGuest("second", 1);
        final AttachResult r = s.libxl.pciAttach(second, NIC, SLOT);
        assertEquals("test_assign_device:-EINVAL", r.label());
        assertEquals("second", r.domain());
        assertSame(s.guest.domain(), s.rig.xen.deviceOwner(NIC));
        assertNull(second.pci().function(GUEST_BDF));
        assertTrue(second.drivers().isEmpty());
    }

    // ------------------------------------------------------------------ what the guest sees

    @Test
    void onSuccessTheGuestSeesTheDeviceWithItsIdentityAndPin() {
        // xen_pt_realize: the virtual device at 00:SLOT.0 shows the physical vendor/device and interrupt pin
        final LibxlAttachSetup s = upstream();
        final AttachResult r = s.attach();
        assertEquals(GUEST_BDF, r.guestBdf());
        final PciFunction phys = s.rig.xen.platform().pci().function(NIC);
        final PciFunction virt = s.guest.pci().function(GUEST_BDF);
        assertNotNull(virt);
        assertEquals(phys.vendorId(), virt.vendorId());
        assertEquals(phys.deviceId(), virt.deviceId());
        assertEquals(phys.classCode(), virt.classCode());
        assertEquals(phys.interruptPin(), virt.interruptPin());
        assertSame(s.guest.domain(), s.rig.xen.deviceOwner(NIC));
        assertSame(s.guest.pci(), s.libxl.deviceModel(s.guest.domain()).bus());
    }

    @Test
    void onSuccessTheBarIsMappedIntoTheGuestAtTheSlotsWindow() {
        // xen_pt_realize + xc_domain_memory_mapping: BAR0 at GUEST_MMIO_BASE + slot * 64 KiB, no trap
        final LibxlAttachSetup s = upstream();
        s.attach();
        final long gaddr = DeviceModel.GUEST_MMIO_BASE + SLOT * 0x10000L;
        assertEquals(gaddr, s.guest.pci().function(GUEST_BDF).barAddress(0));
        assertEquals(NicTestDevice.ID & 0xFFFF_FFFFL, s.guest.cpu().mmioRead(gaddr + NicTestDevice.REG_ID, 4));
        assertSame(s.rig.devices.get(NIC), s.guest.cpu().bus().deviceAt(gaddr), "mapped directly");
    }

    @Test
    void onSuccessTheGuestDriverIsProbedOnTheGuestGsiOfTheSlot() {
        // the guest's acpi_pci_irq_enable uses hvmloader's _PRT: hvm_pci_intx_gsi(slot, INTA)
        final LibxlAttachSetup s = upstream();
        final AttachResult r = s.attach();
        final NicTestDriver drv = s.guest.driver(GUEST_BDF);
        assertNotNull(drv);
        assertTrue(drv.irq() > 0);
        assertEquals(HvmIrq.pciIntxGsi(SLOT, 0), r.guestGsi());
        assertEquals(r.guestGsi(), s.guest.dev(GUEST_BDF).gsi());
    }

    @Test
    void onSuccessTheDevicesInterruptsReachTheGuestDriver() {
        // physical GSI 16 -> Xen (pt_irq_create_bind) -> hvm_pci_intx_assert -> guest vIO-APIC -> driver -> EOI
        final LibxlAttachSetup s = upstream();
        s.attach();
        final NicTestDevice nic = s.rig.devices.get(NIC);
        for (int i = 0; i < 3; i++) {
            nic.raise();
            s.rig.xen.drain();
            s.rig.xen.advanceTime(10_000);
        }
        assertEquals(3, s.guest.driver(GUEST_BDF).handled());
        assertEquals(3, nic.acked());
        assertEquals(0, s.guest.unhandledInterrupts());
    }

    // ------------------------------------------------------------------ results and flows

    @Test
    void labelIsOkOrStepColonErrno() {
        assertEquals("ok", new AttachResult(NIC, "g", null, 0, 16, 16, GUEST_BDF, 36).label());
        assertEquals("irq_permission:-EPERM",
            new AttachResult(NIC, "g", AttachStep.IRQ_PERMISSION, -Errno.EPERM, 16, 16, null, -1).label());
        assertEquals("assign_device:-EBUSY",
            new AttachResult(NIC, "g", AttachStep.ASSIGN_DEVICE, -Errno.EBUSY, 16, 17, null, -1).label());
        assertEquals("attached, INTx disabled by QEMU (bind_pt_irq:-EPERM)", new AttachResult(NIC, "g", null, 0, 16, -1,
            GUEST_BDF, -1, AttachStep.BIND_PT_IRQ, -Errno.EPERM).label());
        assertEquals("irq_permission:-EPERM", new AttachResult(NIC, "g", AttachStep.IRQ_PERMISSION, -Errno.EPERM, 16,
            -1, GUEST_BDF, -1, AttachStep.BIND_PT_IRQ, -Errno.EPERM).label(), "libxl's failure comes first");
    }

    @Test
    void stepLabelsAreDistinct() {
        assertEquals(AttachStep.values().length,
            Arrays.stream(AttachStep.values()).map(AttachStep::label).distinct().count());
        assertEquals("gsi_permission", AttachStep.GSI_PERMISSION.label());
        assertEquals("dm_map_pirq", AttachStep.DM_MAP_PIRQ.label());
    }

    @Test
    void flowsReportTheirSourceAndPermissionSteps() {
        assertEquals(AttachStep.SYSFS_IRQ, IrqFlows.SYSFS_IRQ.sourceStep());
        assertEquals(AttachStep.IRQ_PERMISSION, IrqFlows.SYSFS_IRQ.permitStep());
        assertEquals(AttachStep.PRIVCMD_GSI, IrqFlows.GSI_IRQ_PERMISSION.sourceStep());
        assertEquals(AttachStep.IRQ_PERMISSION, IrqFlows.GSI_IRQ_PERMISSION.permitStep());
        assertEquals(AttachStep.PRIVCMD_GSI, IrqFlows.GSI_PERMISSION.sourceStep());
        assertEquals(AttachStep.GSI_PERMISSION, IrqFlows.GSI_PERMISSION.permitStep());
        assertEquals(3, List.of(IrqFlows.SYSFS_IRQ, IrqFlows.GSI_IRQ_PERMISSION, IrqFlows.GSI_PERMISSION).stream()
            .map(IrqFlow::describe).distinct().count());
    }

    @Test
    void libxlExposesWhatItWasBuiltWith() {
        final LibxlAttachSetup s = upstream();
        assertSame(s.rig.xen, s.libxl.xen());
        assertSame(s.rig.dom0, s.libxl.dom0());
        assertSame(IrqFlows.GSI_PERMISSION, s.libxl.flow());
        assertEquals(1, s.rig.linesContaining("created HVM domain d1 (guest), 1 vCPU(s)"));
    }
}
