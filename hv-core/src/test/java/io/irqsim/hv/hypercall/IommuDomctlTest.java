package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@code xen/drivers/passthrough/iommu.c:iommu_do_domctl@RELEASE-4.18.0} and {@code @RELEASE-4.20.0}: the
 * device domctls reach {@code iommu_do_pci_domctl} only for a target with an IOMMU context; any other gets
 * -EOPNOTSUPP (libxl's "cannot be assigned - no IOMMU"), before the self-assignment and device checks.
 */
class IommuDomctlTest {

    // xen/drivers/passthrough/iommu.c:iommu_do_domctl@RELEASE-4.20.0 (XEN_DOMCTL_test_assign_device)
    @Test
    void testAssignDeviceToADomainWithoutIommuContextIsEopnotsupp() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        domu.setIommuEnabled(false);
        assertEquals(-Errno.EOPNOTSUPP, rig.xen.domctl().testAssignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        assertEquals(-Errno.EOPNOTSUPP, rig.xen.domctl().testAssignDevice(dom0, domu.id(), new Bdf(0, 0x1f, 7)),
            "the IOMMU test comes before device_assigned");
        assertEquals(-Errno.EPERM, rig.xen.domctl().testAssignDevice(domu, domu.id(), DefaultPlatform.NIC),
            "xsm_domctl still comes first (do_domctl)");
        assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
    }

    // xen/drivers/passthrough/iommu.c:iommu_do_domctl@RELEASE-4.20.0 (XEN_DOMCTL_deassign_device)
    @Test
    void deassignDeviceFromADomainWithoutIommuContextIsEopnotsupp() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.domctl().assignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        domu.setIommuEnabled(false);
        assertEquals(-Errno.EOPNOTSUPP, rig.xen.domctl().deassignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        assertSame(domu, rig.xen.deviceOwner(DefaultPlatform.NIC));
    }
}
