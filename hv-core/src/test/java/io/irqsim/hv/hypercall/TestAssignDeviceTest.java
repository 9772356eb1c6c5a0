package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * {@code XEN_DOMCTL_test_assign_device} (xen/drivers/passthrough/pci.c:iommu_do_pci_domctl@RELEASE-4.18.0):
 * {@code device_assigned}'s -ENODEV and -EBUSY both come back as -EINVAL, and nothing is assigned.
 */
class TestAssignDeviceTest {

    @Test
    void freeDeviceTestsZeroAndStaysWithTheHardwareDomain() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.domctl().testAssignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
        assertEquals(1, rig.records(HvEvent.HYPERCALL).stream()
            .filter(r -> r.a() == HypercallOp.DOMCTL_TEST_ASSIGN_DEVICE.code()).count());
    }

    @Test
    void deviceHeldByAGuestOrMissingIsEinval() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain first = rig.hvmGuest("first");
        final Domain second = rig.hvmGuest("second");
        assertEquals(0, rig.xen.domctl().assignDevice(dom0, first.id(), DefaultPlatform.NIC));
        assertEquals(-Errno.EINVAL, rig.xen.domctl().testAssignDevice(dom0, second.id(), DefaultPlatform.NIC));
        assertEquals(-Errno.EINVAL, rig.xen.domctl().testAssignDevice(dom0, first.id(), DefaultPlatform.NIC),
            "held by the target itself: still assigned");
        assertEquals(-Errno.EINVAL, rig.xen.domctl().testAssignDevice(dom0, second.id(), new Bdf(0, 0x1f, 7)));
        assertSame(first, rig.xen.deviceOwner(DefaultPlatform.NIC));
    }

    @Test
    void selfAssignmentIsEinvalAndAnUnprivilegedCallerEperm() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(-Errno.EINVAL, rig.xen.domctl().testAssignDevice(dom0, dom0.id(), DefaultPlatform.NIC));
        assertEquals(-Errno.EPERM, rig.xen.domctl().testAssignDevice(domu, domu.id(), DefaultPlatform.NIC));
        assertEquals(-Errno.ESRCH, rig.xen.domctl().testAssignDevice(dom0, 77, DefaultPlatform.NIC));
    }
}
