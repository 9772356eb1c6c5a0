package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code XEN_DOMCTL_assign_device} for each caller (dom0, a control domain that is not dom0, a
 * plain guest) and target (the hardware domain, a guest, the caller, no domain) irqsim can
 * express, against the checks of {@code do_domctl} (xen/common/domctl.c), {@code xsm_domctl} /
 * {@code xsm_assign_device} (xen/include/xsm/dummy.h), {@code iommu_do_domctl}
 * (xen/drivers/passthrough/iommu.c) and {@code iommu_do_pci_domctl}, {@code device_assigned},
 * {@code assign_device} (xen/drivers/passthrough/pci.c), all @RELEASE-4.20.0.
 */
class AssignDeviceCallerTargetTest {

    private static final Bdf NIC = DefaultPlatform.NIC;
    private static final Bdf MISSING = new Bdf(0, 0x1f, 7);

    private Rig rig;
    private Domain dom0;
    private Domain ctl;
    private Domain domu;
    private DomctlOps domctl;

    @BeforeEach
    void boot() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        dom0 = rig.pvhDom0();
        ctl = rig.xen.createDomain(new DomainConfig("ctl", DomainType.PVH, 1, false, true, true, false));
        domu = rig.hvmGuest("domU");
        domctl = rig.xen.domctl();
    }

    // do_domctl: rcu_lock_domain_by_id finds no domain (DOMID_SELF is not one) -> -ESRCH, before
    // xsm_domctl, so a plain guest gets it too
    @Test
    void rcuLockDomainByIdWithoutADomainGivesEsrchForEveryCaller() {
        for (final Domain caller : new Domain[] {dom0, ctl, domu}) {
            assertEquals(-Errno.ESRCH, domctl.assignDevice(caller, 77, NIC), caller.name());
            assertEquals(-Errno.ESRCH, domctl.assignDevice(caller, Domain.DOMID_SELF, NIC), caller.name());
        }
        assertSame(dom0, rig.xen.deviceOwner(NIC));
    }

    // xsm_domctl -> xsm_default_action(XSM_PRIV): only a control domain; checked before
    // iommu_do_domctl, the self-assignment test and device_assigned
    @Test
    void xsmDomctlPrivRefusesAPlainGuestWithEperm() {
        assertEquals(-Errno.EPERM, domctl.assignDevice(domu, dom0.id(), NIC));
        assertEquals(-Errno.EPERM, domctl.assignDevice(domu, ctl.id(), NIC));
        assertEquals(-Errno.EPERM, domctl.assignDevice(domu, domu.id(), NIC), "not the self-assignment -EINVAL");
        assertEquals(-Errno.EPERM, domctl.assignDevice(domu, domu.id(), MISSING), "not device_assigned's -ENODEV");
        assertSame(dom0, rig.xen.deviceOwner(NIC));
        assertTrue(domu.assignedDevices().isEmpty());
    }

    // iommu_do_domctl: !is_iommu_enabled(d) -> -EOPNOTSUPP, before iommu_do_pci_domctl's
    // self-assignment test and before device_assigned
    @Test
    void iommuDoDomctlWithoutAnIommuContextGivesEopnotsupp() {
        final Domain plain = rig.xen.createDomain(new DomainConfig("plain", DomainType.HVM, 1, false, false, false,
            false));
        final Domain ctlNoIommu = rig.xen.createDomain(new DomainConfig("ctl2", DomainType.PVH, 1, false, true, false,
            false));
        assertEquals(-Errno.EOPNOTSUPP, domctl.assignDevice(dom0, plain.id(), NIC));
        assertEquals(-Errno.EOPNOTSUPP, domctl.assignDevice(ctl, plain.id(), MISSING));
        assertEquals(-Errno.EOPNOTSUPP, domctl.assignDevice(ctlNoIommu, ctlNoIommu.id(), NIC), "before self");
        assertEquals(-Errno.EOPNOTSUPP, domctl.testAssignDevice(dom0, plain.id(), NIC));
        assertEquals(-Errno.EOPNOTSUPP, domctl.deassignDevice(dom0, plain.id(), NIC));
        assertSame(dom0, rig.xen.deviceOwner(NIC));
        assertTrue(plain.assignedDevices().isEmpty());
    }

    // iommu_do_pci_domctl: "Don't support self-assignment of devices" (d == current->domain)
    // -> -EINVAL, for dom0 and for any other control domain, before device_assigned
    @Test
    void iommuDoPciDomctlSelfAssignmentGivesEinval() {
        assertEquals(-Errno.EINVAL, domctl.assignDevice(dom0, dom0.id(), NIC));
        assertEquals(-Errno.EINVAL, domctl.assignDevice(ctl, ctl.id(), NIC));
        assertEquals(-Errno.EINVAL, domctl.assignDevice(ctl, ctl.id(), MISSING), "not -ENODEV");
        assertEquals(-Errno.EINVAL, domctl.testAssignDevice(ctl, ctl.id(), NIC));
        assertEquals(-Errno.EINVAL, domctl.deassignDevice(ctl, ctl.id(), NIC));
        assertSame(dom0, rig.xen.deviceOwner(NIC));
        assertTrue(ctl.assignedDevices().isEmpty());
    }

    // device_assigned: pci_get_pdev(NULL, sbdf) finds nothing -> -ENODEV, whatever the target
    @Test
    void deviceAssignedWithoutAPciDevGivesEnodev() {
        assertEquals(-Errno.ENODEV, domctl.assignDevice(dom0, domu.id(), MISSING));
        assertEquals(-Errno.ENODEV, domctl.assignDevice(ctl, dom0.id(), MISSING));
        assertEquals(-Errno.ENODEV, domctl.assignDevice(ctl, domu.id(), MISSING));
        assertTrue(domu.assignedDevices().isEmpty());
    }

    // device_assigned: owned by neither the hardware domain nor dom_io -> -EBUSY, also when the
    // target is the hardware domain or the guest holding it
    @Test
    void deviceAssignedOwnedByAGuestGivesEbusy() {
        assertEquals(0, domctl.assignDevice(dom0, domu.id(), NIC));
        assertEquals(-Errno.EBUSY, domctl.assignDevice(ctl, dom0.id(), NIC), "target the hardware domain");
        assertEquals(-Errno.EBUSY, domctl.assignDevice(ctl, domu.id(), NIC), "target the holder");
        assertEquals(-Errno.EBUSY, domctl.assignDevice(dom0, domu.id(), NIC));
        assertSame(domu, rig.xen.deviceOwner(NIC));
        assertTrue(domu.assignedDevices().contains(NIC));
    }

    // iommu_do_pci_domctl has no hardware-domain check: a control domain that is not dom0
    // assigning the hardware domain one of its devices passes device_assigned, and assign_device
    // reassigns it in place (0); the device is still free for a guest afterwards
    @Test
    void assignDeviceToTheHardwareDomainFromAnotherControlDomainSucceeds() {
        assertEquals(0, domctl.assignDevice(ctl, dom0.id(), NIC));
        assertSame(dom0, rig.xen.deviceOwner(NIC));
        assertTrue(dom0.assignedDevices().isEmpty(), "nothing to give back on deassign or destroy");
        assertEquals(0, domctl.testAssignDevice(ctl, domu.id(), NIC));
        assertEquals(0, domctl.assignDevice(ctl, domu.id(), NIC));
        assertSame(domu, rig.xen.deviceOwner(NIC));
        assertTrue(domu.assignedDevices().contains(NIC));
    }

    // deassign_device: pci_get_pdev(d, sbdf) finds the hardware domain's own device, which is
    // reassigned in place (0); a device it does not hold is -ENODEV
    @Test
    void deassignDeviceFromTheHardwareDomainOfItsOwnDeviceSucceeds() {
        assertEquals(0, domctl.deassignDevice(ctl, dom0.id(), NIC));
        assertSame(dom0, rig.xen.deviceOwner(NIC));
        assertEquals(0, domctl.assignDevice(ctl, domu.id(), NIC));
        assertEquals(-Errno.ENODEV, domctl.deassignDevice(ctl, dom0.id(), NIC), "the guest's now");
        assertEquals(0, domctl.deassignDevice(ctl, domu.id(), NIC));
        assertSame(dom0, rig.xen.deviceOwner(NIC));
        assertTrue(domu.assignedDevices().isEmpty());
    }
}
