package io.irqsim.guest.toolstack;

import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.linux.PcistubVariants;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each {@link IrqFlows} flow's calls through {@link Libxl#pciAttach} and {@link DeviceModel#realize}: the
 * 4.18 sysfs path, the RFC series' privcmd-GSI path and 4.20's {@code libxl__arch_hvm_map_gsi}.
 */
class LibxlIrqFlowsTest {

    private static final Bdf NIC = LibxlAttachSetup.NIC;
    private static final int SLOT = LibxlAttachSetup.SLOT;
    private static final Bdf GUEST_BDF = new Bdf(0, SLOT, 0);

    // ------------------------------------------------------------------ each flow's calls

    @Test
    void gsiPermissionFlowRunsTheDeviceModelFirstThenMapPirqGsiGsiPermissionAndAssignLast() {
        // do_pci_add: xen_pt_realize first (map_pirq_gsi(-1) picks a pirq, bind_pt_irq); then pci_add_dm_done:
        // libxl__arch_hvm_map_gsi (Xen 4.20: xc_pcidev_get_gsi, map_pirq_gsi(-1) returns the same pirq,
        // xc_domain_gsi_permission) and xc_assign_device last
        final LibxlAttachSetup s = LibxlAttachSetup.upstream();
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("ok", r.label());
        final int pirq = r.pirq();
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:" + pirq, "bind_pt_irq:0", "privcmd_gsi:16",
            "map_pirq:" + pirq, "gsi_permission:0", "assign_device:0"), s.steps(mark));
        assertFalse(r.intxDisabled());
        assertEquals(DefaultPlatform.NIC_GSI, r.gsi());
        assertTrue(pirq >= 16, "Xen picks a free pirq for the guest");
    }

    @Test
    void gsiIrqPermissionFlowFailsOnIrqPermissionAfterTheDeviceModelBoundIt() {
        // status-quo: QEMU maps and binds pirq 16 first; then privcmd GSI 16, map_pirq(16) returns the same pirq,
        // XEN_DOMCTL_irq_permission finds no dom0 pirq 16 -> -EPERM. Nothing was assigned and nothing is undone:
        // the device stays on the guest's bus (device_pci_add_done only logs)
        final LibxlAttachSetup s = new LibxlAttachSetup(Strategies.byName("status-quo"));
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("irq_permission:-EPERM", r.label());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:16", "bind_pt_irq:0", "privcmd_gsi:16", "map_pirq:16",
            "irq_permission:-EPERM"), s.steps(mark));
        assertEquals(16, r.gsi());
        assertEquals(16, r.pirq(), "xc_physdev_map_pirq asks for pirq == index");
        assertSame(s.rig.d0, s.rig.xen.deviceOwner(NIC), "xc_assign_device never ran");
        assertEquals(GUEST_BDF, r.guestBdf());
        assertEquals(HvmIrq.pciIntxGsi(SLOT, 0), r.guestGsi(), "QEMU's binding stays");
        assertNotNull(s.guest.pci().function(GUEST_BDF));
        assertNotNull(s.guest.driver(GUEST_BDF), "the guest probed the device it sees");
        assertEquals(1, s.rig.linesContaining("00:03.0 stays on d1's PCI bus at 00:05.0"));
    }

    @Test
    void sysfsIrqFlowOnAPvhDom0MapsTheLinuxIrqAndFailsWithEnosys() {
        // xen-4.18: sysfs irq is dom0's Linux irq 16 (the legacy irq domain numbers it like the GSI);
        // hvm_physdev_op refuses map_pirq -> -ENOSYS
        final LibxlAttachSetup s = new LibxlAttachSetup(Strategies.byName("xen-4.18"));
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("map_pirq:-ENOSYS", r.label());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:-ENOSYS", "sysfs_irq:16", "map_pirq:-ENOSYS"),
            s.steps(mark));
        assertTrue(r.intxDisabled(), "QEMU's own map failed first, which only disabled INTx");
        assertEquals(AttachStep.DM_MAP_PIRQ, r.dmFailedStep());
        assertEquals(-Errno.ENOSYS, r.dmRc());
        assertTrue(s.rig.xen.platform().pci().function(NIC).isIntxDisabled(), "PCI_COMMAND_INTX_DISABLE set");
        assertEquals(16, r.gsi(), "the toolstack used dom0's irq number");
        assertSame(s.rig.d0, s.rig.xen.deviceOwner(NIC));
    }

    @Test
    void sysfsIrqFlowOnAPvDom0Works() {
        // pv-dom0: sysfs irq == GSI 16, xc_physdev_map_pirq(16, 16), irq_permission finds dom0's pirq 16
        final LibxlAttachSetup s = new LibxlAttachSetup(Strategies.byName("pv-dom0"));
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("ok", r.label());
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:16", "bind_pt_irq:0", "sysfs_irq:16", "map_pirq:16",
            "irq_permission:0", "assign_device:0"), s.steps(mark));
        assertEquals(16, r.gsi());
        assertEquals(16, r.pirq());
    }

    @Test
    void gsiPermissionFlowWithoutARecordedGsiFailsAtPrivcmd() {
        // IOCTL_PRIVCMD_PCIDEV_GET_GSI: pciback recorded no GSI (psdev->gsi == -1) -> -1, i.e. -EPERM in 6.12
        final LibxlAttachSetup s = new LibxlAttachSetup(XenConfig.XEN_4_20, DomainType.PVH, PcistubVariants.ENABLE_ONLY,
            IrqFlows.GSI_PERMISSION, true);
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertEquals("privcmd_gsi:-EPERM", r.label());
        assertEquals(List.of("test_assign_device:0", "privcmd_gsi:-EPERM", "privcmd_gsi:-EPERM"), s.steps(mark),
            "QEMU asks first (and leaves INTx disabled), then libxl__arch_hvm_map_gsi fails");
        assertEquals(AttachStep.PRIVCMD_GSI, r.dmFailedStep());
        assertTrue(s.rig.xen.platform().pci().function(NIC).isIntxDisabled());
        assertSame(s.rig.d0, s.rig.xen.deviceOwner(NIC));
    }

    @Test
    void bindFailureInTheDeviceModelDisablesIntxAndTheAttachStillSucceeds() {
        // hwdom-map-any-write: dom0's first masked write bound GSI 16 edge and exclusive -> bind_pt_irq -EBUSY.
        // xen_pt_realize: PCI_COMMAND_INTX_DISABLE, xc_physdev_unmap_pirq, realize succeeds; libxl goes on
        final LibxlAttachSetup s = new LibxlAttachSetup(Strategies.byName("hwdom-map-any-write"));
        final long mark = s.rig.mark();
        final AttachResult r = s.attach();
        assertTrue(r.ok());
        assertTrue(r.intxDisabled());
        assertEquals("attached, INTx disabled by QEMU (bind_pt_irq:-EBUSY)", r.label());
        final List<String> steps = s.steps(mark);
        assertEquals(List.of("test_assign_device:0", "dm_map_pirq:16", "bind_pt_irq:-EBUSY", "dm_unmap_pirq:0"),
            steps.subList(0, 4));
        assertEquals("assign_device:0", steps.get(steps.size() - 1));
        assertSame(s.guest.domain(), s.rig.xen.deviceOwner(NIC));
        assertEquals(-1, r.guestGsi());
        assertTrue(s.rig.xen.platform().pci().function(NIC).isIntxDisabled());
        assertNotNull(s.guest.driver(GUEST_BDF), "the device is in the guest, without INTx");
        final NicTestDevice nic = s.rig.devices.get(NIC);
        nic.raise();
        s.rig.xen.drain();
        assertEquals(0, s.guest.driver(GUEST_BDF).handled(), "the device no longer drives its INTx line");
    }

    @Test
    void deviceWithoutInterruptPinAttachesWithoutInterruptSteps() {
        // pci_add_dm_done: sysfs irq 0 -> no map, no permission; xen_pt_realize: no pin -> no binding
        final LibxlAttachSetup s = new LibxlAttachSetup(XenConfig.XEN_4_18, DomainType.PV, PcistubVariants.ENABLE_ONLY,
            IrqFlows.SYSFS_IRQ, false);
        final Bdf host = new Bdf(0, 0, 0);
        assertEquals(0, s.rig.dom0.pciback().seize(host));
        final long mark = s.rig.mark();
        final AttachResult r = s.libxl.pciAttach(s.guest, host, SLOT);
        assertEquals("ok", r.label());
        assertEquals(List.of("test_assign_device:0", "sysfs_irq:0", "assign_device:0"), s.steps(mark));
        assertFalse(r.intxDisabled());
        assertEquals(-1, r.pirq());
        assertEquals(-1, r.guestGsi());
        assertEquals(0, s.guest.driver(GUEST_BDF).irq());
    }
}
