package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edges of the interrupt hypercalls where the answer depends on one upstream check: a control
 * domain that is not the hardware domain (so holds no IRQs and is not the device's owner), a
 * caller that holds an IRQ but may not act for the target, a domain created without an IOMMU
 * context, a pirq unmapped while its event channel is bound, and argument ranges at their ends.
 */
class HypercallUpstreamEdgesTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    /** A control domain ({@code is_privileged}) that is not the hardware domain: it holds no IRQs. */
    static Domain secondControlDomain(final Rig rig) {
        return rig.xen.createDomain(new DomainConfig("ctl", DomainType.PVH, 1, false, true, false, false));
    }

    // arch_do_domctl@RELEASE-4.20.0 XEN_DOMCTL_gsi_permission: !irq_access_permitted(currd, irq)
    // -> -EPERM: a control domain can only pass on IRQs it holds itself
    @Test
    void gsiPermissionFromAControlDomainWithoutTheIrqGivesEperm() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final Domain ctl = secondControlDomain(rig);
        assertEquals(-Errno.EPERM, rig.xen.domctl().gsiPermission(ctl, domu.id(), GSI, DomctlOps.GSI_GRANT));
        assertFalse(domu.irqCaps().permitted(GSI));
        final List<TraceRecord> checks = rig.records(HvEvent.PERMISSION_CHECK);
        final TraceRecord check = checks.get(checks.size() - 1);
        assertEquals(GSI, check.a());
        assertEquals(HvEvent.CHECK_IRQ_ACCESS, check.b());
        assertEquals(0, check.c(), "irq_access_permitted(ctl, irq) is false");
        assertEquals(0, rig.count(HvEvent.IRQ_ACCESS), "no irq_permit_access");
    }

    // do_domctl@RELEASE-4.20.0: xsm_domctl(XSM_OTHER) for bind_pt_irq is XSM_DM_PRIV, checked
    // before anything of the sub-op: a guest that holds the IRQ but is neither a control domain
    // nor the target's device model is refused, and nothing is bound
    @Test
    void bindPtIrqFromAGuestHoldingTheIrqButNotTheDeviceModelGivesEperm() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final Domain other = rig.hvmGuest("other");
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.domctl().gsiPermission(dom0, other.id(), GSI, DomctlOps.GSI_GRANT));
        assertTrue(other.irqCaps().permitted(GSI));
        final List<TraceRecord> checks = rig.records(HvEvent.PERMISSION_CHECK);
        assertEquals(1, checks.get(checks.size() - 1).c(), "irq_access_permitted(dom0, irq) held");
        assertEquals(0, rig.xen.domctl().assignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        final BindPtIrq bind = new BindPtIrq(map.pirq, 0, 5, 0);
        assertEquals(-Errno.EPERM, rig.xen.domctl().bindPtIrq(other, domu.id(), bind));
        assertEquals(0, rig.count(HvEvent.PT_BIND));
        assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
        assertEquals(-Errno.EPERM, rig.xen.domctl().unbindPtIrq(other, domu.id(), bind));
        assertEquals(0, rig.count(HvEvent.PT_UNBIND));
    }

    // arch_do_domctl@RELEASE-4.20.0: bind_pt_irq and unbind_pt_irq check is_hvm_domain(d) before
    // anything else of the sub-op (-EINVAL), so a PV target without an IOMMU context is -EINVAL,
    // not the -ESRCH of the IOMMU check or unbind's silent 0
    @Test
    void ptIrqOpsOnAPvTargetWithoutIommuGiveEinval() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain pv = rig.xen.createDomain(new DomainConfig("pv", DomainType.PV, 1, false, false, false, true));
        final BindPtIrq bind = new BindPtIrq(GSI, 0, 5, 0);
        assertEquals(-Errno.EINVAL, rig.xen.domctl().bindPtIrq(dom0, pv.id(), bind));
        assertEquals(-Errno.EINVAL, rig.xen.domctl().unbindPtIrq(dom0, pv.id(), bind));
    }

    // iommu_do_pci_domctl@RELEASE-4.20.0: "Don't support self-assignment of devices" (d ==
    // current->domain -> -EINVAL), also for a control domain that is not the hardware domain
    @Test
    void controlDomainAssigningADeviceToItselfGetsEinval() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain ctl = secondControlDomain(rig);
        assertEquals(-Errno.EINVAL, rig.xen.domctl().assignDevice(ctl, ctl.id(), DefaultPlatform.NIC));
        assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
        assertTrue(ctl.assignedDevices().isEmpty());
        // iommu_do_domctl@RELEASE-4.20.0 answers before the self test: this domain has no IOMMU context
        assertEquals(-Errno.EOPNOTSUPP, rig.xen.domctl().testAssignDevice(ctl, ctl.id(), DefaultPlatform.NIC));
        ctl.setIommuEnabled(true);
        assertEquals(-Errno.EINVAL, rig.xen.domctl().testAssignDevice(ctl, ctl.id(), DefaultPlatform.NIC));
    }

    // assign_device@RELEASE-4.18.0/4.20.0: !is_iommu_enabled(d) -> return 0 before anything is
    // assigned; the IOMMU context is a creation flag, so bind_pt_irq then finds none (-ESRCH)
    @Test
    void assigningToADomainWithoutAnIommuContextSucceedsAndAssignsNothing() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain plain = rig.xen.createDomain(new DomainConfig("plain", DomainType.HVM, 1, false, false, false,
            false));
        assertFalse(plain.iommuEnabled());
        assertEquals(0, rig.xen.domctl().assignDevice(dom0, plain.id(), DefaultPlatform.NIC));
        assertFalse(plain.iommuEnabled(), "assign_device never creates an IOMMU context");
        assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
        assertTrue(plain.assignedDevices().isEmpty());
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(plain.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.domctl().gsiPermission(dom0, plain.id(), GSI, DomctlOps.GSI_GRANT));
        assertEquals(-Errno.ESRCH, rig.xen.domctl().bindPtIrq(dom0, plain.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
        // the same device can still go to a guest with a context
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.domctl().assignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        assertSame(domu, rig.xen.deviceOwner(DefaultPlatform.NIC));
    }

    // do_physdev_op@RELEASE-4.18.0 PHYSDEVOP_eoi: -EINVAL only without a struct pirq; one held by
    // an event channel survives unmap_domain_pirq (pirq_cleanup_check skips it), so the EOI is 0
    @Test
    void eoiOfAPirqUnmappedWhileItsEventChannelIsBoundSucceeds() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        assertEquals(0, rig.xen.physdev().unmapPirq(dom0, Domain.DOMID_SELF, GSI));
        assertTrue(dom0.pirqs().get(GSI).irq() <= 0);
        assertEquals(0, rig.xen.physdev().eoi(dom0, GSI));
        assertEquals(0, rig.count(HvEvent.PIRQ_GUEST_EOI), "pirq_guest_eoi finds no descriptor");
        // once the channel is closed the struct is gone for Xen: -EINVAL
        assertEquals(0, rig.xen.evtchn().unbindPirq(dom0, GSI));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, GSI));
    }

    // unmap_domain_pirq without a guest binding leaves no struct for Xen (pirq_cleanup_check):
    // PHYSDEVOP_eoi on that pirq is -EINVAL, as for one never mapped
    @Test
    void eoiOfAPirqUnmappedWithoutAnEventChannelGivesEinval() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.physdev().eoi(dom0, GSI));
        assertEquals(0, rig.xen.physdev().unmapPirq(dom0, Domain.DOMID_SELF, GSI));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, GSI));
    }

    // do_physdev_op@RELEASE-4.20.0 PHYSDEVOP_setup_gsi: nr_irqs_gsi - 1 is the last GSI in range
    @Test
    void setupGsiRangeEndsReachMpRegisterGsi() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final int last = rig.xen.irqDescs().nrIrqsGsi() - 1;
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, last, 1, 1));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().setupGsi(dom0, last + 1, 1, 1));
    }

    // hvm_set_pci_link_route@RELEASE-4.20.0: link > 3 or isa_irq > 15 -> -EINVAL (both u8, so a
    // negative value is out of range too); link 3 and ISA IRQ 15 are the last valid ones, 0 is "none"
    @Test
    void pciLinkRouteAcceptsLinksZeroToThreeAndIsaIrqsZeroToFifteen() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 3, 15));
        assertEquals(15, domu.hvmIrq().pciLinkRoute(3));
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 0, 0));
        assertEquals(0, domu.hvmIrq().pciLinkRoute(0));
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 4, 10));
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), -1, 10));
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 3, 16));
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 3, -1));
        assertEquals(15, domu.hvmIrq().pciLinkRoute(3), "a refused route changes nothing");
    }
}
